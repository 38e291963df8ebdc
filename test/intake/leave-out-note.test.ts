import { describe, expect, it } from "vitest";
import { type RequestWriter, readRequestLines } from "../helpers/intake.ts";

// A sender who corrects a list on the line below it (« ne pas prendre en compte ce dernier ») means
// that number to be left out of the calculation: counting it raises the tranche the State pays.
const JEAN: RequestWriter = {
  from: "Jean Dupont <jean.dupont@editeur-radiologie.fr>",
  subject: "Demande de calcul - Groupement Artois Imagerie",
  reference: "Groupement Artois Imagerie",
  intro: ["Merci de calculer la tranche de financement pour la commande suivante.", ""],
  signature: ["Cordialement,", "Jean Dupont", "Éditeur Radiologie — 03 21 00 00 00"],
};

const request = (...lines: string[]) => readRequestLines(JEAN, ...lines);

describe("a note below a list that leaves one of its numbers out", () => {
  it("leaves out « ce dernier », the list's last number, and names it in the result", async () => {
    for (const note of [
      "(ne pas prendre en compte ce dernier)",
      "→ ne pas prendre en compte ce dernier",
      "Merci de ne pas tenir compte de ce dernier, le site est fermé.",
    ]) {
      const calculation = await request("FINESS radiologie : 620100057 ; 620000018", note);
      expect(calculation.lists.finessRadio, note).toEqual(["620100057"]);
      // Named as a number of the message left out of the calculation, when the reference data knows it.
      expect(calculation.strayNumbers, note).toEqual(["620000018"]);
    }
  });

  it("leaves out « le premier », the list's first number, and names it", async () => {
    for (const list of [
      ["FINESS radiologie : 620000018 ; 620100057 ; 750712184"],
      ["FINESS radiologie :", "620000018", "620100057 ; 750712184"],
    ]) {
      const calculation = await request(...list, "(ne pas prendre en compte le premier)");
      expect(calculation.lists.finessRadio, list.join(" / ")).toEqual(["620100057", "750712184"]);
      expect(calculation.strayNumbers, list.join(" / ")).toEqual(["620000018"]);
    }
  });

  it("leaves out the number the note names, wherever it stands in the list", async () => {
    for (const note of ["→ ne pas prendre en compte le 620000018", "620000018 : à retirer"]) {
      const calculation = await request("FINESS radiologie : 620000018 ; 620100057 ; 750712184", note);
      expect(calculation.lists.finessRadio, note).toEqual(["620100057", "750712184"]);
      expect(calculation.strayNumbers, note).toEqual(["620000018"]);
    }
  });

  it("reads the note past a blank line (Gmail's empty div) under a list typed one number a line", async () => {
    const calculation = await request(
      "FINESS radiologie :",
      "620100057",
      "620000018",
      "",
      "(ne pas prendre en compte ce dernier)",
    );
    expect(calculation.lists.finessRadio).toEqual(["620100057"]);
    expect(calculation.strayNumbers).toEqual(["620000018"]);
  });

  it("reads on below the note: the numbers under it are the list's", async () => {
    const calculation = await request(
      "FINESS radiologie :",
      "620100057",
      "620000018",
      "(ne pas prendre en compte ce dernier, site fermé)",
      "750712184",
    );
    expect(calculation.lists.finessRadio).toEqual(["620100057", "750712184"]);
    expect(calculation.strayNumbers).toEqual(["620000018"]);
  });

  it("leaves out only the note's list: the number stays in another field that lists it", async () => {
    const calculation = await request(
      "FINESS radiologie : 620100057 ; 620000018",
      "FINESS médecine nucléaire : 620000018",
      "(ne pas prendre en compte ce dernier)",
    );
    expect(calculation.lists.finessRadio).toEqual(["620100057", "620000018"]);
    expect(calculation.lists.finessMn).toEqual([]);
    expect(calculation.strayNumbers).toEqual([]);
  });

  it("keeps a number a line calls a duplicate of it, and one a note asks not to forget", async () => {
    // « doublon » marks the repeat, read like any repeat (counted once): the number above it is the sender's.
    const duplicate = await request("FINESS radiologie : 620100057 ; 620000018", "620000018 doublon");
    expect(duplicate.lists.finessRadio).toEqual(["620100057", "620000018", "620000018"]);
    expect(duplicate.strayNumbers).toEqual([]);
    const reminder = await request(
      "FINESS radiologie : 620100057 ; 620000018",
      "(ne pas oublier ce dernier, ouvert en 2025)",
    );
    expect(reminder.lists.finessRadio).toEqual(["620100057", "620000018"]);
  });

  it("counts a number whose own line asks not to forget it", async () => {
    for (const line of [
      "620000018 (ne pas oublier, ouvert en 2025)",
      "620000018 — à ne pas oublier",
      "620000018 ne pas omettre svp",
    ]) {
      const calculation = await request("FINESS radiologie :", "620100057", line, "750000549");
      expect(calculation.lists.finessRadio, line).toEqual(["620100057", "620000018", "750000549"]);
      expect(calculation.strayNumbers, line).toEqual([]);
    }
  });
});
