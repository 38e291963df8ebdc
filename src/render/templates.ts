import type { AccessReviewReason } from "../access/rules.ts";
import type { Activity, CalculationResult, Field } from "../engine/types.ts";
import type { AccessAction } from "../intake/access-parser.ts";
import type { TicketCategory } from "../support/category.ts";
import {
  accessChangedView,
  accessGrantedView,
  accessPendingView,
  accessRefusedView,
  accessRevokedView,
} from "./access-view.ts";
import { helpView } from "./help-view.ts";
import { buildResultView, type ResultContext } from "./result-view.ts";
import { ticketAckView } from "./ticket-view.ts";
import { unauthorisedView } from "./unauthorised-view.ts";

export const TEMPLATE_NAMES = [
  "result",
  "help",
  "unauthorised",
  "access-granted",
  "access-changed",
  "access-revoked",
  "access-pending",
  "access-refused",
  "ticket-ack",
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export function isTemplateName(name: string): name is TemplateName {
  return (TEMPLATE_NAMES as readonly string[]).includes(name);
}

/** Every email names support's mailbox (footer, "how to reach us"). */
export interface EmailCommon {
  /** Support's mailbox, e.g. contact@example.test (config `contactAddress`). */
  contactAddress: string;
}

/** `result`: the engine's answer to a calculation request (SPEC §7). */
export interface ResultEmailData extends ResultContext {
  result: CalculationResult;
}

/** Why a calculation request could not be read (the `help` email lists every one that applies). */
/** Rows of one attached table: its sheet in a workbook, or its number among a Word document's tables. */
export interface RowsPlace {
  filename: string;
  sheet: string | null;
  table: number | null;
  rows: number[];
}

export type HelpProblem =
  | { kind: "missing-reference" }
  | { kind: "no-identifiers" }
  /** The activity as typed, e.g. "xyz". */
  | { kind: "unreadable-activity"; text: string }
  /** A "FINESS" or "AM" label naming no activity while the activity type is unknown. */
  | { kind: "field-without-activity" }
  /** A row of the attached order-form table names no activity (radiologie, médecine nucléaire, mixte). */
  | { kind: "row-without-activity" }
  /**
   * Rows of an attached table name an establishment or doctor without a readable FINESS or N°AM
   * (an RPPS alone, #N/A): per file and sheet, the row numbers as the sheet shows them; in a Word
   * document, which table and its rows counted from the first.
   */
  | { kind: "row-without-identifier"; tables: RowsPlace[] }
  /** The attached table has several FINESS columns, none of them named géographique. */
  | { kind: "finess-column-ambiguous"; filename: string }
  /** The message itself could not be read (broken MIME structure). */
  | { kind: "malformed" }
  /** "no-table": the file opens but holds no order-form table. */
  | {
      kind: "attachment-unreadable";
      filename: string;
      cause: "unsupported-type" | "too-large" | "damaged" | "no-table";
    }
  | { kind: "too-many-attachments"; count: number; limit: number }
  | { kind: "too-many-identifiers"; count: number; limit: number }
  /** Several references each heading lists of their own: two requests or more in one message. */
  | { kind: "several-requests"; references: string[] }
  | { kind: "body-too-large"; limitBytes: number }
  /** The "Email" field names an address of another organisation, or one that is not authorised. */
  | { kind: "recipient-refused"; address: string; cause: "other-organisation" | "not-authorised" };

/** `help`: a calculation request that could not be read, with what was understood. */
export interface HelpEmailData extends EmailCommon {
  /** The sender, to whom the help goes. */
  sender: string;
  /** The request's Subject, when it had one. */
  originalSubject: string | null;
  understood: {
    reference: string | null;
    activity: Activity | null;
    /** The "Email" field, when one was read. */
    recipient: string | null;
    /** Identifiers read per field (before any check). */
    counts: Record<Field, number>;
  };
  /** At least one. */
  problems: HelpProblem[];
  /** Where the corrected request goes (config `submissionAddress`). */
  submissionAddress: string;
  /** Upper bound of identifiers per request (config `maxIdentifiers`), stated in the instructions. */
  maxIdentifiers: number;
}

/** `unauthorised`: an authenticated sender whose address may not request calculations. */
export interface UnauthorisedEmailData extends EmailCommon {
  sender: string;
  /** Where calculation requests go once access is granted (config `submissionAddress`). */
  submissionAddress: string;
  /** The request's reference, when one was read. */
  reference: string | null;
  /** The sender's address is at a free-mail provider: access can only be given to a company address. */
  senderIsFreeMail: boolean;
}

/** Fields common to every access email (SPEC §4: each decision is confirmed to the requester and the address concerned). */
export interface AccessEmailCommon extends EmailCommon {
  /** The address concerned (for a change: the old one). */
  email: string;
  /** Who asked. */
  requester: string;
  /** The access request's number as shown to people (e.g. "A-000017"); null when there is none (operator action). */
  requestReference: string | null;
  /** Decided by the service's rules ("automatic") or by support after review ("support"). */
  decidedBy: "automatic" | "support";
}

export interface AccessGrantedEmailData extends AccessEmailCommon {
  /** Where calculation requests go (config `submissionAddress`). */
  submissionAddress: string;
  /** The address was already authorised: nothing changed (idempotent outcome). */
  alreadyAuthorised: boolean;
}

export interface AccessChangedEmailData extends AccessEmailCommon {
  newEmail: string;
  /** Where calculation requests go (config `submissionAddress`). */
  submissionAddress: string;
  /** The old address was authorised, and so lost its access (absent: a plain move, true). */
  oldWasAuthorised?: boolean;
  /** The new address was already authorised: nothing was granted (absent: false). */
  newWasAuthorised?: boolean;
}

/** A change that moved no access: the new address already had it, and the old one had none to lose. */
export function changeMovedNothing(d: AccessChangedEmailData): boolean {
  const newWas = d.newWasAuthorised ?? false;
  return newWas && (d.email === d.newEmail || !(d.oldWasAuthorised ?? true));
}

export interface AccessRevokedEmailData extends AccessEmailCommon {
  /** The address was not authorised: nothing changed (idempotent outcome). */
  wasNotAuthorised: boolean;
}

export interface AccessPendingEmailData extends Omit<AccessEmailCommon, "decidedBy"> {
  /** The access-review ticket support examines it in (SPEC §8: the acknowledgment gives its number). */
  ticketNumber: string;
  action: AccessAction;
  /** For a change: the new address. */
  newEmail: string | null;
  reason: AccessReviewReason;
}

/** Why support (or the rules) refused an access request. */
export type AccessRefusalReason = Exclude<AccessReviewReason, "review-policy"> | "support-decision";

export interface AccessRefusedEmailData extends AccessEmailCommon {
  action: AccessAction;
  newEmail: string | null;
  reason: AccessRefusalReason;
  /** Support's own explanation, shown as written (escaped). */
  note: string | null;
}

/** `ticket-ack`: the acknowledgment of a message to contact@ that became a support ticket (SPEC §8). */
export interface TicketAckEmailData extends EmailCommon {
  /** As shown to people, e.g. "T-000042". */
  ticketNumber: string;
  category: TicketCategory;
  sender: string;
  originalSubject: string | null;
  /** The calculations the ticket was linked to. */
  calculations: { publicId: string; reference: string }[];
  /** Set when the ticket holds a calculation request over the hourly limit: filed, not computed. */
  rateLimited?: RateLimitedRequest | null;
}

/** A calculation request over the hourly limit (src/calculations/rate-limit.ts). */
export interface RateLimitedRequest {
  scope: "sender" | "organisation";
  /** Calculations answered per hour for that scope. */
  limit: number;
  /** Where to send the request again. */
  submissionAddress: string;
}

/** The data each email is rendered from: plain fields the decision stage fills; the wording is the views'. */
export interface TemplateData {
  result: ResultEmailData;
  help: HelpEmailData;
  unauthorised: UnauthorisedEmailData;
  "access-granted": AccessGrantedEmailData;
  "access-changed": AccessChangedEmailData;
  "access-revoked": AccessRevokedEmailData;
  "access-pending": AccessPendingEmailData;
  "access-refused": AccessRefusedEmailData;
  "ticket-ack": TicketAckEmailData;
}

/**
 * Subjects: every email's subject is "Ségur Numérique - Imagerie - " and a fixed topic (the ticket
 * number is the only variable part, and it is ours). Never "Re: <their subject>": threading is carried
 * by In-Reply-To/References, and no user text reaches a header.
 */
export const SUBJECT_PREFIX = "Ségur Numérique - Imagerie - ";

/** The documented subject of the result email (SPEC §7), kept exactly. */
export const RESULT_SUBJECT = `${SUBJECT_PREFIX}Calcul de la tranche de financement des prestations`;

const subjects: { [N in TemplateName]: (data: TemplateData[N]) => string } = {
  result: () => RESULT_SUBJECT,
  help: () => `${SUBJECT_PREFIX}Demande de calcul incomplète`,
  unauthorised: () => `${SUBJECT_PREFIX}Adresse non autorisée à demander un calcul`,
  "access-granted": (d) =>
    `${SUBJECT_PREFIX}${d.alreadyAuthorised ? "Accès au service déjà accordé" : "Accès au service accordé"}`,
  "access-changed": (d) =>
    `${SUBJECT_PREFIX}${changeMovedNothing(d) ? "Adresse d'accès au service inchangée" : "Adresse d'accès au service modifiée"}`,
  "access-revoked": (d) =>
    `${SUBJECT_PREFIX}${d.wasNotAuthorised ? "Aucun accès au service à supprimer" : "Accès au service supprimé"}`,
  "access-pending": (d) => `${SUBJECT_PREFIX}Demande d'accès en cours d'examen [${d.ticketNumber}]`,
  "access-refused": () => `${SUBJECT_PREFIX}Demande d'accès refusée`,
  "ticket-ack": (d) => `${SUBJECT_PREFIX}Votre demande [${d.ticketNumber}] a bien été reçue`,
};

const views: { [N in TemplateName]: (data: TemplateData[N]) => object } = {
  result: ({ result, ...context }) => buildResultView(result, context),
  help: helpView,
  unauthorised: unauthorisedView,
  "access-granted": accessGrantedView,
  "access-changed": accessChangedView,
  "access-revoked": accessRevokedView,
  "access-pending": accessPendingView,
  "access-refused": accessRefusedView,
  "ticket-ack": ticketAckView,
};

export function subjectOf<N extends TemplateName>(name: N, data: TemplateData[N]): string {
  return subjects[name](data);
}

/** The Handlebars context of an email: its data with the French wording it needs. */
export function viewOf<N extends TemplateName>(name: N, data: TemplateData[N]): object {
  return views[name](data);
}
