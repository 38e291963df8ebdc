import { describe, expect, it } from "vitest";
import { parseLabelledCalculation } from "../../src/intake/calculation-parser.ts";
import { readInbound } from "../../src/intake/intake.ts";
import { authenticatedHeaders, intakeContext, rawMessage, readHtmlRequest } from "../helpers/intake.ts";

// A list of identifiers each beside its establishment's name, set apart by a blank line (Gmail's
// <div><br></div>, Outlook's empty paragraph, or typed so): past the blank line the list goes on
// to a line of the same shape as its last one, and to nothing else.
const JEAN = "Jean Dupont <jean.dupont@editeur-radiologie.fr>";
const HEAD = ["Bonjour,", "", "Référence : Groupement Artois Imagerie", "Type d'activité : Radiologie"];

const html = async (body: string) => (await readHtmlRequest(JEAN, body)).calculation!;

describe("a commented identifier list split by a blank line", () => {
  it("keeps reading past the blank line a number beside a name written like the one above", async () => {
    // The list ended at the blank line: 620100057 was left out of the calculation (only named as stray).
    const raw = rawMessage(
      { ...authenticatedHeaders(JEAN), Subject: "Demande de calcul" },
      [
        ...HEAD,
        "FINESS radiologie :",
        "750712184 CH Arras",
        "",
        "620100057 CH Lens",
        "",
        "2A0000012 CH Ajaccio",
        "",
        "Cordialement,",
        "Jean Dupont",
        "Éditeur Radiologie — 03 21 00 00 00",
      ].join("\n"),
    );
    const calculation = (await readInbound(raw, intakeContext())).calculation!;
    expect(calculation.lists.finessRadio).toEqual(["750712184", "620100057", "2A0000012"]);
    expect(calculation.strayNumbers).toEqual([]);
    expect(calculation.problems).toEqual([]);
  });

  it("reads each shape of commented line past a blank line: name after or before, a colon, a dash, brackets", () => {
    for (const [first, second] of [
      ["750712184 - CH Arras", "620100057 - CH Lens"],
      ["CH Arras : 750712184", "CH Lens : 620100057"],
      ["Clinique du Parc (750712184)", "Centre d'imagerie de Lens (620100057)"],
      ["750712184 (CH Arras)", "620100057 (CH Lens)"],
    ]) {
      const parsed = parseLabelledCalculation(
        [...HEAD, `FINESS radiologie : ${first}`, "", second, "", "Cordialement"].join("\n"),
      );
      expect(parsed.lists.finessRadio, second).toEqual(["750712184", "620100057"]);
    }
  });

  it("reads it in Gmail's and Outlook's HTML", async () => {
    const gmail = await html(
      '<div dir="ltr"><div>Bonjour,</div><div><br></div><div>Référence : Groupement Artois Imagerie</div>' +
        "<div>Type d'activité : Radiologie</div><div>FINESS radiologie :</div><div>750712184 CH Arras</div>" +
        "<div><br></div><div>620100057 CH Lens</div><div><br></div><div>Cordialement,</div><div>Jean Dupont</div>" +
        "<div><br></div><div>01 23 45 67 89</div></div>",
    );
    const p = (text: string) => `<p class=MsoNormal>${text}<o:p></o:p></p>`;
    const empty = "<p class=MsoNormal><o:p>&nbsp;</o:p></p>";
    const outlook = await html(
      [
        p("Bonjour,"),
        empty,
        p("Référence : Groupement Artois Imagerie"),
        p("Type d'activité : Radiologie"),
        p("FINESS radiologie :"),
        p("CH Arras : 750712184"),
        empty,
        p("CH Lens : 620100057"),
        empty,
        p("<b>Jean Dupont</b>"),
        p("Tél. : 03 21 00 00 00"),
      ].join(""),
    );
    for (const calculation of [gmail, outlook]) {
      expect(calculation.lists.finessRadio).toEqual(["750712184", "620100057"]);
      expect(calculation.strayNumbers).toEqual([]);
    }
  });

  it("ends the list at a blank line followed by another shape, a sentence, a signature or a company number", () => {
    for (const below of [
      "CH Lens : 620100057",
      "620100057 (site en projet)",
      "620100057 est fermé depuis 2024.",
      "620100057 ch lens",
      "620100057 CH Lens site 2",
      "Jean Dupont\n03 21 00 00 00",
      "Jean Dupont 0321000000",
      "SIREN 552100554",
      "Tél. 321000000",
      "Cordialement,\nJean Dupont\n620100057 CH Lens",
      "> 620100057 CH Lens",
      "AM radiologie : 751234567",
    ]) {
      const parsed = parseLabelledCalculation(
        [...HEAD, "FINESS radiologie :", "750712184 CH Arras", "", below].join("\n"),
      );
      expect(parsed.lists.finessRadio, below).toEqual(["750712184"]);
    }
  });

  it("does not carry past the blank line a number whose comment names another activity, a doctor, an instruction or a company", () => {
    // Each number was taken into the FINESS radiologie list: a nuclear-medicine FINESS counted as
    // radiology, a doctor's N°AM read as a FINESS, a number the sender excluded counted.
    for (const [first, below] of [
      ["CH Arras : 750712184", "Médecine nucléaire : 620000026"],
      ["CH Arras : 750712184", "MN : 620000026"],
      ["CH Arras - 750712184", "TEP - 620000026"],
      ["750712184 CH Arras", "751234567 Dr Martin"],
      ["750712184 CH Arras", "620100057 Ne pas prendre en compte"],
      ["750712184 CH Arras", "620100057 Doublon"],
      ["750712184 CH Arras", "552100554 Éditeur SA"],
      ["CH Arras : 750712184", "Siège : 552100554"],
    ]) {
      const parsed = parseLabelledCalculation(
        [...HEAD, "FINESS radiologie :", first, "", below, "", "Cordialement,", "Jean Dupont"].join("\n"),
      );
      expect(parsed.lists.finessRadio, below).toEqual(["750712184"]);
      // Not dropped unsaid: the result names it, when the reference data knows it.
      expect(parsed.strayNumbers, below).toHaveLength(1);
    }
  });

  it("still carries a doctor's N°AM under another doctor's, and a radiology practice under another", () => {
    const doctors = parseLabelledCalculation(
      [...HEAD, "AM radiologie :", "751234567 Dr Martin", "", "751234568 Dr Durand"].join("\n"),
    );
    expect(doctors.lists.amRadio).toEqual(["751234567", "751234568"]);
    const practices = parseLabelledCalculation(
      [
        ...HEAD,
        "FINESS radiologie :",
        "Cabinet de radiologie d'Arras : 750712184",
        "",
        "Cabinet de radiologie de Lens : 620100057",
      ].join("\n"),
    );
    expect(practices.lists.finessRadio).toEqual(["750712184", "620100057"]);
  });

  it("leaves out of the calculation a listed number its comment says to leave out, and reads on", async () => {
    // « (ne pas prendre en compte) » beside 620100057 was a comment like any other: it was counted.
    const raw = rawMessage(
      { ...authenticatedHeaders(JEAN), Subject: "Demande de calcul" },
      [
        ...HEAD,
        "FINESS radiologie :",
        "750712184 CH Arras",
        "620100057 CH Lens (ne pas prendre en compte, site fermé)",
        "620000018 CH Béthune",
        "",
        "Cordialement,",
        "Jean Dupont",
      ].join("\n"),
    );
    const calculation = (await readInbound(raw, intakeContext())).calculation!;
    expect(calculation.lists.finessRadio).toEqual(["750712184", "620000018"]);
    // Named in the result (when the reference data knows it), not dropped unsaid.
    expect(calculation.strayNumbers).toEqual(["620100057"]);
  });
});
