import { convert } from "html-to-text";
import { fold } from "../text/fold.ts";
import { parseLabelledCalculation } from "./calculation-parser.ts";

/**
 * HTML → text keeping table cells apart (a tab after each cell) and one line per paragraph, so
 * that an Outlook table "FINESS radiologie | 920000650" reads as a label and its value.
 */
export function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: false,
    formatters: {
      cell(elem, walk, builder) {
        walk(elem.children, builder);
        builder.addLiteral("\t");
      },
    },
    selectors: [
      { selector: "a", options: { ignoreHref: true } },
      { selector: "img", format: "skip" },
      { selector: "p", options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
      { selector: "table", format: "block" },
      { selector: "tr", format: "block", options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
      { selector: "td", format: "cell" },
      { selector: "th", format: "cell" },
      { selector: "h1", options: { uppercase: false } },
      { selector: "h2", options: { uppercase: false } },
      { selector: "h3", options: { uppercase: false } },
    ],
  });
}

const FORWARD_MARKER =
  /^\s*(-{2,}\s*(message transf[ée]r[ée]|forwarded message|message d'origine transf[ée]r[ée])\s*-{2,}|début du message réexpédié\s*:|begin forwarded message\s*:)\s*$/i;
const ORIGINAL_MESSAGE = /^\s*-{2,}\s*(message d'origine|original message)\s*-{2,}\s*$/i;
const HEADER_FROM = /^\s*\*?(de|from)\s*\*?\s*:\s*\S/i;
const HEADER_SENT = /^\s*\*?(envoy[ée]|sent|date)\s*\*?\s*:/i;
const HEADER_SUBJECT = /^\s*\*?(objet|subject)\s*\*?\s*:/i;
const WROTE = /^\s*(le|on)\s.{0,300}?(a\s+[ée]crit|wrote)\s*:\s*$/i;
const SIGNATURE = /^\s*--\s*$/;
const MOBILE_FOOTER = /^\s*(envoy[ée] (de|depuis) (mon|l'application)|sent from my|obtenir outlook pour)/i;
const OUTLOOK_RULE = /^\s*_{10,}\s*$/;

/** Header lines that name addresses or files, which Outlook wraps over several lines. */
const HEADER_LIST =
  /^\s*\*?(de|from|[àa]|to|cc|cci|bcc|pi[èe]ces?\s+jointes?|attachments?|r[ée]pondre\s+[àa]|reply-to)\s*\*?\s*:/i;
/** How far below "De :" a wrapped header block may reach "Envoyé :" and "Objet :". */
const HEADER_BLOCK_SPAN = 30;
/** Outlook wraps plain text at 76 columns: a continuation line is no longer than that (with slack). */
const MAX_CONTINUATION = 100;

/** The rest of a wrapped address or file list: short, and no "label :" unless it is an address. */
function continuesList(line: string): boolean {
  return (
    line.length <= MAX_CONTINUATION && !line.includes("\t") && (line.includes("@") || !line.includes(":"))
  );
}

/** True when the line opens a header block "De : … / Envoyé : … / Objet : …" (Outlook, Apple Mail). */
function opensHeaderBlock(lines: readonly string[], index: number): boolean {
  if (!HEADER_FROM.test(lines[index] ?? "")) return false;
  const next = lines.slice(index + 1, index + 6);
  if (next.some((l) => HEADER_SENT.test(l)) && next.some((l) => HEADER_SUBJECT.test(l))) return true;
  // A longer block: header lines only, each list header (De, À, Cc, Pièces jointes) possibly
  // wrapped over short lines, no blank line. Prose or a field under a "De :" line breaks it.
  let sent = false;
  let subject = false;
  let wrapping = true;
  for (let j = index + 1; j < Math.min(lines.length, index + 1 + HEADER_BLOCK_SPAN); j++) {
    const line = lines[j] ?? "";
    if (!line.trim()) return false;
    if (HEADER_SENT.test(line)) [sent, wrapping] = [true, false];
    else if (HEADER_SUBJECT.test(line)) [subject, wrapping] = [true, false];
    else if (HEADER_LIST.test(line)) wrapping = true;
    else if (!wrapping || !continuesList(line)) return false;
    if (sent && subject) return true;
  }
  return false;
}

/** "Le lun. 3 mars 2025 à 10:12, Jean <jean@x.fr> a écrit :", possibly folded over three lines. */
function opensQuoteAttribution(lines: readonly string[], index: number): boolean {
  const line = lines[index] ?? "";
  if (!/^\s*(le|on)\s/i.test(line)) return false;
  for (let span = 1; span <= 3; span++) {
    if (WROTE.test(lines.slice(index, index + span).join(" "))) return true;
  }
  return false;
}

/** Reply and forward prefixes of a subject line. */
const SUBJECT_PREFIX = /^\s*((re|tr|fw|fwd|réf|ref|aw|wg)\s*(\[\d+\])?\s*:\s*)+/i;
const FORWARD_SUBJECT = /^\s*((re|aw)\s*:\s*)*(tr|fw|fwd|wg)\s*:/i;
const REPLY_SUBJECT = /^\s*(re|aw|sv|antw)\s*(\[\d+\])?\s*:/i;

/** Words of a note that hands a message on: "je vous transfère", "voir ci-dessous", "pour calcul". */
const FORWARD_NOTE =
  /\b(transf[eè]r\w*|transmet\w*|transmis\w*|fai\w* suivre|ci-?dessous|plus bas|pour (calcul|info\w*|traitement|action|suite a donner)|merci de (traiter|calculer|faire le calcul)|fyi|see below|forward\w*)\b/;
const MAX_FORWARD_NOTE = 1000;

/**
 * Whether what the sender wrote above a header block only hands on the message below (a forward
 * whose subject lost its "TR:"), rather than answering it: empty, or a short note saying so, with
 * no field of a request. A reply holds its own request or question, and the quote below is old.
 */
function handsOn(own: readonly string[]): boolean {
  const text = own.join("\n").trim();
  if (!text) return true;
  if (text.length > MAX_FORWARD_NOTE || !FORWARD_NOTE.test(fold(text))) return false;
  const fields = parseLabelledCalculation(text);
  return !fields.identifierLabelFound && !fields.reference && !fields.activity;
}

/** Quote depth of a line ("> > x" is 2) and where its text starts, without a regex (long runs of spaces). */
function quoteOf(line: string): { depth: number; start: number } {
  let depth = 0;
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === ">") [depth, start] = [depth + 1, i + 1];
    else if (c !== " " && c !== "\t") break;
  }
  return { depth, start };
}

/** The line with `depth` levels of quoting removed (and the space after the last `>`). */
function unquote(line: string, depth: number): string {
  let seen = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === ">" && ++seen === depth) return line.slice(line[i + 1] === " " ? i + 2 : i + 1);
  }
  return line;
}

/**
 * Unquotes in place the run of lines quoted at least as deep as lines[from] (the lines after it that
 * are less deep and not blank end it): a forward the client put in a quote (Apple Mail's HTML
 * `<blockquote type="cite">`, which html-to-text writes as "> ").
 */
function unquoteRun(lines: string[], from: number): void {
  const { depth } = quoteOf(lines[from] ?? "");
  if (depth === 0) return;
  for (let j = from; j < lines.length; j++) {
    const line = lines[j] ?? "";
    const quote = quoteOf(line);
    if (quote.depth < depth) {
      if (line.slice(quote.start).trim()) return;
      lines[j] = "";
    } else lines[j] = unquote(line, depth);
  }
}

/** The next line after `index` that is not blank once unquoted, or -1 (looking a few lines ahead). */
function nextContentLine(lines: readonly string[], index: number): number {
  for (let j = index + 1; j < Math.min(lines.length, index + 10); j++) {
    const line = lines[j] ?? "";
    if (line.slice(quoteOf(line).start).trim()) return j;
  }
  return -1;
}

export function stripSubjectPrefixes(subject: string): string {
  return subject.replace(SUBJECT_PREFIX, "").trim();
}

/**
 * Keeps what the sender wrote and what they forwarded (also under an edited subject, or quoted by
 * the client); drops quoted replies (`>` lines, the part after "Le … a écrit :" or an Outlook reply
 * header), signatures (`-- ` up to the next forwarded message) and mobile footers. A reply quoting
 * a result email must not read as a new request.
 */
export function extractOwnText(text: string, subject: string): string {
  const lines = text
    .replace(/\r\n?/g, "\n")
    .replace(/\u00a0/g, " ")
    .split("\n");
  const isForward = FORWARD_SUBJECT.test(subject);
  // Without a forward prefix, a header block is still a forward when the note above it says so;
  // a "RE:" subject says it is a reply.
  const mayHandOn = !isForward && !REPLY_SUBJECT.test(subject);
  const kept: string[] = [];
  let inSignature = false;
  let forwardHeaderAllowed = isForward;
  // Notes are judged and quotes unquoted for the first forward only: bounded work.
  let forwardSeen = false;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] ?? "";
    if (/^\s*>/.test(line)) {
      if (forwardSeen || !FORWARD_MARKER.test(line.slice(quoteOf(line).start))) continue;
      // A forward marker in a quote: a forward only when the subject or the note above says so.
      forwardSeen = true;
      // "Re: Fwd:" is a reply to a forward: what it quotes is old, even a forwarded request.
      if (!(isForward && !REPLY_SUBJECT.test(subject)) && !(mayHandOn && handsOn(kept))) continue;
      unquoteRun(lines, i);
      line = lines[i] ?? "";
    }
    if (FORWARD_MARKER.test(line)) {
      inSignature = false;
      forwardHeaderAllowed = true;
      kept.push(line);
      // "Begin forwarded message:" above a quote: the quote is the forwarded message.
      const next = forwardSeen ? -1 : nextContentLine(lines, i);
      if (next > 0 && /^\s*>/.test(lines[next] ?? "")) unquoteRun(lines, next);
      forwardSeen = true;
      continue;
    }
    if (opensQuoteAttribution(lines, i) || ORIGINAL_MESSAGE.test(line)) break;
    if (opensHeaderBlock(lines, i)) {
      // Outlook writes the same header block for replies and forwards; only a forward keeps it.
      if (!forwardHeaderAllowed && (forwardSeen || !mayHandOn || !handsOn(kept))) break;
      forwardHeaderAllowed = false;
      forwardSeen = true;
      inSignature = false;
      kept.push(line);
      continue;
    }
    if (OUTLOOK_RULE.test(line)) continue;
    if (SIGNATURE.test(line)) {
      inSignature = true;
      continue;
    }
    if (MOBILE_FOOTER.test(line)) continue;
    if (!inSignature) kept.push(line.trimEnd());
  }
  return kept
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
