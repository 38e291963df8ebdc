import type { AccessReviewReason } from "../access/rules.ts";
import type { AccessAction } from "../intake/access-parser.ts";
import { helpExample } from "./help-view.ts";
import type {
  AccessChangedEmailData,
  AccessEmailCommon,
  AccessGrantedEmailData,
  AccessPendingEmailData,
  AccessRefusalReason,
  AccessRefusedEmailData,
  AccessRevokedEmailData,
} from "./templates.ts";

export interface Fact {
  label: string;
  value: string;
}

/** Every access email: one opening sentence, explanations, then the facts of the request. */
export interface AccessView {
  contactAddress: string;
  lead: string;
  paragraphs: string[];
  facts: Fact[];
  /** How to send a calculation request, for an address that may now send one; empty otherwise. */
  example: string[];
  submissionAddress: string | null;
}

const DECIDED_BY = {
  automatic: "automatique (adresse de la même société que le demandeur)",
  support: "après examen par le support",
} as const;

function requestFacts(data: Omit<AccessEmailCommon, "decidedBy">): Fact[] {
  return [
    { label: "Demandé par", value: data.requester },
    ...(data.requestReference ? [{ label: "Référence de la demande", value: data.requestReference }] : []),
  ];
}

function decisionFact(data: AccessEmailCommon): Fact {
  return { label: "Décision", value: DECIDED_BY[data.decidedBy] };
}

function whatWasAsked(action: AccessAction, email: string, newEmail: string | null): string {
  switch (action) {
    case "grant":
      return `d'accès au service pour ${email}`;
    case "change":
      return `de remplacement de l'adresse ${email} par ${newEmail ?? "une nouvelle adresse"}`;
    case "revoke":
      return `de suppression de l'accès de ${email}`;
  }
}

const REVIEW_REASONS: Record<AccessReviewReason, string> = {
  unauthenticated:
    "l'adresse d'envoi n'a pas pu être authentifiée (signatures DKIM, SPF ou DMARC de la messagerie de votre société)",
  "invalid-address": "une des adresses indiquées n'est pas une adresse email valide",
  "other-organisation": "une des adresses indiquées n'appartient pas à la même société que l'adresse d'envoi",
  "free-mail":
    "une des adresses est une messagerie grand public (Gmail, Outlook, Orange…), alors que l'accès est réservé aux adresses professionnelles",
  "review-policy": "toutes les demandes d'accès sont examinées par le support",
};

const REFUSAL_REASONS: Record<AccessRefusalReason, string> = {
  unauthenticated: "l'adresse d'envoi n'a pas pu être authentifiée",
  "invalid-address": REVIEW_REASONS["invalid-address"],
  "other-organisation": REVIEW_REASONS["other-organisation"],
  "free-mail": REVIEW_REASONS["free-mail"],
  "support-decision": "le support n'a pas pu l'accepter",
};

const NO_EXAMPLE = { example: [], submissionAddress: null };

/** An address that may now request calculations is shown how, with the format the help email shows. */
function howToSubmit(address: string, submissionAddress: string) {
  return { example: helpExample(address), submissionAddress };
}

const submitFrom = (submissionAddress: string) =>
  `Les demandes de calcul s'envoient à ${submissionAddress} depuis une adresse autorisée ; le résultat est envoyé à cette adresse.`;

export function accessGrantedView(data: AccessGrantedEmailData): AccessView {
  return {
    contactAddress: data.contactAddress,
    lead: data.alreadyAuthorised
      ? `L'adresse ${data.email} était déjà autorisée à demander des calculs de tranche de financement : rien n'a changé.`
      : `L'adresse ${data.email} est désormais autorisée à demander des calculs de tranche de financement.`,
    paragraphs: [submitFrom(data.submissionAddress)],
    facts: [{ label: "Adresse concernée", value: data.email }, ...requestFacts(data), decisionFact(data)],
    ...howToSubmit(data.email, data.submissionAddress),
  };
}

const MAY_REQUEST = "autorisée à demander des calculs de tranche de financement";

function changeLead(data: AccessChangedEmailData): string {
  const { email: old, newEmail: next } = data;
  const oldWas = data.oldWasAuthorised ?? true;
  const newWas = data.newWasAuthorised ?? false;
  if (old === next)
    return newWas
      ? `L'adresse ${next}, indiquée comme ancienne et comme nouvelle adresse, était déjà ${MAY_REQUEST} : rien n'a changé.`
      : `L'adresse ${next}, indiquée comme ancienne et comme nouvelle adresse, est désormais ${MAY_REQUEST}.`;
  if (oldWas && !newWas)
    return `L'accès au service passe de ${old} à ${next} : ${next} est désormais autorisée à demander des calculs, ${old} ne l'est plus.`;
  if (!oldWas && !newWas)
    return `L'adresse ${next} est désormais ${MAY_REQUEST}. L'adresse ${old} n'était pas autorisée : aucun accès ne lui a été retiré.`;
  if (oldWas && newWas)
    return `L'adresse ${old} n'est plus ${MAY_REQUEST}. L'adresse ${next} l'était déjà et le reste.`;
  return `L'adresse ${next} était déjà ${MAY_REQUEST}, et ${old} ne l'était pas : rien n'a changé.`;
}

export function accessChangedView(data: AccessChangedEmailData): AccessView {
  return {
    contactAddress: data.contactAddress,
    lead: changeLead(data),
    paragraphs: [submitFrom(data.submissionAddress)],
    facts: [
      { label: "Ancienne adresse", value: data.email },
      { label: "Nouvelle adresse", value: data.newEmail },
      ...requestFacts(data),
      decisionFact(data),
    ],
    ...howToSubmit(data.newEmail, data.submissionAddress),
  };
}

export function accessRevokedView(data: AccessRevokedEmailData): AccessView {
  return {
    contactAddress: data.contactAddress,
    lead: data.wasNotAuthorised
      ? `L'adresse ${data.email} n'était pas autorisée à demander des calculs de tranche de financement : rien n'a changé.`
      : `L'adresse ${data.email} n'est plus autorisée à demander des calculs de tranche de financement.`,
    paragraphs: [
      "Les demandes de calcul envoyées depuis cette adresse ne reçoivent plus de résultat.",
      `Pour rétablir l'accès, écrivez à ${data.contactAddress} depuis une adresse professionnelle de la même société.`,
    ],
    facts: [{ label: "Adresse concernée", value: data.email }, ...requestFacts(data), decisionFact(data)],
    ...NO_EXAMPLE,
  };
}

export function accessPendingView(data: AccessPendingEmailData): AccessView {
  return {
    contactAddress: data.contactAddress,
    lead: `La demande ${whatWasAsked(data.action, data.email, data.newEmail)} a bien été reçue. Elle sera examinée par le support avant d'être appliquée, car ${REVIEW_REASONS[data.reason]}.`,
    paragraphs: [
      "Un message confirmera la décision du support. Il est inutile de renvoyer la demande ; pour la compléter, répondez simplement à ce message.",
    ],
    facts: [
      ...addressFacts(data.action, data.email, data.newEmail),
      ...requestFacts(data),
      { label: "Ticket support", value: data.ticketNumber },
    ],
    ...NO_EXAMPLE,
  };
}

export function accessRefusedView(data: AccessRefusedEmailData): AccessView {
  return {
    contactAddress: data.contactAddress,
    lead: `La demande ${whatWasAsked(data.action, data.email, data.newEmail)} n'a pas été acceptée : ${REFUSAL_REASONS[data.reason]}.`,
    paragraphs: [
      ...(data.note ? [`Précision du support : « ${data.note} »`] : []),
      `Une demande d'accès s'envoie à ${data.contactAddress} depuis une adresse professionnelle de la société concernée (pas une messagerie grand public), et ne nomme que des adresses de cette société.`,
    ],
    facts: [
      ...addressFacts(data.action, data.email, data.newEmail),
      ...requestFacts(data),
      decisionFact(data),
    ],
    ...NO_EXAMPLE,
  };
}

function addressFacts(action: AccessAction, email: string, newEmail: string | null): Fact[] {
  return action === "change"
    ? [
        { label: "Ancienne adresse", value: email },
        { label: "Nouvelle adresse", value: newEmail ?? "non indiquée" },
      ]
    : [{ label: "Adresse concernée", value: email }];
}
