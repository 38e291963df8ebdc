import { describe, expect, it } from "vitest";
import { type RequestWriter, readRequestLines } from "../helpers/intake.ts";

// « bâtiment 3 », « site 2 »: a short number inside the comment beside an identifier is no attempt
// at one. Reported as an invalid identifier, it makes the result wrong in the sender's eyes; and
// glued to a number typed with spaces, it broke that number into three invalid pieces.
const CLAIRE: RequestWriter = {
  from: "Claire Petit <claire.petit@imagerie-artois.fr>",
  subject: "Calcul tranche - Groupement Artois Imagerie",
  reference: "Groupement Artois Imagerie",
  signature: ["Bien cordialement,", "Claire Petit", "Imagerie Artois — 03 21 00 00 00"],
};

const request = (...lines: string[]) => readRequestLines(CLAIRE, ...lines);

describe("short numbers in the comments of an identifier list", () => {
  it("reports no short number of a comment as an identifier", async () => {
    const calculation = await request(
      "FINESS radiologie :",
      "750712184 CH Arras, bâtiment 3",
      "620100057 (site 2)",
      "Centre d'imagerie de Lens, site 2 620 000 018",
      "Clinique du Parc bâtiment 3 620100065",
    );
    expect(calculation.lists.finessRadio).toEqual(["750712184", "620100057", "620 000 018", "620100065"]);
    expect(calculation.strayNumbers).toEqual([]);
  });

  it("reports no comment of nine letters as an identifier (« CH Béthune », « site fermé »)", async () => {
    const calculation = await request("FINESS radiologie : 620100057, CH Béthune ; 750712184 ; site fermé");
    expect(calculation.lists.finessRadio).toEqual(["620100057", "750712184"]);
  });

  it("still reports a truncated identifier typed alone, and short numbers typed alone", async () => {
    const calculation = await request(
      "FINESS radiologie : 620100057 ; 62010005",
      "AM radiologie : 62 ; 751234567",
    );
    expect(calculation.lists.finessRadio).toEqual(["620100057", "62010005"]);
    expect(calculation.lists.amRadio).toEqual(["62", "751234567"]);
  });

  it("names a number beside a site's number in a sentence read into no field", async () => {
    const calculation = await request(
      "FINESS radiologie : 750712184",
      "",
      "Pour information, le CH Lens site 2 620 100 057 rejoindra le groupement en 2027.",
    );
    expect(calculation.lists.finessRadio).toEqual(["750712184"]);
    expect(calculation.strayNumbers).toEqual(["620100057"]);
  });
});
