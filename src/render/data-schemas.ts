import { z } from "zod";
import { ACTIVITIES, type Field } from "../engine/types.ts";
import { MAX_STRAY_NUMBERS } from "../intake/stray-numbers.ts";
import type { TemplateData, TemplateName } from "./templates.ts";

// Zod shapes of TemplateData, for data read from files (`tranche preview --data`). Each is typed
// against its interface, which catches a missing or mistyped field but not a choice the interface
// gained later (a narrower enum still type-checks): the activities come from the engine's list.

const address = z.string().trim().email();
const text = z.string();
const count = z.number().int().nonnegative();
const activity = z.enum(ACTIVITIES);
const accessAction = z.enum(["grant", "change", "revoke"]);
const reviewReason = z.enum([
  "unauthenticated",
  "invalid-address",
  "other-organisation",
  "free-mail",
  "review-policy",
]);
const fieldRecord = <T extends z.ZodType>(value: T) =>
  z.object({ amRadio: value, finessRadio: value, amMn: value, finessMn: value } satisfies Record<Field, T>);

const common = { contactAddress: address };
const accessCommon = {
  ...common,
  email: address,
  requester: address,
  requestReference: text.nullable(),
  decidedBy: z.enum(["automatic", "support"]),
};

const invalidIdentifier = z.object({
  value: text,
  reason: z.enum(["format", "unknown", "no-activity", "not-applicable"]),
});

const result: z.ZodType<TemplateData["result"]> = z.object({
  ...common,
  publicId: text.min(1),
  reference: text,
  requester: address,
  dataset: z.object({ id: z.union([z.string(), z.number()]), label: text }),
  activityInferred: z.boolean(),
  recipientRefused: z
    .object({ address, cause: z.enum(["not-authorised", "other-organisation"]) })
    .nullable()
    .optional(),
  strayNumbers: z.array(text).max(MAX_STRAY_NUMBERS).nullable().optional(),
  hiddenRows: z
    .array(z.object({ filename: text, sheet: text.nullable(), rows: z.array(z.number().int().positive()) }))
    .nullable()
    .optional(),
  hiddenColumns: z
    .array(z.object({ filename: text, sheet: text.nullable(), columns: z.array(text) }))
    .nullable()
    .optional(),
  result: z.object({
    activity,
    tranche: z.enum(["A", "B", "C", "D", "E", "F", "G", "H"]).nullable(),
    total: count,
    radiologyExams: count,
    nuclearExams: count,
    nuclearCoefficient: z.number().positive(),
    valid: fieldRecord(z.array(text)),
    invalid: fieldRecord(z.array(invalidIdentifier)),
  }),
});

const helpProblem = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("missing-reference") }),
  z.object({ kind: z.literal("no-identifiers") }),
  z.object({ kind: z.literal("unreadable-activity"), text }),
  z.object({ kind: z.literal("field-without-activity") }),
  z.object({ kind: z.literal("row-without-activity") }),
  z.object({
    kind: z.literal("row-without-identifier"),
    tables: z.array(
      z.object({ filename: text, sheet: text.nullable(), table: count.nullable(), rows: z.array(count) }),
    ),
  }),
  z.object({ kind: z.literal("finess-column-ambiguous"), filename: text }),
  z.object({ kind: z.literal("malformed") }),
  z.object({
    kind: z.literal("attachment-unreadable"),
    filename: text,
    cause: z.enum(["unsupported-type", "too-large", "damaged", "no-table"]),
  }),
  z.object({ kind: z.literal("too-many-attachments"), count, limit: count }),
  z.object({ kind: z.literal("too-many-identifiers"), count, limit: count }),
  z.object({ kind: z.literal("several-requests"), references: z.array(text) }),
  z.object({ kind: z.literal("body-too-large"), limitBytes: count }),
  z.object({
    kind: z.literal("recipient-refused"),
    address: text,
    cause: z.enum(["other-organisation", "not-authorised"]),
  }),
]);

const help: z.ZodType<TemplateData["help"]> = z.object({
  ...common,
  submissionAddress: address,
  sender: address,
  originalSubject: text.nullable(),
  understood: z.object({
    reference: text.nullable(),
    activity: activity.nullable(),
    recipient: text.nullable(),
    counts: fieldRecord(count),
  }),
  problems: z.array(helpProblem).min(1),
  maxIdentifiers: count,
});

const unauthorised: z.ZodType<TemplateData["unauthorised"]> = z.object({
  ...common,
  submissionAddress: address,
  sender: address,
  reference: text.nullable(),
  senderIsFreeMail: z.boolean(),
});

export const TEMPLATE_DATA_SCHEMAS: { readonly [N in TemplateName]: z.ZodType<TemplateData[N]> } = {
  result,
  help,
  unauthorised,
  "access-granted": z.object({
    ...accessCommon,
    submissionAddress: address,
    alreadyAuthorised: z.boolean(),
  }),
  "access-changed": z.object({
    ...accessCommon,
    newEmail: address,
    submissionAddress: address,
    oldWasAuthorised: z.boolean().optional(),
    newWasAuthorised: z.boolean().optional(),
  }),
  "access-revoked": z.object({ ...accessCommon, wasNotAuthorised: z.boolean() }),
  "access-pending": z.object({
    ...common,
    email: address,
    requester: address,
    requestReference: text.nullable(),
    ticketNumber: text.min(1),
    action: accessAction,
    newEmail: address.nullable(),
    reason: reviewReason,
  }),
  "access-refused": z.object({
    ...accessCommon,
    action: accessAction,
    newEmail: address.nullable(),
    reason: z.enum([
      "unauthenticated",
      "invalid-address",
      "other-organisation",
      "free-mail",
      "support-decision",
    ]),
    note: text.nullable(),
  }),
  "ticket-ack": z.object({
    ...common,
    ticketNumber: text.min(1),
    category: z.enum(["access-review", "dispute", "question", "other"]),
    sender: address,
    originalSubject: text.nullable(),
    calculations: z.array(z.object({ publicId: text, reference: text })),
    rateLimited: z
      .object({
        scope: z.enum(["sender", "organisation"]),
        limit: z.number().int().positive(),
        submissionAddress: address,
      })
      .nullable()
      .optional(),
  }),
};

const FRENCH_MESSAGES = z.locales.fr().localeError;

/** Template data read from JSON, checked against the template's shape; a French message per problem. */
export function parseTemplateData<N extends TemplateName>(
  name: N,
  input: unknown,
): { ok: true; data: TemplateData[N] } | { ok: false; problems: string[] } {
  const parsed = TEMPLATE_DATA_SCHEMAS[name].safeParse(input, { error: FRENCH_MESSAGES });
  if (parsed.success) return { ok: true, data: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => `${issue.path.join(".") || "(racine)"} : ${issue.message}`),
  };
}
