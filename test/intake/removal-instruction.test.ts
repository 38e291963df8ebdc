import { describe, expect, it } from "vitest";
import { type RequestWriter, readRequestLines } from "../helpers/intake.ts";

// A sender who asks us to take numbers out of their list (« merci de retirer … », « supprimez … »)
// means them out of the calculation: counting them raises the tranche the State pays. The numbers
// left out are named in the result, so the sender sees what was read.
const CLAIRE: RequestWriter = {
  from: "Claire Lefebvre <claire.lefebvre@editeur-ris.fr>",
  subject: "Calcul de tranche - Imagerie Côte d'Opale",
  reference: "Imagerie Côte d'Opale",
  intro: ["Bonjour,", "Voici notre demande pour le groupement.", ""],
  signature: ["Bien cordialement,", "Claire Lefebvre", "Éditeur RIS — Service commercial"],
};

const request = (...lines: string[]) => readRequestLines(CLAIRE, ...lines);
const LIST = "FINESS radiologie : 750000549 ; 920000650 ; 620000018";

describe("an instruction to remove numbers from a list", () => {
  it("leaves out every number a note in brackets names, « ; » between them or not", async () => {
    for (const note of [
      "(retirer 920000650 ; 620000018)",
      "(à retirer : 920000650 ; 620000018)",
      "(supprimer 920000650 et 620000018)",
    ]) {
      const calculation = await request(`${LIST} ${note}`);
      expect(calculation.lists.finessRadio, note).toEqual(["750000549"]);
      expect(calculation.strayNumbers, note).toEqual(["920000650", "620000018"]);
    }
  });

  it("leaves out the numbers an imperative line under the list names", async () => {
    for (const note of [
      "merci de retirer 920000650 et 620000018",
      "Supprimez 920000650 et 620000018 svp",
      "Ne prenez pas en compte le 920000650 ni le 620000018",
    ]) {
      const calculation = await request(LIST, note);
      expect(calculation.lists.finessRadio, note).toEqual(["750000549"]);
      expect(calculation.strayNumbers, note).toEqual(["920000650", "620000018"]);
    }
  });

  it("reads the instruction in a paragraph of its own, below or above the lists", async () => {
    for (const lines of [
      [LIST, "", "Merci de retirer le 920000650 de la liste, le site a fermé."],
      [LIST, "", "Ne pas prendre en compte le 920000650 (fermé)."],
      ["Merci d'enlever le 920000650, il a été fermé en juin.", "", LIST],
    ]) {
      const calculation = await request(...lines);
      expect(calculation.lists.finessRadio, lines.join(" / ")).toEqual(["750000549", "620000018"]);
      expect(calculation.strayNumbers, lines.join(" / ")).toEqual(["920000650"]);
    }
  });

  it("leaves out a number its own note says was removed, and the others of the line count", async () => {
    const calculation = await request("FINESS radiologie : 750000549 ; 920000650 (retiré) ; 620000018");
    expect(calculation.lists.finessRadio).toEqual(["750000549", "620000018"]);
    expect(calculation.strayNumbers).toEqual(["920000650"]);
  });

  it("leaves out only the numbers right after the verb, not those the sentence goes on to add", async () => {
    const calculation = await request(
      LIST,
      "",
      "Nous avons retiré le 920000650 qui est fermé, et ajouté le 620000018.",
    );
    expect(calculation.lists.finessRadio).toEqual(["750000549", "620000018"]);
  });

  it("leaves out « sauf » a number written after it, and nothing for « sauf erreur »", async () => {
    const except = await request(LIST, "sauf 920000650");
    expect(except.lists.finessRadio).toEqual(["750000549", "620000018"]);
    const hedge = await request(`${LIST} sauf erreur de ma part`);
    expect(hedge.lists.finessRadio).toEqual(["750000549", "920000650", "620000018"]);
  });

  it("keeps a number the sender asks not to remove", async () => {
    for (const lines of [
      ["FINESS radiologie : 750000549 ; 920000650 (ne pas retirer) ; 620000018"],
      ["FINESS radiologie :", "750000549", "920000650 (ne pas retirer, site rouvert)", "620000018"],
      [LIST, "", "Merci de ne pas retirer le 920000650, il est bien actif."],
      [LIST, "Ne supprimez pas le 920000650 svp"],
    ]) {
      const calculation = await request(...lines);
      // A repeat counts once (SPEC §6): the list's numbers, each once.
      expect([...new Set(calculation.lists.finessRadio)], lines.join(" / ")).toEqual([
        "750000549",
        "920000650",
        "620000018",
      ]);
    }
  });

  it("leaves a number out of the lists of the activity the sentence names only", async () => {
    const calculation = await readRequestLines(
      { ...CLAIRE, reference: "Imagerie Côte d'Opale (mixte)" },
      "FINESS médecine nucléaire : 920000650 ; 620000018",
      "",
      "Merci de retirer le 620000018 des FINESS de radiologie.",
    );
    expect(calculation.lists.finessMn).toEqual(["920000650", "620000018"]);
  });
});
