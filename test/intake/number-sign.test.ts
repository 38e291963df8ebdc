import { describe, expect, it } from "vitest";
import { type RequestWriter, readRequestLines } from "../helpers/intake.ts";

// « n° » glued to a number typed in groups names one number. Split on its spaces, it became four
// invalid identifiers (« 2 », « 620 », « 100 », « 057 ») the sender never wrote.
const SOPHIE: RequestWriter = {
  from: "Sophie Martin <sophie.martin@editeur-radiologie.fr>",
  subject: "Demande de calcul - Cabinet de radiologie du Parc",
  reference: "Cabinet de radiologie du Parc",
  signature: ["Cordialement,", "Sophie Martin"],
};

const request = (...lines: string[]) => readRequestLines(SOPHIE, ...lines);

describe("a number written after « n° » in groups of digits", () => {
  it("reads it as the one number written, to be reported invalid when its digits are not nine", async () => {
    for (const list of ["AM radiologie : n°2 620 100 057", "AM radiologie : 751234567 ; N° 2 620 100 057"]) {
      const calculation = await request(list);
      expect(
        calculation.lists.amRadio.filter((n) => n !== "751234567"),
        list,
      ).toEqual(["2 620 100 057"]);
      expect(calculation.strayNumbers, list).toEqual([]);
    }
  });

  it("keeps it in the list when it is written on a line of its own below the label", async () => {
    const calculation = await request("AM radiologie :", "751234567", "n°2 620 100 057", "751234568");
    expect(calculation.lists.amRadio).toEqual(["751234567", "2 620 100 057", "751234568"]);
  });

  it("still reads a site's « n°2 » before a number as the comment's, and numbers the sign sets apart", async () => {
    const calculation = await request(
      "FINESS radiologie : CH Lens site n°2 620 100 057 ; n°750712184 620100065",
    );
    expect(calculation.lists.finessRadio).toEqual(["620 100 057", "750712184", "620100065"]);
  });
});
