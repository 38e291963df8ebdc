import type { DNSResolver } from "mailauth";
import type { Activity, FieldLists } from "../engine/types.ts";
import type { AccessAction, AccessAmbiguity, AccessRequest } from "./access-parser.ts";
import type { AuthenticationOutcome, AuthMode } from "./authentication.ts";
import type { AutomatedReason } from "./automated.ts";

export type { AccessAction, AccessAmbiguity, AccessRequest } from "./access-parser.ts";
export type { AuthenticationOutcome, AuthMode } from "./authentication.ts";
export type { AutomatedReason } from "./automated.ts";

/** Which of the service's inboxes the message was read from. */
export type Mailbox = "contact" | "submissions";

export interface IntakeLimits {
  /** Largest text (or HTML) body read, in bytes; a larger one is refused, never truncated. */
  maxBodyBytes: number;
  /** Largest attachment read; a larger order-form table is refused. */
  maxAttachmentBytes: number;
  /** Most attachments looked at. */
  maxAttachments: number;
  /** Most identifiers in one calculation request. */
  maxIdentifiers: number;
}

export interface IntakeContext {
  mailbox: Mailbox;
  /** The service's own addresses (lower-cased): never a sender to answer, never an address concerned. */
  addresses: { contact: string; submission: string; noreply: string };
  authMode: AuthMode;
  authservId: string;
  limits: IntakeLimits;
  /** DNS lookups for `verify` mode (mailauth's resolver signature); required in that mode. */
  resolver?: DNSResolver;
}

/** What a calculation request could not give; each one is explained in the help reply. */
export type CalculationProblem =
  | "no-identifiers"
  | "missing-reference"
  | "unreadable-activity"
  | "field-without-activity"
  | "attachment-unreadable"
  | "attachment-too-large"
  /** Nothing read, and a PDF, XLS, ODS or .doc document was attached: ask for CSV, XLSX, DOCX or the body. */
  | "attachment-unsupported"
  | "row-without-activity"
  /** A row of the table names an establishment or doctor without a readable FINESS or N°AM. */
  | "row-without-identifier"
  /** The table has several FINESS columns and none says géographique: none was read. */
  | "finess-column-ambiguous"
  /** Nothing read, and an attached CSV, XLSX or DOCX opened fine but holds no order-form table. */
  | "attachment-without-table"
  | "too-many-identifiers"
  /** Two references each heading lists of their own: two requests in one message, not one. */
  | "several-requests";

/**
 * The attached file a table problem is about and, for rows, their sheet and numbers as it shows
 * them (in a Word document: which table, and its rows counted from the first).
 */
export interface TableIssue {
  problem: CalculationProblem;
  filename: string;
  sheet?: string | null;
  table?: number;
  rows?: number[];
}

export interface CalculationIntake {
  /** The labelled Email field, lower-cased; null when absent (the sender is meant). */
  recipient: string | null;
  /** The reference shown in the result; null when none could be found (a problem). */
  reference: string | null;
  /** Where the reference came from. */
  referenceSource: "label" | "subject" | "attachment-name" | null;
  activity: Activity | null;
  /** The activity type as typed when it could not be read ("cardio"), for the help reply; else null. */
  activityText: string | null;
  /** True when no activity type was stated and it was deduced from the fields filled. */
  activityInferred: boolean;
  /** Tokens as typed, one per identifier (validation is the engine's job). */
  lists: FieldLists;
  /** N°AM of order-form rows marked « mixte » (also in both AM lists): see CalculationRequest. */
  amOfMixteRows: string[];
  /** "body" (labelled fields), or the file name of the order-form table read. */
  sources: string[];
  problems: CalculationProblem[];
  /** Which attachment (sheet, rows) each attachment or table problem is about, for the help reply. */
  tableIssues?: TableIssue[];
  /** With "several-requests": the references heading lists of their own, as typed, in order. */
  requestReferences?: string[];
  /**
   * Numbers shaped like a FINESS or N°AM in the request's text that were read into no field
   * (normalised, unique, in order, at most MAX_STRAY_NUMBERS): those the reference data knows are
   * named in the result, so that a number the reading missed is never dropped unsaid.
   */
  strayNumbers: string[];
  /** Rows of an attached workbook that it hides but whose numbers were read: named in the result. */
  hiddenRows?: HiddenRows[];
  /** Columns of an attached workbook that it hides but whose numbers were read: named likewise. */
  hiddenColumns?: HiddenColumns[];
}

/** Hidden rows of one sheet of an attached workbook, numbered as the sheet shows them. */
/** Hidden columns of one sheet of an attached workbook, by letter and header (« D (N° AM) »). */
export interface HiddenColumns {
  filename: string;
  sheet: string | null;
  columns: string[];
}

export interface HiddenRows {
  filename: string;
  sheet: string | null;
  rows: number[];
}

export type SupportCategory = "dispute" | "question" | "other";

/** Why the message could not be read at all: a help reply (at contact@, a ticket), never a result. */
export type UnreadableReason = "message-too-large" | "body-too-large" | "malformed";

export type IntakeKind = "calculation" | "access" | "support" | "automated" | "unreadable";

export interface Intake {
  kind: IntakeKind;
  mailbox: Mailbox;
  /** Message-ID with angle brackets; null when absent. */
  messageId: string | null;
  inReplyTo: string | null;
  /** References, oldest first, with angle brackets. */
  references: string[];
  /** The From address, lower-cased; null when absent or not a single address. */
  from: string | null;
  fromName: string | null;
  subject: string;
  date: Date | null;
  authentication: AuthenticationOutcome;
  /** Set when kind is "automated". */
  automated: { reason: AutomatedReason; detail: string } | null;
  calculation: CalculationIntake | null;
  access:
    | { status: "request"; request: AccessRequest }
    | { status: "requests"; requests: AccessRequest[] }
    | { status: "ambiguous"; action: AccessAction | null; reason: AccessAmbiguity }
    | null;
  /**
   * For support messages, their category; for an access request read without doubt, the question
   * or dispute written beside it (a ticket besides the decision), else null.
   */
  support: { category: SupportCategory; repliesToResult: boolean } | null;
  unreadable: { reason: UnreadableReason; detail: string } | null;
  /** Calculation public ids quoted anywhere in the subject or text (TR-2026-000123), in order. */
  calculationIds: string[];
  /** What the sender wrote, without quotes or signature: for tickets only, never logged. */
  ownText: string;
  /** Attachment names and sizes, for support. */
  attachments: { filename: string | null; contentType: string; size: number }[];
}
