import { describe, expect, it } from "vitest";
import { decide } from "../../src/decide/decision.ts";
import { readInbound } from "../../src/intake/intake.ts";
import { referenceOfSubject } from "../../src/intake/subject-reference.ts";
import { authenticatedHeaders, defaultPolicy, intakeContext, rawMessage } from "../helpers/intake.ts";

// SPEC §5: the reference is required and shown in the result. Without a « Référence » label the
// subject gives it, but only for what it names: « Demande de calcul » names no establishment, and a
// result saying « La référence : Demande de calcul » could not be matched to any order.
const JEAN = "Jean Dupont <jean.dupont@editeur-radiologie.fr>";
const authorised = { senderAuthorised: true, recipientAuthorised: null };
const BODY =
  "Bonjour,\n\nType d'activité : Radiologie\nFINESS radiologie : 620100057\n\nCordialement,\nJean Dupont";

async function withSubject(subject: string) {
  return readInbound(rawMessage({ ...authenticatedHeaders(JEAN), Subject: subject }, BODY), intakeContext());
}

describe("the reference read from the subject", () => {
  it("keeps what the subject names after the words asking for a calculation", () => {
    const cases: [string, string][] = [
      ["Demande de calcul - CH de Lens", "CH de Lens"],
      ["Demande de calcul de tranche : Clinique Pasteur", "Clinique Pasteur"],
      ["Calcul tranche CH Valence", "CH Valence"],
      ["Calcul de la tranche de financement – Centre d’Imagerie du Nord", "Centre d’Imagerie du Nord"],
      ["TR: Demande de calcul Clinique Pasteur", "Clinique Pasteur"],
      ["Tranche GIE Imagerie Nord", "GIE Imagerie Nord"],
      ["Nouvelle demande de tranche pour la Polyclinique Saint-Jean", "Polyclinique Saint-Jean"],
      ["Demande de calcul n° BC-2026-114", "n° BC-2026-114"],
      ["CH de Béthune", "CH de Béthune"],
      ["Imagerie Médicale du Rhône", "Imagerie Médicale du Rhône"],
      ["Demande de calcul CH Arras - urgent", "CH Arras"],
      ["Fwd: calcul pour l'Hôpital Nord SVP", "Hôpital Nord"],
    ];
    for (const [subject, reference] of cases) expect(referenceOfSubject(subject), subject).toBe(reference);
  });

  it("finds no reference in a subject that only asks for a calculation", () => {
    for (const subject of [
      "Demande de calcul",
      "demande calcul",
      "Calcul de tranche",
      "calcul tranche",
      "Demande",
      "Calcul",
      "Tranche ?",
      "Demande de calcul de la tranche de financement",
      "Nouvelle demande de calcul - urgent",
      "RE: Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations",
      // A corrected request sent as a reply to our help email.
      "RE: Ségur Numérique - Imagerie - Demande de calcul incomplète",
      "TR: Ségur Numérique - Imagerie - Accès au service accordé",
      "",
    ])
      expect(referenceOfSubject(subject), subject).toBeNull();
  });

  it("asks for the reference when the subject only says « Demande de calcul »", async () => {
    const intake = await withSubject("Demande de calcul");
    expect(intake.calculation).toMatchObject({
      reference: null,
      problems: expect.arrayContaining(["missing-reference"]),
    });
    expect(decide(intake, authorised, defaultPolicy())).toMatchObject({
      action: "reply-help",
      problems: expect.arrayContaining(["missing-reference"]),
    });
  });

  it("answers with the establishment the subject names", async () => {
    const intake = await withSubject("Demande de calcul - CH de Lens");
    expect(intake.calculation).toMatchObject({ reference: "CH de Lens", referenceSource: "subject" });
    expect(decide(intake, authorised, defaultPolicy())).toMatchObject({ action: "reply-result" });
  });
});
