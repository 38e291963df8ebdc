import type { TemplateData, TemplateName } from "./templates.ts";

/**
 * Realistic data for every email: previews (`tranche preview`), tests and the benchmark use these.
 * FINESS numbers pass the Luhn check; companies and establishments are plausible, not real.
 */
const contactAddress = "contact@example.test";
const submissionAddress = "calcul@example.test";

export const SAMPLE_DATA: { readonly [N in TemplateName]: TemplateData[N] } = {
  result: {
    contactAddress,
    publicId: "TR-2026-000123",
    reference: "Centre d'imagerie des Tilleuls — commande 2026-114",
    requester: "jean.dupont@medimagerie-solutions.fr",
    dataset: { id: 3, label: "SAE 2023 et activité 2024" },
    activityInferred: false,
    result: {
      activity: "mixte",
      tranche: "D",
      total: 62_000,
      radiologyExams: 52_000,
      nuclearExams: 2_000,
      nuclearCoefficient: 5,
      valid: {
        amRadio: ["751234567", "921234566"],
        finessRadio: ["920000650", "750712184"],
        amMn: ["131234568"],
        finessMn: ["920000650"],
      },
      invalid: {
        amRadio: [{ value: "12345", reason: "format" }],
        finessRadio: [{ value: "920000668", reason: "unknown" }],
        amMn: [{ value: "691234561", reason: "no-activity" }],
        finessMn: [{ value: "330781196", reason: "no-activity" }],
      },
    },
  },
  help: {
    contactAddress,
    submissionAddress,
    sender: "claire.martin@radiosoft-editions.fr",
    originalSubject: "Demande de calcul - Clinique Saint-Roch",
    understood: {
      reference: null,
      activity: null,
      recipient: null,
      counts: { amRadio: 0, finessRadio: 2, amMn: 0, finessMn: 0 },
    },
    problems: [
      { kind: "missing-reference" },
      { kind: "unreadable-activity", text: "scanner + IRM" },
      { kind: "field-without-activity" },
      { kind: "attachment-unreadable", filename: "bon-de-commande.pdf", cause: "unsupported-type" },
    ],
    maxIdentifiers: 5000,
  },
  unauthorised: {
    contactAddress,
    submissionAddress,
    sender: "paul.leroy@drimbox-distribution.fr",
    reference: "Cabinet de radiologie du Vieux-Port",
    senderIsFreeMail: false,
  },
  "access-granted": {
    contactAddress,
    submissionAddress,
    email: "sophie.bernard@medimagerie-solutions.fr",
    requester: "jean.dupont@medimagerie-solutions.fr",
    requestReference: "A-000017",
    decidedBy: "automatic",
    alreadyAuthorised: false,
  },
  "access-changed": {
    contactAddress,
    submissionAddress,
    email: "m.petit@medimagerie-solutions.fr",
    newEmail: "marc.petit@medimagerie-solutions.fr",
    requester: "jean.dupont@medimagerie-solutions.fr",
    requestReference: "A-000018",
    decidedBy: "automatic",
  },
  "access-revoked": {
    contactAddress,
    email: "luc.moreau@radiosoft-editions.fr",
    requester: "claire.martin@radiosoft-editions.fr",
    requestReference: "A-000019",
    decidedBy: "automatic",
    wasNotAuthorised: false,
  },
  "access-pending": {
    contactAddress,
    email: "julie.garnier@gmail.com",
    requester: "julie.garnier@gmail.com",
    requestReference: "A-000020",
    ticketNumber: "T-000043",
    action: "grant",
    newEmail: null,
    reason: "free-mail",
  },
  "access-refused": {
    contactAddress,
    email: "a.roux@imagerie-partenaires.fr",
    requester: "paul.leroy@drimbox-distribution.fr",
    requestReference: "A-000021",
    decidedBy: "support",
    action: "grant",
    newEmail: null,
    reason: "other-organisation",
    note: "Le distributeur doit faire la demande depuis une adresse de l'éditeur.",
  },
  "ticket-ack": {
    contactAddress,
    ticketNumber: "T-000042",
    category: "dispute",
    sender: "jean.dupont@medimagerie-solutions.fr",
    originalSubject: "Contestation tranche D - Centre d'imagerie des Tilleuls",
    calculations: [
      { publicId: "TR-2026-000123", reference: "Centre d'imagerie des Tilleuls — commande 2026-114" },
    ],
  },
};

/** The address each email goes to in a preview: the sender of what it answers, or the requester. */
export function recipientOf(data: TemplateData[TemplateName]): string {
  return "sender" in data ? data.sender : data.requester;
}
