import { convert } from "html-to-text";

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

/** True when the line opens a header block "De : … / Envoyé : … / Objet : …" (Outlook, Apple Mail). */
function opensHeaderBlock(lines: readonly string[], index: number): boolean {
  if (!HEADER_FROM.test(lines[index] ?? "")) return false;
  const next = lines.slice(index + 1, index + 6);
  return next.some((l) => HEADER_SENT.test(l)) && next.some((l) => HEADER_SUBJECT.test(l));
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

export function stripSubjectPrefixes(subject: string): string {
  return subject.replace(SUBJECT_PREFIX, "").trim();
}

/**
 * Keeps what the sender wrote and what they forwarded; drops quoted replies (`>` lines, the part
 * after "Le … a écrit :" or an Outlook reply header), signatures (`-- ` up to the next forwarded
 * message) and mobile footers. A reply quoting a result email must not read as a new request.
 */
export function extractOwnText(text: string, subject: string): string {
  const lines = text
    .replace(/\r\n?/g, "\n")
    .replace(/\u00a0/g, " ")
    .split("\n");
  const isForward = FORWARD_SUBJECT.test(subject);
  const kept: string[] = [];
  let inSignature = false;
  let forwardHeaderAllowed = isForward;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^\s*>/.test(line)) continue;
    if (FORWARD_MARKER.test(line)) {
      inSignature = false;
      forwardHeaderAllowed = true;
      kept.push(line);
      continue;
    }
    if (opensQuoteAttribution(lines, i) || ORIGINAL_MESSAGE.test(line)) break;
    if (opensHeaderBlock(lines, i)) {
      // Outlook writes the same header block for replies and forwards; only a forward keeps it.
      if (!forwardHeaderAllowed) break;
      forwardHeaderAllowed = false;
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
