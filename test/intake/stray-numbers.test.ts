import { describe, expect, it } from "vitest";
import { parseLabelledCalculation } from "../../src/intake/calculation-parser.ts";
import { readInbound } from "../../src/intake/intake.ts";
import { identifierShapedNumbers, MAX_STRAY_NUMBERS } from "../../src/intake/stray-numbers.ts";
import { authenticatedHeaders, intakeContext, rawMessage } from "../helpers/intake.ts";

const JEANNE = "Jeanne Martin <jeanne.martin@editeur-ris.fr>";

async function calculationOf(body: string) {
  const intake = await readInbound(
    rawMessage({ ...authenticatedHeaders(JEANNE), Subject: "Demande de calcul de tranche" }, body),
    intakeContext(),
  );
  expect(intake.kind).toBe("calculation");
  return intake.calculation!;
}

describe("identifier-shaped numbers of a line", () => {
  it("finds a FINESS or N°AM however it is typed: spaces, dots, dashes, a Corsican prefix", () => {
    expect(identifierShapedNumbers("CH Lens 620100057")).toEqual(["620100057"]);
    expect(identifierShapedNumbers("le 920 000 650 aussi")).toEqual(["920000650"]);
    expect(identifierShapedNumbers("92.000.065-0")).toEqual(["920000650"]);
    expect(identifierShapedNumbers("Ajaccio 2a0000012")).toEqual(["2A0000012"]);
    expect(identifierShapedNumbers("750712184/620100057 n°921234567")).toEqual([
      "750712184",
      "620100057",
      "921234567",
    ]);
  });

  it("never cuts one out of a longer number: phones, SIRET, a calculation id, a word", () => {
    for (const line of [
      "Tél. 03 21 00 00 00",
      "0321000000",
      "+33 3 21 00 00 00",
      "+33 321000000",
      "SIRET 552 100 554 00013",
      "RPPS 10001234567",
      "62300 Lens",
      "TR-2026-000123",
      "réf. ABC620100057",
      "12/03/2025",
    ])
      expect(identifierShapedNumbers(line), line).toEqual([]);
  });
});

describe("stray numbers of a calculation request", () => {
  it("names a number below a blank line that the list did not take, with its comment", async () => {
    // Written otherwise than the line above the blank one (name first): not certainly the list's.
    const calculation = await calculationOf(
      [
        "Bonjour,",
        "",
        "Référence : Groupement Artois Imagerie",
        "FINESS radiologie :",
        "750712184 CH Arras",
        "",
        "CH Lens : 620100057",
        "",
        "Cordialement,",
        "Jeanne Martin",
      ].join("\n"),
    );
    expect(calculation.lists.finessRadio).toEqual(["750712184"]);
    expect(calculation.strayNumbers).toEqual(["620100057"]);
  });

  it("keeps a number read into a field out, wherever else the text repeats it", async () => {
    const calculation = await calculationOf(
      [
        "Bonjour,",
        "",
        "Voici la demande pour le CH d'Arras (FINESS 750712184) :",
        "",
        "Référence : CH Arras",
        "Type d'activité : Radiologie",
        "FINESS radiologie : 750 712 184",
        "",
        "Merci d'avance, le 750712184 est bien le site géographique.",
      ].join("\n"),
    );
    expect(calculation.lists.finessRadio).toEqual(["750 712 184"]);
    expect(calculation.strayNumbers).toEqual([]);
  });

  it("takes a number in the reference for one (counted in no field), but not a read field's", () => {
    // The reference data sorts it out: an order number is unknown to it, and never named.
    const labelled = parseLabelledCalculation(
      "Référence : CH Arras 620100057\nFINESS radiologie : 750712184\nType d'activité : Radiologie",
    );
    expect(labelled.strayNumbers).toEqual(["620100057"]);
    const listed = parseLabelledCalculation(
      "Référence : CH Arras 750712184\nFINESS radiologie : 750712184\nType d'activité : Radiologie",
    );
    expect(listed.strayNumbers).toEqual([]);
  });

  it("lists a signature's SIREN as shaped like one (the reference data sorts it out), not its phone or postcode", async () => {
    const calculation = await calculationOf(
      [
        "Référence : CH Arras",
        "FINESS radiologie : 750712184",
        "",
        "Cordialement,",
        "Jeanne Martin",
        "Éditeur RIS SAS — SIREN 552 100 554",
        "12 rue des Lilas, 62300 Lens — Tél. 03 21 00 00 00 — +33 6 12 34 56 78",
      ].join("\n"),
    );
    expect(calculation.strayNumbers).toEqual(["552100554"]);
  });

  it("names numbers of a table's column under no label", () => {
    const labelled = parseLabelledCalculation(
      [
        "Référence : Groupe Nord",
        "FINESS radiologie\t\tType d'activité",
        "750712184\t620100057\tRadiologie",
      ].join("\n"),
    );
    expect(labelled.lists.finessRadio).toEqual(["750712184"]);
    expect(labelled.strayNumbers).toEqual(["620100057"]);
  });

  it("keeps a bounded, unique list", () => {
    const numbers = Array.from({ length: 40 }, (_, i) => String(620100000 + i));
    const labelled = parseLabelledCalculation(
      `Référence : X\nFINESS radiologie : 750712184\n\nAutres sites : ${numbers.join(" - ")} ${numbers.join(" - ")}`,
    );
    expect(labelled.strayNumbers).toHaveLength(MAX_STRAY_NUMBERS);
    expect(new Set(labelled.strayNumbers).size).toBe(MAX_STRAY_NUMBERS);
  });

  it("reads a request without any stray number as before: an empty list", async () => {
    const calculation = await calculationOf(
      "Référence : CH Arras\nType d'activité : Radiologie\nFINESS radiologie : 750712184; 620100057\n\nCordialement,\nJeanne Martin",
    );
    expect(calculation.strayNumbers).toEqual([]);
  });
});
