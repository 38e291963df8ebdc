import type { AddressObject, ParsedMail } from "mailparser";
import type { Activity, FieldLists } from "../engine/types.ts";
import { emptyLists, FIELDS } from "../engine/types.ts";
import { normaliseIdentifier } from "../identifiers/normalise.ts";
import { SENTENCE_END } from "../text/sentences.ts";
import { besideAccessRequest, parseAccessRequest } from "./access-parser.ts";
import {
  type AuthenticationOutcome,
  authenticateFromHeaders,
  trustedConnection,
  trustFrom,
  verifyMessage,
} from "./authentication.ts";
import { detectAutomated } from "./automated.ts";
import { extractOwnText, htmlToText } from "./body-text.ts";
import { classifyLabel, type LabelledCalculation, parseLabelledCalculation } from "./calculation-parser.ts";
import { parseMessage } from "./mail-parser.ts";
import { relabelEightBitText } from "./mislabelled-charset.ts";
import { type OrderFormTable, orderFormFormat, readOrderForm, UNREAD_DOCUMENT } from "./order-form.ts";
import { referenceOfSubject } from "./subject-reference.ts";
import {
  classifyBesideAccess,
  classifyBesideCalculation,
  classifySupport,
  ourEmailStart,
  ourResultStart,
  repliesToResult,
  threadsToUs,
} from "./support-classifier.ts";
import type {
  CalculationIntake,
  CalculationProblem,
  HiddenColumns,
  HiddenRows,
  Intake,
  IntakeContext,
  IntakeLimits,
  TableIssue,
  UnreadableReason,
} from "./types.ts";

/** Headers beyond this size are not a real message's; the rest is not read either. */
export const MAX_HEADER_BYTES = 256 * 1024;
/** Access requests and support messages are short; reading further only costs (regexes on prose). */
const PROSE_SPAN = 20_000;
const CALCULATION_ID = /\bTR-\d{4}-\d{4,}\b/gi;

/** Header name (lower-case) → unfolded values, in message order (topmost first). */
type HeaderValues = Map<string, string[]>;

function headerValues(parsed: ParsedMail): HeaderValues {
  const map: HeaderValues = new Map();
  for (const { key, line } of parsed.headerLines) {
    const colon = line.indexOf(":");
    const value = line
      .slice(colon + 1)
      .replace(/\r?\n[ \t]+/g, " ")
      .trim();
    const values = map.get(key.toLowerCase()) ?? [];
    values.push(value);
    map.set(key.toLowerCase(), values);
  }
  return map;
}

/**
 * The one sender of a message: one From header naming one mailbox. Two From headers are invalid
 * (RFC 5322 allows one) and mailparser keeps the last, while the receiving server may have judged
 * the first: no sender then, so nobody is authenticated.
 */
function singleAddress(
  from: AddressObject | undefined,
  headers: HeaderValues,
): { address: string | null; name: string | null } {
  if ((headers.get("from")?.length ?? 0) > 1) return { address: null, name: null };
  const mailboxes = (from?.value ?? []).flatMap((v) => (v.group ? v.group : [v]));
  if (mailboxes.length !== 1) return { address: null, name: null };
  const address = mailboxes[0]?.address?.trim().toLowerCase() || null;
  return { address, name: mailboxes[0]?.name?.trim() || null };
}

const bracketed = (id: string) => `<${id.trim().replace(/^<|>$/g, "")}>`;

function messageIds(value: string | string[] | undefined): string[] {
  const list = Array.isArray(value) ? value : value ? value.split(/\s+/) : [];
  return list.filter(Boolean).map(bracketed);
}

/** The bytes mailparser is given: everything, or the header alone when the message is over budget. */
function headerOnly(raw: Buffer): Buffer {
  const head = raw.subarray(0, MAX_HEADER_BYTES);
  const crlf = head.indexOf("\r\n\r\n");
  const lf = head.indexOf("\n\n");
  const end = [crlf, lf].filter((i) => i >= 0).sort((a, b) => a - b)[0] ?? head.length;
  return Buffer.concat([head.subarray(0, end), Buffer.from("\r\n\r\n")]);
}

/** Largest raw message parsed in full: the bodies, the attachments (base64 grows by 4/3) and headers. */
export function rawBudget(limits: Omit<IntakeLimits, "maxIdentifiers">): number {
  const { maxBodyBytes, maxAttachmentBytes, maxAttachments } = limits;
  return 2 * maxBodyBytes + Math.ceil((maxAttachments * maxAttachmentBytes * 4) / 3) + MAX_HEADER_BYTES;
}

function ownAddresses(context: IntakeContext): string[] {
  const { contact, submission, noreply } = context.addresses;
  return [contact, submission, noreply].map((a) => a.toLowerCase());
}

async function authenticate(
  raw: Buffer,
  headers: HeaderValues,
  from: string | null,
  context: IntakeContext,
): Promise<AuthenticationOutcome> {
  switch (context.authMode) {
    case "trust-from":
      return trustFrom(from);
    case "verify": {
      if (!context.resolver)
        return {
          authenticated: false,
          mode: "verify",
          method: null,
          detail: "verify mode without a DNS resolver",
          warning: null,
        };
      const returnPath = headers.get("return-path")?.[0]?.replace(/[<>\s]/g, "") || null;
      return verifyMessage(raw, from, {
        authservId: context.authservId,
        resolver: context.resolver,
        sender: returnPath,
        connection: trustedConnection(headers.get("received") ?? [], context.authservId),
      });
    }
    default:
      return authenticateFromHeaders(headers.get("authentication-results") ?? [], from, context.authservId);
  }
}

const count = (lists: FieldLists) => FIELDS.reduce((n, f) => n + lists[f].length, 0);

function inferActivity(lists: FieldLists): Activity | null {
  const radio = lists.finessRadio.length + lists.amRadio.length > 0;
  const nuclear = lists.finessMn.length + lists.amMn.length > 0;
  if (radio && nuclear) return "mixte";
  if (radio) return "radiologie";
  if (nuclear) return "medecine-nucleaire";
  return null;
}

interface TableReading {
  tables: { name: string; table: OrderFormTable }[];
  problems: CalculationProblem[];
  /** The file each problem is about (several files may have the same problem). */
  issues: TableIssue[];
  /** Names of attached documents that may hold the table in a format not read (PDF, XLS, ODS…). */
  unsupported: string[];
  /** CSV, XLSX or DOCX files that open but hold no order-form table (a quote beside the order). */
  withoutTable: string[];
}

async function readTables(parsed: ParsedMail, stated: Activity | null, context: IntakeContext) {
  const reading: TableReading = { tables: [], problems: [], issues: [], unsupported: [], withoutTable: [] };
  // Inline images (signature logos) come first in Outlook mail: count only tables against the limit.
  const candidates = parsed.attachments.flatMap((attachment) => {
    const format = orderFormFormat(attachment.contentType, attachment.filename ?? null);
    if (!format && UNREAD_DOCUMENT.test(attachment.filename ?? ""))
      reading.unsupported.push(attachment.filename!);
    return format ? [{ attachment, format }] : [];
  });
  const problem = (kind: CalculationProblem, filename: string) => {
    reading.problems.push(kind);
    reading.issues.push({ problem: kind, filename });
  };
  for (const { attachment, format } of candidates.slice(0, context.limits.maxAttachments)) {
    const name = attachment.filename ?? `tableau.${format}`;
    if (attachment.size > context.limits.maxAttachmentBytes) {
      problem("attachment-too-large", name);
      continue;
    }
    try {
      const table = await readOrderForm(attachment.content, format, stated);
      // A file that opens but holds no table matters only if nothing else gives identifiers.
      if (table) reading.tables.push({ name, table });
      else reading.withoutTable.push(name);
    } catch {
      problem("attachment-unreadable", name);
    }
  }
  return reading;
}

function buildCalculation(
  labelled: LabelledCalculation,
  reading: TableReading,
  subject: string,
  context: IntakeContext,
  bodySources: string[],
): CalculationIntake {
  const lists = emptyLists();
  for (const field of FIELDS) {
    lists[field].push(...labelled.lists[field]);
    for (const { table } of reading.tables) lists[field].push(...table.lists[field]);
  }
  // A number of the text that an attached table lists is read, whatever the text says around it.
  const inFields = new Set(FIELDS.flatMap((field) => lists[field].map(normaliseIdentifier)));
  const problems = new Set<CalculationProblem>([...labelled.problems, ...reading.problems]);
  const issues: TableIssue[] = [...reading.issues];
  const hiddenRows: HiddenRows[] = [];
  const hiddenColumns: HiddenColumns[] = [];
  if (reading.tables.some(({ table }) => table.rowsWithoutActivity.length > 0))
    problems.add("row-without-activity");
  for (const { name, table } of reading.tables) {
    for (const place of table.rowsWithoutIdentifier) {
      problems.add("row-without-identifier");
      issues.push({ problem: "row-without-identifier", filename: name, ...place });
    }
    for (const place of table.hiddenRowsRead)
      hiddenRows.push({ filename: name, sheet: place.sheet, rows: place.rows });
    for (const place of table.hiddenColumnsRead)
      hiddenColumns.push({ filename: name, sheet: place.sheet, columns: place.columns });
    if (table.ambiguousFiness) {
      problems.add("finess-column-ambiguous");
      issues.push({ problem: "finess-column-ambiguous", filename: name });
    }
  }
  let activity = labelled.activity;
  let activityInferred = false;
  if (!activity) {
    activity = inferActivity(lists);
    activityInferred = activity !== null;
    // A typed activity we cannot read does not block a request whose fields say it plainly.
    if (activity) problems.delete("unreadable-activity");
  }
  const total = count(lists);
  // Numbers under a label or in a row without activity were found: saying none were would contradict it.
  if (total === 0 && !problems.has("field-without-activity") && !problems.has("row-without-activity"))
    problems.add("no-identifiers");
  if (total === 0 && reading.unsupported.length > 0) problems.add("attachment-unsupported");
  if (total === 0 && reading.withoutTable.length > 0) {
    problems.add("attachment-without-table");
    for (const filename of reading.withoutTable)
      issues.push({ problem: "attachment-without-table", filename });
  }
  if (total > context.limits.maxIdentifiers) problems.add("too-many-identifiers");
  let reference = labelled.reference;
  let referenceSource: CalculationIntake["referenceSource"] = reference ? "label" : null;
  const subjectReference = referenceOfSubject(subject);
  if (!reference && subjectReference) [reference, referenceSource] = [subjectReference, "subject"];
  const firstTable = reading.tables[0]?.name.replace(/\.[a-z0-9]+$/i, "");
  if (!reference && firstTable) [reference, referenceSource] = [firstTable, "attachment-name"];
  if (!reference) problems.add("missing-reference");
  return {
    recipient: labelled.recipient,
    reference,
    referenceSource,
    activity,
    activityText: problems.has("unreadable-activity") ? labelled.activityText : null,
    activityInferred,
    lists,
    amOfMixteRows: reading.tables.flatMap(({ table }) => table.amOfMixteRows),
    sources: [...(count(labelled.lists) > 0 ? bodySources : []), ...reading.tables.map((t) => t.name)],
    problems: [...problems],
    ...(issues.length > 0 ? { tableIssues: issues } : {}),
    ...(labelled.requestReferences.length > 0 ? { requestReferences: labelled.requestReferences } : {}),
    strayNumbers: labelled.strayNumbers.filter((n) => !inFields.has(n)),
    ...(hiddenRows.length > 0 ? { hiddenRows } : {}),
    ...(hiddenColumns.length > 0 ? { hiddenColumns } : {}),
  };
}

/** The Date header; null when absent or unreadable (mailparser would put the current time there). */
function headerDate(headers: HeaderValues): Date | null {
  const value = headers.get("date")?.[0];
  const date = value ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

function baseIntake(
  parsed: ParsedMail,
  headers: HeaderValues,
  context: IntakeContext,
  authentication: AuthenticationOutcome,
) {
  const { address, name } = singleAddress(parsed.from, headers);
  return {
    mailbox: context.mailbox,
    messageId: parsed.messageId ? bracketed(parsed.messageId) : null,
    inReplyTo: messageIds(parsed.inReplyTo)[0] ?? null,
    references: messageIds(parsed.references),
    from: address,
    fromName: name,
    subject: (parsed.subject ?? "").trim(),
    date: headerDate(headers),
    authentication,
    automated: null,
    calculation: null,
    access: null,
    support: null,
    unreadable: null,
    calculationIds: [],
    ownText: "",
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename ?? null,
      contentType: a.contentType,
      size: a.size,
    })),
  } satisfies Omit<Intake, "kind">;
}

const PARSER_OPTIONS = {
  skipHtmlToText: true,
  skipImageLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
} as const;

/**
 * Signs of a misdeclared charset in decoded text: U+FFFD (8-bit text read as UTF-8), or « Ã », « Â »
 * (a UTF-8 lead byte read as Latin-1: "Ã©" for « é », "Â°" for « ° »). Rare in French, and the raw
 * bytes decide: text they were right about is left as it is.
 */
const MISDECLARED = /[\uFFFD\u00C2\u00C3]/;

/** mailparser's reading, with misdeclared 8-bit text read again in its real charset. */
async function parseMail(raw: Buffer, maxAttachmentBytes: number): Promise<ParsedMail> {
  const parsed = await parseMessage(raw, PARSER_OPTIONS, maxAttachmentBytes);
  const html = typeof parsed.html === "string" ? parsed.html : "";
  if (!MISDECLARED.test(parsed.text ?? "") && !MISDECLARED.test(html)) return parsed;
  const relabelled = relabelEightBitText(raw);
  if (!relabelled) return parsed;
  const again = await parseMessage(relabelled, PARSER_OPTIONS, 0);
  return { ...parsed, text: again.text, html: again.html };
}

const FORWARDED_MESSAGE = "-------- Message transféré --------";

interface AttachedMessage {
  name: string;
  from: string;
  subject: string;
  text: string;
}

/**
 * Messages forwarded as attachments (message/rfc822, Outlook's "forward as attachment"): their
 * text, one level deep, each within the attachment and body limits.
 */
async function attachedMessages(parsed: ParsedMail, context: IntakeContext): Promise<AttachedMessage[]> {
  const { maxAttachments, maxAttachmentBytes, maxBodyBytes } = context.limits;
  const messages = parsed.attachments
    .filter((a) => a.contentType.toLowerCase() === "message/rfc822")
    .slice(0, maxAttachments);
  const read: AttachedMessage[] = [];
  // All their text together is held to the body limit, as the message's own text is.
  let room = maxBodyBytes;
  for (const attachment of messages) {
    if (attachment.size > maxAttachmentBytes) continue;
    try {
      const inner = await parseMail(attachment.content, maxAttachmentBytes);
      const plain = inner.text ?? "";
      const html = typeof inner.html === "string" ? inner.html : "";
      if (Buffer.byteLength(plain) > room || Buffer.byteLength(html) > room) continue;
      const text = plain.trim() ? plain : html ? htmlToText(html) : "";
      room -= Buffer.byteLength(text);
      const subject = (inner.subject ?? "").trim();
      const name = attachment.filename ?? `${subject || "message"}.eml`;
      if (text.trim()) read.push({ name, from: inner.from?.text ?? "", subject, text });
    } catch {
      // An attachment that cannot be parsed is not read; the message itself still is.
    }
  }
  return read;
}

async function read(raw: Buffer, size: number, context: IntakeContext): Promise<Intake> {
  const tooLarge = size > rawBudget(context.limits);
  const parsed = await parseMail(tooLarge ? headerOnly(raw) : raw, context.limits.maxAttachmentBytes);
  const headers = headerValues(parsed);
  const { address: from } = singleAddress(parsed.from, headers);
  const authentication = await authenticate(raw, headers, from, context);
  const base = baseIntake(parsed, headers, context, authentication);
  const own = ownAddresses(context);

  const automated = detectAutomated({
    headers,
    from,
    subject: base.subject,
    contentType: headers.get("content-type")?.[0] ?? "text/plain",
    ownAddresses: own,
  });
  if (automated) return { ...base, kind: "automated", automated };

  const unreadable = (reason: UnreadableReason, detail: string): Intake => ({
    ...base,
    kind: "unreadable",
    unreadable: { reason, detail },
  });
  if (tooLarge)
    return unreadable("message-too-large", `${size} bytes, over ${rawBudget(context.limits)} read`);

  const plain = parsed.text ?? "";
  const html = typeof parsed.html === "string" ? parsed.html : "";
  const limit = context.limits.maxBodyBytes;
  if (Buffer.byteLength(plain) > limit || Buffer.byteLength(html) > limit)
    return unreadable("body-too-large", `body over ${limit} bytes`);
  const htmlText = html ? htmlToText(html) : "";
  const bodyText = plain.trim() ? plain : htmlText;
  const ownText = extractOwnText(bodyText, base.subject);
  // Messages attached as forwards are quoted text: they say what the message is about (a result
  // forwarded as attachment is disputed like one forwarded inline).
  const attached = await attachedMessages(parsed, context);
  const fullText = [bodyText, ...attached.map((m) => m.text)].join("\n\n");
  const calculationIds = [
    ...new Set([...`${base.subject}\n${fullText}`.matchAll(CALCULATION_ID)].map((m) => m[0].toUpperCase())),
  ];
  const withText = { ...base, ownText, calculationIds };

  // An email of ours forwarded, pasted or quoted whole below (by an auto-responder too): only what
  // the sender wrote above it can be a request.
  const beforeOurEmail = (text: string) => {
    const start = ourEmailStart(text);
    return start < 0 ? text : text.slice(0, start);
  };
  const signals = {
    inReplyTo: base.inReplyTo,
    references: base.references,
    subject: base.subject,
    fullText,
    ownText,
  };
  // What the sender wrote, without an email of ours forwarded below it: a result's tables (« Données
  // invalides, non prises en compte », invalid reasons) would make every forward a dispute, and
  // would be read as a request, as would a help reply's example.
  const ownWords = beforeOurEmail(ownText);
  const replies = repliesToResult(signals) || ourResultStart(ownText) >= 0;
  const prose = ownWords.slice(0, PROSE_SPAN);
  const aboutCalculation = (): Intake => ({
    ...withText,
    kind: "support",
    support: { category: classifySupport(prose, true, base.subject), repliesToResult: replies },
  });
  // On contact@, a message about one of our results (a reply, a forward, a quoted identifier) is
  // for support even when it lists identifiers: "je conteste, il manque : FINESS radiologie : …"
  // disputes a result, and a new calculation would answer something nobody asked. The submission
  // inbox takes requests only: a corrected request in reply to a result is answered there.
  if (context.mailbox === "contact" && (replies || calculationIds.length > 0)) return aboutCalculation();

  let labelled = parseLabelledCalculation(ownWords);
  // Some clients write a poor plain-text alternative of a table: the HTML part may read better.
  if (count(labelled.lists) === 0 && plain.trim() && htmlText) {
    const fromHtml = parseLabelledCalculation(beforeOurEmail(extractOwnText(htmlText, base.subject)));
    if (count(fromHtml.lists) > 0) labelled = fromHtml;
  }
  // Forwarded as attachment: the request is in the attached message, below the sender's note.
  let bodySources = ["body"];
  if (count(labelled.lists) === 0 && attached.length > 0) {
    // Written as an inline forward is, so that the note's signature ends where the message starts.
    const forwarded = attached.map(
      (m) =>
        `${FORWARDED_MESSAGE}\nDe : ${m.from}\nObjet : ${m.subject}\n\n${extractOwnText(m.text, m.subject)}`,
    );
    const fromAttached = parseLabelledCalculation(beforeOurEmail([ownText, ...forwarded].join("\n\n")));
    if (count(fromAttached.lists) > 0) [labelled, bodySources] = [fromAttached, attached.map((m) => m.name)];
  }
  const reading = await readTables(parsed, labelled.activity, context);
  const calculation = () => buildCalculation(labelled, reading, base.subject, context, bodySources);
  if (reading.tables.length > 0 || labelled.identifierLabelFound) {
    // The request is answered, and what the sender asks beside it is not lost: an access, on either
    // mailbox, is decided as an access request; on contact@ a question or dispute is a ticket (SPEC
    // §8) — the submission inbox takes requests only.
    const beside = besideCalculationFields(prose);
    const access = parseAccessRequest(beside.join("\n"), { sender: from, ownAddresses: own });
    const category = context.mailbox === "contact" ? classifyBesideCalculation(beside) : null;
    return {
      ...withText,
      kind: "calculation",
      calculation: calculation(),
      access: access.status === "none" ? null : access,
      support: category ? { category, repliesToResult: false } : null,
    };
  }

  if (replies || calculationIds.length > 0) return aboutCalculation();

  const access = parseAccessRequest(`${base.subject}\n${prose}`, { sender: from, ownAddresses: own });
  if (access.status === "request" || access.status === "requests") {
    // A question or a dispute written beside the request reaches support too (SPEC §8), while the
    // access is decided as asked: `support` says which ticket it calls for.
    const aside = classifyBesideAccess(besideAccessRequest(prose), besideAccessRequest(base.subject));
    const support = aside ? { category: aside, repliesToResult: false } : null;
    return { ...withText, kind: "access", access, support };
  }
  // An ambiguous request goes to support whole, as an access review.
  if (access.status !== "none") return { ...withText, kind: "access", access };

  // An answer to another of our emails (help, confirmation, acknowledgment) is for support.
  if (threadsToUs(signals, context.addresses.noreply))
    return {
      ...withText,
      kind: "support",
      support: { category: classifySupport(prose, false, base.subject), repliesToResult: false },
    };

  // The submission inbox only takes requests: anything else there gets the help reply.
  if (context.mailbox === "submissions")
    return { ...withText, kind: "calculation", calculation: calculation() };
  const category = classifySupport(prose, false, base.subject);
  // On contact@, an attached table that could not be read makes a request whose help reply says
  // why, unless the text asks or contests something: then support reads it (the help reply would
  // answer the attachment only, and the question nobody).
  if (reading.problems.length > 0 && category === "other")
    return { ...withText, kind: "calculation", calculation: calculation() };
  return { ...withText, kind: "support", support: { category, repliesToResult: false } };
}

/**
 * Reads one raw RFC 5322 message into what the later stages need. Pure apart from the DNS
 * resolver of `verify` mode; never throws: a message that cannot be parsed is "unreadable".
 * `size`: the message's full size when `raw` is only its beginning (a source's SizeLimit).
 */
export async function readInbound(raw: Buffer, context: IntakeContext, size = raw.length): Promise<Intake> {
  try {
    return await read(raw, size, context);
  } catch (error) {
    return {
      kind: "unreadable",
      mailbox: context.mailbox,
      messageId: null,
      inReplyTo: null,
      references: [],
      from: null,
      fromName: null,
      subject: "",
      date: null,
      authentication: {
        authenticated: false,
        mode: context.authMode,
        method: null,
        detail: "message could not be parsed",
        warning: null,
      },
      automated: null,
      calculation: null,
      access: null,
      support: null,
      unreadable: { reason: "malformed", detail: String((error as Error)?.message ?? error).slice(0, 200) },
      calculationIds: [],
      ownText: "",
      attachments: [],
    };
  }
}

/** A line of a request's fields: a label and its value, or identifiers with a word or two. */
const IDENTIFIER_RUN = /\d{7}/;
const FIELD_SEPARATOR = /[:=\t]/;
const WORDS = /\p{L}{2,}/gu;

/**
 * What the sender of a calculation request wrote beside its fields, one sentence a line: the lines
 * holding a label of the form (« FINESS radiologie : … ») or identifiers are the request's.
 */
function besideCalculationFields(prose: string): string[] {
  return prose
    .split("\n")
    .filter((line) => {
      if (IDENTIFIER_RUN.test(line.replace(/[\s.-]/g, "")) && (line.match(WORDS)?.length ?? 0) < 3)
        return false;
      const separator = line.search(FIELD_SEPARATOR);
      return separator < 0 || separator > 80 || classifyLabel(line.slice(0, separator)) === null;
    })
    .join("\n")
    .split(SENTENCE_END)
    .filter((sentence) => sentence.trim() !== "");
}
