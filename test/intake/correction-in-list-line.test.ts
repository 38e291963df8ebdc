import { describe, expect, it } from "vitest";
import { type RequestWriter, readRequestLines } from "../helpers/intake.ts";

// A correction written among a list's numbers points at one of them: counting that one raises the
// tranche the State pays, and dropping the whole line loses the numbers the sender meant.
const JEAN: RequestWriter = {
  from: "Jean Dupont <jean.dupont@editeur-radiologie.fr>",
  subject: "Demande de calcul - Groupement Artois Imagerie",
  reference: "Groupement Artois Imagerie",
  signature: ["Cordialement,", "Jean Dupont"],
};

const request = (...lines: string[]) => readRequestLines(JEAN, ...lines);

describe("a correction written on a list's own line", () => {
  it("leaves out the number the correction on the label's line points at, and names it", async () => {
    const finess = await request("FINESS : 750000549 ; 920000650 (à retirer)");
    expect(finess.lists.finessRadio).toEqual(["750000549"]);
    expect(finess.strayNumbers).toEqual(["920000650"]);
    const am = await request("N°AM : 751234567 — ne pas prendre en compte 751234568");
    expect(am.lists.amRadio).toEqual(["751234567"]);
    expect(am.strayNumbers).toEqual(["751234568"]);
  });

  it("keeps the other numbers of a line below the label that leaves one of them out", async () => {
    for (const note of [
      "(le dernier est une erreur)",
      "(ne pas prendre en compte le dernier)",
      "(à retirer)",
    ]) {
      const calculation = await request("FINESS :", `750000549 ; 920000650 ; 690000880 ${note}`);
      expect(calculation.lists.finessRadio, note).toEqual(["750000549", "920000650"]);
      expect(calculation.strayNumbers, note).toEqual(["690000880"]);
    }
  });
});

describe("a correction pointing at the first number of a list's line", () => {
  it("leaves out « le premier », the first number before the note, and names it", async () => {
    for (const list of [
      ["FINESS : 750000549 ; 920000650 (ne pas prendre en compte le premier)"],
      ["FINESS :", "750000549 ; 920000650 (le premier est une erreur)"],
    ]) {
      const calculation = await request(...list);
      expect(calculation.lists.finessRadio, list.join(" / ")).toEqual(["920000650"]);
      expect(calculation.strayNumbers, list.join(" / ")).toEqual(["750000549"]);
    }
  });
});

describe("a number replaced by another in a list", () => {
  it("counts the new number and leaves out the one it replaces, on the label's line or below it", async () => {
    for (const list of [
      ["FINESS radiologie : 750000549 ; 920000650 remplacé par 690000880"],
      ["FINESS radiologie : 750000549 ; remplacer 920000650 par 690000880"],
      [
        "FINESS radiologie : 750000549 ; 920000650 remplacé par 690000880 (ne pas prendre en compte l'ancien)",
      ],
      [
        "FINESS radiologie : 750000549 ; 920000650 remplacé par 690000880 (ne pas prendre en compte le premier)",
      ],
      ["FINESS radiologie :", "750000549", "920000650 a été remplacé par 690000880"],
    ]) {
      const calculation = await request(...list);
      expect(calculation.lists.finessRadio, list.join(" / ")).toEqual(["750000549", "690000880"]);
      expect(calculation.strayNumbers, list.join(" / ")).toEqual(["920000650"]);
    }
  });

  it("reads « B remplace A », the new number first, like « A remplacé par B »", async () => {
    for (const list of [
      ["FINESS radiologie : 750000549 ; 690000880 (remplace 920000650)"],
      ["FINESS radiologie : 750000549 ; 690000880 remplace 920000650"],
      ["FINESS radiologie : 750000549 ; 690000880 en remplacement du 920000650"],
      ["FINESS radiologie :", "750000549", "690000880 en remplacement de 920000650 (site fermé)"],
    ]) {
      const calculation = await request(...list);
      expect(calculation.lists.finessRadio, list.join(" / ")).toEqual(["750000549", "690000880"]);
      expect(calculation.strayNumbers, list.join(" / ")).toEqual(["920000650"]);
    }
  });

  it("reads a former number in brackets (« ancien », « anciennement », « ex-FINESS ») as the one replaced", async () => {
    // The same site under its old number: counting both adds its exams twice, should the reference
    // data still hold the old one.
    for (const list of [
      ["FINESS radiologie : 750000549 ; 690000880 (ancien 920000650, fermé)"],
      ["FINESS radiologie : 750000549 ; 690000880 (anciennement 920000650)"],
      ["FINESS radiologie : 750000549 ; 690000880 (ancien n° : 920000650)"],
      ["FINESS radiologie : 750000549 ; 690000880 (ancien FINESS 920000650)"],
      ["FINESS radiologie :", "750000549", "690000880 (ex-FINESS 920000650)"],
    ]) {
      const calculation = await request(...list);
      expect(calculation.lists.finessRadio, list.join(" / ")).toEqual(["750000549", "690000880"]);
      expect(calculation.strayNumbers, list.join(" / ")).toEqual(["920000650"]);
    }
  });

  it("keeps the numbers of a site called old that is not a former number", async () => {
    for (const list of [
      ["FINESS radiologie : 750000549 ; 920000650 (ancien hôpital, toujours ouvert)"],
      ["FINESS radiologie : 750000549 ; l'ancien site 920000650"],
    ]) {
      const calculation = await request(...list);
      expect(calculation.lists.finessRadio, list.join(" / ")).toEqual(["750000549", "920000650"]);
    }
  });

  it("leaves out the new number only when the note says so", async () => {
    const calculation = await request(
      "FINESS radiologie : 750000549 ; 920000650 remplacé par 690000880 (ne pas prendre en compte le nouveau)",
    );
    expect(calculation.lists.finessRadio).toEqual(["750000549", "920000650"]);
    expect(calculation.strayNumbers).toEqual(["690000880"]);
  });
});

describe("a number marked as a duplicate among a list's numbers", () => {
  // The list is read as written; a repeated number counts once (SPEC §6), so marking it
  // « doublon » takes nothing from the other numbers of its line.
  it("counts the other numbers of a line below the label that marks one as a duplicate", async () => {
    const repeated = await request("FINESS radiologie :", "620000018", "750000549 ; 620000018 (doublon)");
    expect(repeated.lists.finessRadio).toEqual(["620000018", "750000549", "620000018"]);
    expect(repeated.strayNumbers).toEqual([]);
    const alone = await request("FINESS radiologie :", "750000549 ; 620000018 (doublon)");
    expect(alone.lists.finessRadio).toEqual(["750000549", "620000018"]);
    expect(alone.strayNumbers).toEqual([]);
  });

  it("reads a duplicate marked on the label's own line like the repeat it is", async () => {
    const calculation = await request("FINESS : 750000549 ; 620000018 ; 620000018 (doublon)");
    expect(calculation.lists.finessRadio).toEqual(["750000549", "620000018", "620000018"]);
    expect(calculation.strayNumbers).toEqual([]);
  });
});
