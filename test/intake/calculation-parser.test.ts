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

  it("tolerates the usual typos", () => {
    expect(classifyLabel("FINNESS radiologie")).toBe("finessRadio");
    expect(classifyLabel("FINES radio")).toBe("finessRadio");
    expect(classifyLabel("Reference")).toBe("reference");
  });

  it("does not take a sentence for a label", () => {
    expect(classifyLabel("Merci de calculer la tranche pour le FINESS suivant")).toBeNull();
    expect(classifyLabel("Bonjour")).toBeNull();
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

  it("reads values continued on the following lines until a blank line", () => {
    const parsed = parseLabelledCalculation("FINESS radiologie :\n920000650\n750712184;\n590208179\n\nMerci");
    expect(parsed.lists.finessRadio).toEqual(["920000650", "750712184", "590208179"]);
  });

  it("keeps reading a list whose lines carry a comment beside each number", () => {
    const parsed = parseLabelledCalculation(
      "FINESS radiologie :\n920000650 CH Lens\n750712184 (Clinique des Pins)\n590\u200b208179\n\nMerci",
    );
    expect(parsed.lists.finessRadio).toEqual(["920000650", "750712184", "590\u200b208179"]);
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

  it("reads the recipient address out of a labelled line with a display name", () => {
    const parsed = parseLabelledCalculation("Email : Claire <Claire.Martin@editeur-radiologie.fr>");
    expect(parsed.recipient).toBe("claire.martin@editeur-radiologie.fr");
  });

  it("does not read prose that mentions a FINESS as a field", () => {
    const parsed = parseLabelledCalculation("Le FINESS 750712185 est indiqué invalide alors qu'il existe.");
    expect(parsed.identifierLabelFound).toBe(false);
  });
});
