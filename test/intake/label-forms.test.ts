import { describe, expect, it } from "vitest";
import { readInbound } from "../../src/intake/intake.ts";
import { authenticatedHeaders, intakeContext, rawMessage } from "../helpers/intake.ts";

// Some suppliers set labels apart with a dash, as on a printed form (« Référence - CH Lens »). Read
// with the colon only, such a request got the help reply: no reference, a FINESS without activity.
async function request(...lines: string[]) {
  const body = ["Bonjour,", "", ...lines, "", "Cordialement,", "Sophie Leroy", "Imagerie Logiciels"];
  const raw = rawMessage(
    {
      ...authenticatedHeaders("Sophie Leroy <sophie.leroy@imagerie-logiciels.fr>"),
      Subject: "Demande de tranche",
    },
    body.join("\n"),
  );
  return (await readInbound(raw, intakeContext())).calculation!;
}

describe("a label set apart with a dash", () => {
  it("reads the reference, the activity and the lists", async () => {
    const calculation = await request(
      "Référence - Clinique du Lac",
      "Activité – radiologie",
      "FINESS radiologie - 720169069 ; 640400719",
      "N°AM radiologie - 140220266",
    );
    expect(calculation.reference).toBe("Clinique du Lac");
    expect(calculation.activity).toBe("radiologie");
    expect(calculation.lists.finessRadio).toEqual(["720169069", "640400719"]);
    expect(calculation.lists.amRadio).toEqual(["140220266"]);
    expect(calculation.problems).toEqual([]);
  });

  it("keeps a dash inside the value, and the colon first when both are typed", async () => {
    const calculation = await request(
      "Référence - CH Lens - site 2",
      "Type d'activité - Radiologie",
      "FINESS radiologie : 720169069",
    );
    expect(calculation.reference).toBe("CH Lens - site 2");
    const colon = await request("Référence : CH Lens - site 2", "FINESS radiologie : 720169069");
    expect(colon.reference).toBe("CH Lens - site 2");
  });

  it("reads the activity written between two dashes as the list's, in a mixed request", async () => {
    const calculation = await request(
      "Référence - Clinique du Lac",
      "Activité - Mixte",
      "FINESS - Radiologie - 720169069",
      "AM - Radiologie - 140220266",
      "FINESS - Médecine nucléaire - 750712184",
      "AM - Médecine nucléaire - 750057416",
    );
    expect(calculation.lists).toEqual({
      finessRadio: ["720169069"],
      amRadio: ["140220266"],
      finessMn: ["750712184"],
      amMn: ["750057416"],
    });
  });

  it("still asks which activity a bare « FINESS - » list is for when the request is mixed", async () => {
    const calculation = await request(
      "Référence - Clinique du Lac",
      "Activité - Mixte",
      "FINESS - 720169069",
    );
    expect(calculation.problems).toContain("field-without-activity");
  });
});

describe("a bare « Type » label", () => {
  it("reads it as the activity when its value is one", async () => {
    const calculation = await request(
      "Réf. : Clinique du Lac",
      "Type : Radiologie",
      "Finess : 720169069",
      "N° AM : 140220266",
    );
    expect(calculation.activity).toBe("radiologie");
    expect(calculation.lists.finessRadio).toEqual(["720169069"]);
    expect(calculation.lists.amRadio).toEqual(["140220266"]);
    expect(calculation.problems).toEqual([]);
  });

  it("reads it on a request typed on one line", async () => {
    const calculation = await request(
      "Référence : Clinique du Lac ; Type : Radiologie ; FINESS : 720169069; 640400719",
    );
    expect(calculation.reference).toBe("Clinique du Lac");
    expect(calculation.activity).toBe("radiologie");
    expect(calculation.lists.finessRadio).toEqual(["720169069", "640400719"]);
    expect(calculation.problems).toEqual([]);
    const typeFirst = await request("Type : Radiologie ; Référence : Clinique du Lac ; FINESS : 720169069");
    expect(typeFirst.activity).toBe("radiologie");
    expect(typeFirst.reference).toBe("Clinique du Lac");
    expect(typeFirst.lists.finessRadio).toEqual(["720169069"]);
  });

  it("keeps a one-line « Type » that names something else in the reference's field", async () => {
    const calculation = await request("Référence : CH Lens ; Type : hôpital ; FINESS radiologie : 720169069");
    expect(calculation.reference).toBe("CH Lens ; Type : hôpital");
    expect(calculation.lists.finessRadio).toEqual(["720169069"]);
  });

  it("reads no activity from a « Type » that names something else", async () => {
    const calculation = await request(
      "Référence : Clinique du Lac",
      "Type : clinique privée",
      "FINESS radiologie : 720169069",
    );
    expect(calculation.activity).toBe("radiologie");
    expect(calculation.activityText).toBeNull();
    expect(calculation.reference).toBe("Clinique du Lac");
  });
});
