import { isAscii, isUtf8 } from "node:buffer";
import libmime from "libmime";
import libqp from "libqp";

/*
 * Text sent as 8-bit Windows-1252 (French Outlook, scanners, scripts) but declared UTF-8, US-ASCII or
 * not at all: mailparser reads every accent as U+FFFD, and "Référence", "médecine nucléaire" with
 * them. The other way round, UTF-8 text declared ISO-8859-1 or Windows-1252 (scripts, old webmails)
 * reads as "RÃ©fÃ©rence", "mÃ©decine nuclÃ©aire", "NÂ°": labels lost just the same. mailparser
 * keeps no raw bytes of its text parts, so the fix is on the raw MIME: such a part gets its real
 * charset in its Content-Type, and the message is parsed again.
 */

/** Declared charsets mailparser reads as UTF-8, under which 8-bit Windows-1252 text is often sent. */
const UNRELIABLE_CHARSET = /^(utf-?8|(us-?)?ascii|unknown(-8bit)?|x-unknown)?$/i;
/**
 * Single-byte Latin charsets under which UTF-8 text is sent by mistake. Real French text in them is
 * never valid UTF-8 with accents: an accented letter would need to be followed by one to three
 * continuation bytes (0x80–0xBF), « Ã© » for « é ».
 */
const LATIN_CHARSET = /^(iso[-_]?8859[-_]?(1|15)|latin-?[19]|l[19]|cp819|ibm819|(windows|cp)-?1252)$/i;
/** Labels browsers read as Windows-1252 (WHATWG), and UTF-8 ones, which the bytes just disproved. */
const READ_AS_WINDOWS_1252 = /^(iso[-_]?8859[-_]?1|latin-?1|l1|cp819|ibm819|(us-?)?ascii|utf-?8)$/i;
const META_CHARSET = /<meta\b[^>]{0,300}?charset\s*=\s*["']?\s*([a-z0-9_.:-]{1,40})/i;
const MAX_MIME_DEPTH = 12;
const MAX_MIME_PARTS = 200;
/** A part's header longer than this is not read (its body is left as mailparser reads it). */
const MAX_PART_HEADER = 256 * 1024;

interface HeaderField {
  name: string;
  value: string;
  start: number;
  end: number;
}

/** The header fields of `part` (a latin1 string, so offsets are byte offsets) and where its body starts. */
function partHeader(part: string): { fields: HeaderField[]; bodyStart: number; eol: string } | null {
  const window = part.slice(0, MAX_PART_HEADER);
  let headerEnd: number;
  let bodyStart: number;
  if (/^\r?\n/.test(window)) [headerEnd, bodyStart] = [0, window[0] === "\r" ? 2 : 1];
  else {
    const crlf = window.indexOf("\n\r\n");
    const lf = window.indexOf("\n\n");
    const blank = [crlf, lf].filter((i) => i >= 0).sort((a, b) => a - b)[0];
    if (blank === undefined) {
      if (part.length > MAX_PART_HEADER) return null;
      [headerEnd, bodyStart] = [part.length, part.length];
    } else [headerEnd, bodyStart] = [blank + 1, blank === crlf ? blank + 3 : blank + 2];
  }
  const fields: HeaderField[] = [];
  let offset = 0;
  for (const line of window.slice(0, headerEnd).split(/(?<=\n)/)) {
    const last = fields.at(-1);
    if (/^[ \t]/.test(line) && last) {
      last.value += line;
      last.end += line.length;
    } else {
      const colon = line.indexOf(":");
      fields.push({
        name: line.slice(0, Math.max(colon, 0)).trim().toLowerCase(),
        value: line.slice(colon + 1),
        start: offset,
        end: offset + line.length,
      });
    }
    offset += line.length;
  }
  return { fields, bodyStart, eol: window.slice(0, headerEnd).includes("\r\n") ? "\r\n" : "\n" };
}

/** The bytes of a part's body once its transfer encoding is undone. */
function transferDecoded(body: string, encoding: string): Buffer {
  if (encoding === "base64") return Buffer.from(body, "base64");
  if (encoding === "quoted-printable") return libqp.decode(body);
  return Buffer.from(body, "latin1");
}

/**
 * The charset 8-bit text that is not UTF-8 is in: an HTML part's own <meta charset> when the bytes
 * read under it, otherwise Windows-1252 (what French Outlook, scanners and scripts write).
 */
function eightBitCharset(bytes: Buffer, html: boolean): string {
  const declared = html ? META_CHARSET.exec(bytes.subarray(0, 8192).toString("latin1"))?.[1] : undefined;
  if (!declared || READ_AS_WINDOWS_1252.test(declared)) return "windows-1252";
  try {
    const decoder = new TextDecoder(declared, { fatal: true });
    decoder.decode(bytes);
    return decoder.encoding;
  } catch {
    return "windows-1252";
  }
}

/** Mostly invalid UTF-8: a stray byte in UTF-8 text is not a reason to read it all differently. */
function notUtf8(bytes: Buffer): boolean {
  if (isUtf8(bytes)) return false;
  const text = bytes.toString("utf8");
  let bad = 0;
  let good = 0;
  for (const char of text) {
    if (char === "\uFFFD") bad++;
    else if (char.charCodeAt(0) > 0x7f) good++;
  }
  return bad > good;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Collects the Content-Type edits of the text parts of one MIME entity (recursively, bounded). */
function relabelPart(
  raw: string,
  start: number,
  end: number,
  depth: number,
  edits: Edit[],
  budget: { parts: number },
): void {
  if (depth > MAX_MIME_DEPTH || budget.parts-- <= 0) return;
  const part = raw.slice(start, end);
  const header = partHeader(part);
  if (!header) return;
  const field = (name: string) => header.fields.find((f) => f.name === name);
  const contentType = libmime.parseHeaderValue(field("content-type")?.value.trim() || "text/plain");
  const type = contentType.value.toLowerCase();
  const disposition = libmime.parseHeaderValue(field("content-disposition")?.value ?? "").value;
  const encoding = (field("content-transfer-encoding")?.value ?? "").trim().toLowerCase();
  if (/^attachment$/i.test(disposition.trim())) return;
  if (type.startsWith("multipart/")) {
    const boundary = contentType.params.boundary;
    if (!boundary) return;
    const delimiter = `--${boundary}`;
    let from = header.bodyStart;
    let partStart = -1;
    while (from < part.length) {
      const at = part.indexOf(delimiter, from);
      if (at < 0) break;
      from = at + delimiter.length;
      // A delimiter starts a line and is not the prefix of a longer boundary.
      if (part[at - 1] !== "\n" || !/^(--|[ \t]*(\r?\n|$))/.test(part.slice(from, from + 80))) continue;
      if (partStart >= 0) {
        const partEnd = part[at - 2] === "\r" ? at - 2 : at - 1;
        relabelPart(raw, start + partStart, start + Math.max(partStart, partEnd), depth + 1, edits, budget);
      }
      if (part.startsWith("--", from)) return;
      const lineEnd = part.indexOf("\n", from);
      if (lineEnd < 0) return;
      partStart = lineEnd + 1;
      from = partStart;
    }
    if (partStart >= 0) relabelPart(raw, start + partStart, end, depth + 1, edits, budget);
    return;
  }
  if (type === "message/rfc822") {
    if (!encoding || /^(7bit|8bit|binary)$/.test(encoding))
      relabelPart(raw, start + header.bodyStart, end, depth + 1, edits, budget);
    return;
  }
  if (type !== "text/plain" && type !== "text/html") return;
  const declared = (contentType.params.charset ?? "").trim();
  let charset: string;
  if (UNRELIABLE_CHARSET.test(declared)) {
    const bytes = transferDecoded(part.slice(header.bodyStart), encoding);
    if (!notUtf8(bytes)) return;
    charset = eightBitCharset(bytes, type === "text/html");
  } else if (LATIN_CHARSET.test(declared)) {
    const bytes = transferDecoded(part.slice(header.bodyStart), encoding);
    if (isAscii(bytes) || !isUtf8(bytes)) return;
    charset = "utf-8";
  } else return;
  const value = libmime.buildHeaderValue({ value: type, params: { ...contentType.params, charset } });
  const replaced = `Content-Type: ${value}${header.eol}`;
  const existing = header.fields.filter((f) => f.name === "content-type");
  if (existing.length === 0) edits.push({ start, end: start, text: replaced });
  for (const [n, f] of existing.entries())
    edits.push({ start: start + f.start, end: start + f.end, text: n === 0 ? replaced : "" });
}

/**
 * The raw message with the charset of its 8-bit text parts corrected, or null when none needs it:
 * text declared UTF-8, US-ASCII or not at all whose bytes are not UTF-8 (mailparser would read
 * every accent as U+FFFD, and "Référence", "médecine nucléaire" with them), and text declared
 * ISO-8859-1/-15 or Windows-1252 whose accented bytes are UTF-8 ("RÃ©fÃ©rence").
 */
export function relabelEightBitText(raw: Buffer): Buffer | null {
  const text = raw.toString("latin1");
  const edits: Edit[] = [];
  relabelPart(text, 0, text.length, 0, edits, { parts: MAX_MIME_PARTS });
  if (edits.length === 0) return null;
  edits.sort((a, b) => a.start - b.start);
  const pieces: string[] = [];
  let at = 0;
  for (const edit of edits) {
    pieces.push(text.slice(at, edit.start), edit.text);
    at = edit.end;
  }
  pieces.push(text.slice(at));
  return Buffer.from(pieces.join(""), "latin1");
}
