import { describe, expect, it } from "vitest";
import { type RequestWriter, readRequestLines } from "../helpers/intake.ts";

// Typed fast, a label runs straight into its numbers (« FINESS radiologie 750000549 … »). A comment
// in brackets beside them must not make the line prose: the request would get the help reply, or
// its N°AM be read into the FINESS list above it (an AM's acts lost from the tranche).
const PAUL: RequestWriter = {
  from: "Paul Garnier <paul.garnier@ris-solutions.fr>",
  subject: "demande tranche Imagerie du Littoral",
  reference: "Imagerie du Littoral",
  signature: ["Cdlt", "Paul Garnier", "RIS Solutions"],
};

const request = (...lines: string[]) => readRequestLines(PAUL, ...lines);

describe("a list's label typed without a colon", () => {
  it("reads the numbers beside a comment in brackets", async () => {
    const calculation = await request("FINESS radiologie 750000549 (CH Arras) ; 720169069");
    expect(calculation.lists.finessRadio).toEqual(["750000549", "720169069"]);
    expect(calculation.problems).toEqual([]);
  });

  it("leaves out the number its note in brackets says to remove", async () => {
    const calculation = await request("FINESS radiologie 750000549 ; 720169069 (à retirer)");
    expect(calculation.lists.finessRadio).toEqual(["750000549"]);
    expect(calculation.strayNumbers).toEqual(["720169069"]);
  });

  it("reads an N°AM line under a FINESS list into the AM field, not the FINESS list", async () => {
    const calculation = await request("FINESS radiologie : 750000549", "AM radiologie 751234567 (Dr Martin)");
    expect(calculation.lists.finessRadio).toEqual(["750000549"]);
    expect(calculation.lists.amRadio).toEqual(["751234567"]);
  });

  it("never lets a line naming another list go on with the list above it", async () => {
    // Not read as the AM field either (« Dr Martin » after the number is no bracketed comment),
    // but named in the result rather than counted as a FINESS.
    const calculation = await request("FINESS radiologie : 750000549", "AM radiologie 751234567 Dr Martin");
    expect(calculation.lists.finessRadio).toEqual(["750000549"]);
    expect(calculation.strayNumbers).toEqual(["751234567"]);
  });
});
