import { describe, expect, it } from "vitest";
import { readInbound } from "../../src/intake/intake.ts";
import { authenticatedHeaders, intakeContext, rawMessage } from "../helpers/intake.ts";

// One calculation per email: the tranche of two establishments' lists added together is neither
// one's. A sender who writes two requests in one message gets a help reply naming both, never one
// result over the merged lists.
const FROM = "Julien Carpentier <julien.carpentier@editeur-radiologie.fr>";

async function read(...lines: string[]) {
  const body = ["Bonjour,", "", ...lines, "", "Cordialement,", "Julien Carpentier", "Éditeur Radiologie SAS"];
  const raw = rawMessage(
    { ...authenticatedHeaders(FROM), Subject: "Demandes de calcul - Arras et Lens" },
    body.join("\n"),
  );
  return (await readInbound(raw, intakeContext())).calculation!;
}

describe("two requests written in one email", () => {
  it("asks for one request per email instead of adding two establishments' lists together", async () => {
    const calculation = await read(
      "Voici nos deux demandes :",
      "",
      "Référence : CH Arras",
      "Type d'activité : Radiologie",
      "FINESS radiologie : 620100057",
      "AM radiologie : 621234563",
      "",
      "Référence : CH Lens",
      "Type d'activité : Radiologie",
      "FINESS radiologie : 620000018",
    );
    expect(calculation.problems).toEqual(["several-requests"]);
    expect(calculation.requestReferences).toEqual(["CH Arras", "CH Lens"]);
  });

  it("sees two requests whatever their activities, even with lists before the second reference's label", async () => {
    const calculation = await read(
      "Référence : Imagerie du Littoral",
      "Type d'activité : Radiologie",
      "FINESS : 620100057 ; 620000018",
      "",
      "Référence : Clinique des Dunes",
      "Type d'activité : Médecine nucléaire",
      "FINESS : 590000121",
    );
    expect(calculation.problems).toContain("several-requests");
    expect(calculation.requestReferences).toEqual(["Imagerie du Littoral", "Clinique des Dunes"]);
  });

  it("reads one request when its reference is written twice, or a second one heads no list", async () => {
    const twice = await read(
      "Référence : CH Arras",
      "FINESS radiologie : 620100057",
      "Nom d'établissement ou groupe : ch arras",
      "AM radiologie : 621234563",
    );
    expect(twice.problems).toEqual([]);
    expect(twice.lists).toMatchObject({ finessRadio: ["620100057"], amRadio: ["621234563"] });
    expect(twice.requestReferences).toBeUndefined();

    const noList = await read(
      "Référence : CH Arras",
      "Type d'activité : Radiologie",
      "FINESS radiologie : 620100057",
      "Nom d'établissement ou groupe : Groupement Artois Imagerie",
    );
    expect(noList.problems).toEqual([]);
    expect(noList.reference).toBe("CH Arras");
  });
});

describe("one request in sections, one per activity", () => {
  it("counts the lists under « Médecine nucléaire » as nuclear medicine, not as radiology", async () => {
    // The first activity used to decide every unlabelled list: nuclear-medicine FINESS were
    // counted for their radiology exams.
    const calculation = await read(
      "Référence : CH Arras",
      "",
      "Type d'activité : Radiologie",
      "FINESS : 620100057",
      "AM : 621234563",
      "",
      "Type d'activité : Médecine nucléaire",
      "FINESS : 620000018",
      "AM : 621234571",
    );
    expect(calculation.problems).toEqual([]);
    expect(calculation.activity).toBe("mixte");
    expect(calculation.lists).toEqual({
      finessRadio: ["620100057"],
      amRadio: ["621234563"],
      finessMn: ["620000018"],
      amMn: ["621234571"],
    });
  });

  it("keeps a single activity's reading when it is stated twice", async () => {
    const calculation = await read(
      "Référence : CH Arras",
      "Type d'activité : Radiologie",
      "FINESS : 620100057",
      "Activité : radio",
      "AM : 621234563",
    );
    expect(calculation.activity).toBe("radiologie");
    expect(calculation.lists).toMatchObject({ finessRadio: ["620100057"], amRadio: ["621234563"] });
  });
});
