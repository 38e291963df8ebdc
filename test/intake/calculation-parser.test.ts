import { describe, expect, it } from "vitest";
import {
  classifyLabel,
  parseLabelledCalculation,
  readActivity,
} from "../../src/intake/calculation-parser.ts";

describe("classifyLabel", () => {
  it("recognises the web form's labels with or without accents, N°, No, Liste des numéros", () => {
    expect(classifyLabel("Liste des numéros FINESS radiologie")).toBe("finessRadio");
    expect(classifyLabel("N° AM Radiologie")).toBe("amRadio");
    expect(classifyLabel("No FINESS médecine nucléaire")).toBe("finessMn");
    expect(classifyLabel("FINESS nucleaire")).toBe("finessMn");
    expect(classifyLabel("Liste des numéros AM Nucléaire")).toBe("amMn");
    expect(classifyLabel("Adresse email")).toBe("recipient");
    expect(classifyLabel("Nom d'établissement ou groupe")).toBe("reference");
    expect(classifyLabel("Type d'activité")).toBe("activity");
  });

  it("recognises FINESS EG and labels written with « site », « en », « pour la »", () => {
    // These lines were no field at all: their numbers were silently left out of the calculation.
    expect(classifyLabel("FINESS EG radiologie")).toBe("finessRadio");
    expect(classifyLabel("N° FINESS du site de radiologie")).toBe("finessRadio");
    expect(classifyLabel("FINESS en médecine nucléaire")).toBe("finessMn");
    expect(classifyLabel("N° AM pour la radiologie")).toBe("amRadio");
    expect(classifyLabel("FINESS EJ")).toBeNull();
  });

  it("tolerates the usual typos", () => {
    expect(classifyLabel("FINNESS radiologie")).toBe("finessRadio");
    expect(classifyLabel("FINES radio")).toBe("finessRadio");
    expect(classifyLabel("Reference")).toBe("reference");
  });

  it("does not take a sentence for a label", () => {
    expect(classifyLabel("Merci de calculer la tranche pour le FINESS suivant")).toBeNull();
    expect(classifyLabel("Bonjour")).toBeNull();
    expect(classifyLabel("FINESS radiothérapie")).toBeNull();
  });
});

describe("readActivity", () => {
  it("reads the three activity types as users write them", () => {
    expect(readActivity("Radiologie")).toBe("radiologie");
    expect(readActivity("radio")).toBe("radiologie");
    expect(readActivity("Médecine nucléaire")).toBe("medecine-nucleaire");
    expect(readActivity("MN")).toBe("medecine-nucleaire");
    expect(readActivity("nucléaire")).toBe("medecine-nucleaire");
    expect(readActivity("Mixte")).toBe("mixte");
    expect(readActivity("radiologie et médecine nucléaire")).toBe("mixte");
    expect(readActivity("scanner")).toBeNull();
    expect(readActivity("Radiothérapie")).toBeNull();
  });

  it("does not count an activity the sender excludes", () => {
    expect(readActivity("Radiologie uniquement (pas de médecine nucléaire)")).toBe("radiologie");
    expect(readActivity("Médecine nucléaire, sans radiologie")).toBe("medecine-nucleaire");
    expect(readActivity("radiologie hors MN")).toBe("radiologie");
    expect(readActivity("pas d'activité de médecine nucléaire, radiologie seule")).toBe("radiologie");
    expect(readActivity("Aucune radiologie")).toBeNull();
  });

  it("reads the reference data's own spelling, medecine_nucleaire", () => {
    expect(readActivity("medecine_nucleaire")).toBe("medecine-nucleaire");
  });
});

describe("parseLabelledCalculation", () => {
  it("reads `:`, `=` and tab separators", () => {
    const parsed = parseLabelledCalculation(
      "Référence : CH\nFINESS radiologie = 920000650\nAM radiologie\t751234567",
    );
    expect(parsed.lists).toMatchObject({ finessRadio: ["920000650"], amRadio: ["751234567"] });
  });

  it("keeps a number typed with spaces whole, and splits a list on `;`, `,` and spaces", () => {
    const parsed = parseLabelledCalculation(
      "FINESS radiologie : 920 000 650; 750712184, 590208179 130856255",
    );
    expect(parsed.lists.finessRadio).toEqual(["920 000 650", "750712184", "590208179", "130856255"]);
  });

  it("reads values continued on the following lines, up to the prose below them", () => {
    const parsed = parseLabelledCalculation("FINESS radiologie :\n920000650\n750712184;\n590208179\n\nMerci");
    expect(parsed.lists.finessRadio).toEqual(["920000650", "750712184", "590208179"]);
  });

  it("keeps reading a list whose lines carry a comment beside each number", () => {
    const parsed = parseLabelledCalculation(
      "FINESS radiologie :\n920000650 CH Lens\n750712184 (Clinique des Pins)\n590\u200b208179\n\nMerci",
    );
    expect(parsed.lists.finessRadio).toEqual(["920000650", "750712184", "590\u200b208179"]);
  });

  it("keeps reading a list whose comments hold « n° », a slash or an ampersand", () => {
    // Such a line ended the list: the numbers on it and below were silently dropped.
    const parsed = parseLabelledCalculation(
      [
        "AM radiologie : 751234567",
        "FINESS radiologie :",
        "920000650 (CH Lens, site n°1)",
        "750712184 (IRM/scanner)",
        "590208179 CH Arras & Béthune",
        "130856255 / 620100057",
        "+33 1 23 45 67 89",
      ].join("\n"),
    );
    expect(parsed.lists.finessRadio).toEqual([
      "920000650",
      "750712184",
      "590208179",
      "130856255",
      "620100057",
    ]);
  });

  it("ends a list at a line of prose, even one with digits in it", () => {
    const parsed = parseLabelledCalculation(
      "FINESS radiologie :\n920000650\n750712184 et 590208179\nTel 0123456789\nMerci 2 fois",
    );
    expect(parsed.lists.finessRadio).toEqual(["920000650", "750712184", "590208179"]);
  });

  it("keeps tokens as typed, even wrong ones: validation is the engine's job", () => {
    const parsed = parseLabelledCalculation("AM radiologie : 12345; 75123456X");
    expect(parsed.lists.amRadio).toEqual(["12345", "75123456X"]);
  });

  it("reads « néant », « aucun », « N/A » as an empty field", () => {
    const parsed = parseLabelledCalculation(
      "FINESS radiologie : 920000650\nAM radiologie : néant\nFINESS nucléaire : Aucun\nAM nucléaire : N/A",
    );
    expect(parsed.lists).toEqual({ finessRadio: ["920000650"], amRadio: [], finessMn: [], amMn: [] });
  });

  it("recognises label variants: géographique, « des radiologues », parentheses, bullets", () => {
    const parsed = parseLabelledCalculation(
      "• FINESS géographique (radiologie) : 920000650\n- Numéros AM des radiologues : 751234567",
    );
    expect(parsed.lists).toMatchObject({ finessRadio: ["920000650"], amRadio: ["751234567"] });
  });

  it("puts FINESS and AM labels without activity into the stated activity's fields", () => {
    const parsed = parseLabelledCalculation(
      "Activité : médecine nucléaire\nN° FINESS : 920000650\nN° AM : 131234567",
    );
    expect(parsed.lists).toMatchObject({ finessMn: ["920000650"], amMn: ["131234567"] });
  });

  it("reports FINESS without any activity instead of guessing its field", () => {
    const parsed = parseLabelledCalculation("N° FINESS : 920000650");
    expect(parsed.problems).toContain("field-without-activity");
    expect(parsed.lists.finessRadio).toEqual([]);
  });

  it("puts the numbers of a FINESS label naming both activities in both FINESS fields, never dropping them", () => {
    // They were silently left out: the result counted the AM below them alone.
    for (const label of ["FINESS radiologie et médecine nucléaire", "N° FINESS radio / MN", "FINESS mixte"]) {
      const parsed = parseLabelledCalculation(
        `Type d'activité : Mixte\n${label} : 920000650; 750712184\nAM radiologie : 751234567`,
      );
      expect(parsed.lists, label).toEqual({
        finessRadio: ["920000650", "750712184"],
        finessMn: ["920000650", "750712184"],
        amRadio: ["751234567"],
        amMn: [],
      });
      expect(parsed.problems, label).toEqual([]);
    }
  });

  it("reads an AM label naming both activities as one naming none: a doctor has one activity", () => {
    const radiology = parseLabelledCalculation("Activité : radiologie\nAM radiologie et MN : 751234567");
    expect(radiology.lists.amRadio).toEqual(["751234567"]);
    const mixte = parseLabelledCalculation("Activité : mixte\nAM radiologie et MN : 751234567");
    expect(mixte.problems).toEqual(["field-without-activity"]);
  });

  it("reads the recipient address out of a labelled line with a display name", () => {
    const parsed = parseLabelledCalculation("Email : Claire <Claire.Martin@editeur-radiologie.fr>");
    expect(parsed.recipient).toBe("claire.martin@editeur-radiologie.fr");
  });

  it("does not read prose that mentions a FINESS as a field", () => {
    const parsed = parseLabelledCalculation("Le FINESS 750712185 est indiqué invalide alors qu'il existe.");
    expect(parsed.identifierLabelFound).toBe(false);
  });
});

describe("parseLabelledCalculation, as suppliers really type", () => {
  it("reads a bulleted or numbered list of values", () => {
    for (const marker of ["•", "*", "·        ", "-", "1.", "2)"]) {
      const parsed = parseLabelledCalculation(
        `Référence : CH de Lens\nFINESS radiologie :\n${marker} 920000650\n${marker} 750712184\nAM radiologie : 751234567`,
      );
      expect(parsed.lists, marker).toMatchObject({
        finessRadio: ["920000650", "750712184"],
        amRadio: ["751234567"],
      });
    }
  });

  it("keeps a mistyped number in its list, to be reported, instead of losing the numbers below it", () => {
    const parsed = parseLabelledCalculation(
      "FINESS radiologie :\n920000650\n75071218\n130856255\n7512345678\n690515291\n\nCordialement",
    );
    expect(parsed.lists.finessRadio).toEqual([
      "920000650",
      "75071218",
      "130856255",
      "7512345678",
      "690515291",
    ]);
  });

  it("keeps reading a list past the blank lines Gmail and Outlook leave between its values", () => {
    // The blank line ended the list: 750712184 and 590208179 were silently left out of the calculation.
    const parsed = parseLabelledCalculation(
      [
        "Bonjour,",
        "",
        "Référence : Groupe Imagerie Nord",
        "FINESS radiologie :",
        "920000650",
        "",
        "750712184",
        "",
        "",
        "590208179; 2A0000012",
        "",
        "AM radiologie : 751234567",
        "",
        "751234568",
        "",
        "Cordialement,",
        "Jean Dupont",
      ].join("\n"),
    );
    expect(parsed.lists).toMatchObject({
      finessRadio: ["920000650", "750712184", "590208179", "2A0000012"],
      amRadio: ["751234567", "751234568"],
    });
  });

  it("reads numbers glued by a slash or to « n° » on a value line and the lines below it", () => {
    // Each of these was one invalid token (and a list line « n°750712184 » ended the list).
    const parsed = parseLabelledCalculation(
      [
        "Référence : Groupe Imagerie Nord",
        "FINESS radiologie : 920000650/750712184",
        "n°590208179",
        "N°130856255",
        "AM radiologie : N° 751234567; No751234568",
      ].join("\n"),
    );
    expect(parsed.lists).toMatchObject({
      finessRadio: ["920000650", "750712184", "590208179", "130856255"],
      amRadio: ["751234567", "751234568"],
    });
  });

  it("keeps reading past a blank line a list line of numbers glued by a slash or to « n° »", () => {
    const parsed = parseLabelledCalculation(
      "FINESS radiologie :\n920000650\n\nn°750712184\n\n590208179/2A0000012\n\n12/03/2025",
    );
    expect(parsed.lists.finessRadio).toEqual(["920000650", "750712184", "590208179", "2A0000012"]);
  });

  it("still ends a list at a blank line followed by a signature, a footer or a quote", () => {
    for (const below of [
      "Cordialement,\nJean Dupont\n\n552100554",
      "Cordialement,\n\n920000651",
      "01 23 45 67 89",
      "0123456789",
      "10003456789",
      "Tél. : 01 23 45 67 89",
      "SIREN 552100554",
      "552100554 RCS Paris",
      "-- \nJean Dupont\n690515291",
      "> 750712184",
      "De : Jean Dupont <jean.dupont@editeur-radiologie.fr>\n750712184",
      "Le CH Arras a pour FINESS 620000026",
    ]) {
      const parsed = parseLabelledCalculation(`FINESS radiologie :\n920000650\n\n${below}`);
      expect(parsed.lists.finessRadio, below).toEqual(["920000650"]);
    }
  });

  it("ends a list at a company number or a phone number of the signature", () => {
    const parsed = parseLabelledCalculation(
      "FINESS radiologie : 920000650; 750712184\nÉditeur Radiologie SA - SIREN 552100554\n01 23 45 67 89",
    );
    expect(parsed.lists.finessRadio).toEqual(["920000650", "750712184"]);
  });

  it("reads numbers written beside the establishment's name, in brackets or after a colon", () => {
    const parsed = parseLabelledCalculation(
      "Référence : Groupe Imagerie Nord\nFINESS radiologie : CH Lens (620100057), « 590780193 »\nCH Arras : 620000026\nClinique du Parc (750712184)\nN° AM radiologie : 751234567 (Dr Durand, site 2)\n",
    );
    expect(parsed.lists).toMatchObject({
      finessRadio: ["620100057", "590780193", "620000026", "750712184"],
      amRadio: ["751234567"],
    });
  });

  it("gives each number its own field when several fields share a line", () => {
    const parsed = parseLabelledCalculation(
      "Référence : CH Test\nFINESS radiologie : 920000650 AM radiologie : 751234567\nN° FINESS - Médecine nucléaire : 130783293",
    );
    expect(parsed.lists).toEqual({
      finessRadio: ["920000650"],
      amRadio: ["751234567"],
      finessMn: ["130783293"],
      amMn: [],
    });
    expect(parsed.reference).toBe("CH Test");
  });

  it("reads a table pasted from Excel, one column per field", () => {
    const parsed = parseLabelledCalculation(
      "Référence : GHT Artois\n\nFINESS radiologie\tFINESS médecine nucléaire\n920000650\t130783293\n750712184\t\n\nCordialement",
    );
    expect(parsed.lists).toMatchObject({
      finessRadio: ["920000650", "750712184"],
      finessMn: ["130783293"],
    });
  });

  it("reads a pasted table whose header also names columns that are no field (Nom, RPPS)", () => {
    const parsed = parseLabelledCalculation(
      "Nom\tFINESS radiologie\tAM radiologie\tFINESS médecine nucléaire\tAM médecine nucléaire\n" +
        "CH Lens\t620000026\t621234567\t620000034\t\n\nCordialement",
    );
    expect(parsed.lists).toEqual({
      finessRadio: ["620000026"],
      amRadio: ["621234567"],
      finessMn: ["620000034"],
      amMn: [],
    });
  });

  it("reads a pasted order-form table by each row's activity, never a header word as a number", () => {
    const parsed = parseLabelledCalculation(
      "Nom\tFINESS géographique\tRPPS\tN° AM\tActivité\n" +
        "CH Lens\t620000026\t\t\tRadiologie\n" +
        "Dr Martin\t\t10101234567\t621234567\tMédecine nucléaire\n" +
        "CH Arras\t620000034\t\t\tMixte\n\nCordialement",
    );
    expect(parsed).toMatchObject({
      lists: {
        finessRadio: ["620000026", "620000034"],
        amRadio: [],
        finessMn: ["620000034"],
        amMn: ["621234567"],
      },
      problems: [],
    });
  });

  it("keeps the request's own Email and activity, not those of the signature below it", () => {
    const parsed = parseLabelledCalculation(
      "Bonjour,\n\nEmail : marie.curie@editeur-radiologie.fr\nRéférence : CH Test\nType d'activité : Médecine nucléaire\nN° FINESS : 130783293\n\nCordialement,\n\nJean Dupont\nActivité : éditeur de logiciels RIS\nE-mail : mailto:jean.dupont@editeur-radiologie.fr",
    );
    expect(parsed).toMatchObject({
      recipient: "marie.curie@editeur-radiologie.fr",
      activity: "medecine-nucleaire",
      lists: { finessMn: ["130783293"] },
      problems: [],
    });
  });

  it("does not read the N° AM of a doctor's signature as a field of the request", () => {
    // Without an activity it gave the help reply (an AM field without activity); with one, the
    // signature's number was counted in the calculation.
    for (const activity of ["", "Type d'activité : Radiologie\n", "Type d'activité : Mixte\n"]) {
      const parsed = parseLabelledCalculation(
        `Bonjour,\n\nRéférence : CH Test\n${activity}FINESS radiologie : 920000650\n\nCordialement,\n\nDr Jean Dupont\nCabinet d'imagerie du Parc\nN° AM : 751234567\nN° AM radiologie : 751234568\nTél : 01 23 45 67 89`,
      );
      expect(parsed.lists, activity).toEqual({
        finessRadio: ["920000650"],
        amRadio: [],
        finessMn: [],
        amMn: [],
      });
      expect(parsed.problems, activity).toEqual([]);
    }
  });

  it("still reads a list field written right under a salutation, before any signature line", () => {
    const parsed = parseLabelledCalculation(
      "Référence : CH Test\nFINESS radiologie : 920000650\nMerci d'avance\nAM radiologie : 751234567",
    );
    expect(parsed.lists).toMatchObject({ finessRadio: ["920000650"], amRadio: ["751234567"] });
  });

  it("reads the fields of a request forwarded below the forwarder's signature", () => {
    const parsed = parseLabelledCalculation(
      "Bonjour, ci-dessous la demande du client.\nCordialement,\nPaul\n\n---------- Forwarded message ---------\nDe : Marie Curie <marie.curie@editeur-radiologie.fr>\nRéférence : CH Test\nType d'activité : Radiologie\nN° FINESS : 920000650",
    );
    expect(parsed).toMatchObject({ reference: "CH Test", activity: "radiologie" });
    expect(parsed.lists.finessRadio).toEqual(["920000650"]);
  });

  it("strips mailto: from a labelled address", () => {
    expect(
      parseLabelledCalculation("Adresse email : mailto:marie.curie@editeur-radiologie.fr").recipient,
    ).toBe("marie.curie@editeur-radiologie.fr");
  });
});

describe("parseLabelledCalculation, what the new reading rules must not break", () => {
  it("keeps a number typed with spaces beside a comment or a doctor's name", () => {
    const parsed = parseLabelledCalculation(
      "FINESS radiologie : 920 000 650 (CH Lens)\nAM radiologie : Dr Martin 751 234 567; Dr Durand 751 234 568",
    );
    expect(parsed.lists).toMatchObject({
      finessRadio: ["920 000 650"],
      amRadio: ["751 234 567", "751 234 568"],
    });
  });

  it("reads the fields below a greeting that looks like a closing", () => {
    for (const greeting of ["Merci beaucoup !", "Bonne journée,", "Cordialement,"]) {
      const parsed = parseLabelledCalculation(
        `${greeting}\n\nRéférence : CH Lens\nType d'activité : Radiologie\nN° FINESS : 920000650`,
      );
      expect(parsed, greeting).toMatchObject({
        reference: "CH Lens",
        activity: "radiologie",
        lists: { finessRadio: ["920000650"] },
      });
    }
  });

  it("keeps a reference whose value holds a colon", () => {
    for (const reference of [
      "N° de commande : 4500123",
      "Bon de commande : BC-2025-114",
      "Cabinet AM : 2025",
      "dossier suivi par mail : a@b.fr",
    ]) {
      const parsed = parseLabelledCalculation(`Référence : ${reference}\nFINESS radiologie : 920000650`);
      expect(parsed.reference).toBe(reference);
      expect(parsed.recipient).toBeNull();
      expect(parsed.problems).toEqual([]);
    }
  });

  it("ends a pasted Excel table at the signature below it", () => {
    const parsed = parseLabelledCalculation(
      "FINESS radiologie\tAM radiologie\n920000650\t751234567\nCordialement\nJean Dupont\n0123456789",
    );
    expect(parsed.lists).toMatchObject({ finessRadio: ["920000650"], amRadio: ["751234567"] });
  });

  it("ends a list at a phone number or an RPPS written under it", () => {
    for (const line of ["01.23.45.67.89", "01-23-45-67-89", "0123456789", "10003456789"]) {
      const parsed = parseLabelledCalculation(`FINESS radiologie :\n920000650\n${line}`);
      expect(parsed.lists.finessRadio, line).toEqual(["920000650"]);
    }
  });
});
