import { inflateRawSync } from "node:zlib";

// A workbook or a Word document is a ZIP: its XML, once inflated, is what exceljs or the table
// reader holds in memory (several times over). Refused beyond this, or when an entry inflates
// suspiciously (a decompression bomb).
const MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024;
const MAX_RATIO = 100;
// Excel's own files reach 200:1 on a megabyte or two of repeated styles: the ratio is only
// suspicious on larger entries (the sizes and the element count bound the rest).
const RATIO_FROM_BYTES = 10 * 1024 * 1024;
// exceljs keeps ~600 bytes per row, cell or shared string: 300 000 of them is ~200 MB and 2 s,
// fifteen times the largest table read (MAX_ROWS rows of five cells).
const MAX_ELEMENTS = 300_000;

/** Which parts of an Office file hold its content, and which of their elements count against the limit. */
export interface OfficeParts {
  counted: RegExp;
  element: RegExp;
  /** Whether the caller reads the parts from here (exceljs reads its own). */
  keep: boolean;
}

/** A workbook's rows, cells and shared strings. */
export const WORKBOOK_PARTS: OfficeParts = {
  counted: /^xl\/(?:worksheets\/[^/]+|sharedStrings)\.xml$/i,
  element: /<(?:[A-Za-z_][\w.-]*:)?(?:row|c|si)[\s>/]/g,
  keep: false,
};

/** A Word document's body: its table rows, cells and paragraphs. */
export const DOCUMENT_PARTS: OfficeParts = {
  counted: /^word\/document\.xml$/i,
  element: /<(?:[A-Za-z_][\w.-]*:)?(?:tr|tc|p)[\s>/]/g,
  keep: true,
};

/**
 * Checks an Office file's ZIP before it is read: the sizes its central directory declares, each
 * entry inflated no further than its declared size (a lying size would otherwise be inflated in
 * full), and the elements of its content parts. Throws when the file is not a ZIP or holds too
 * much; returns the content parts, inflated, when asked to keep them (a part compressed with
 * another method is left out).
 */
export function checkOfficeZip(bytes: Buffer, parts: OfficeParts): Map<string, Buffer> {
  const contents = new Map<string, Buffer>();
  const tail = Math.max(0, bytes.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= tail; i--)
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new Error("not a ZIP file");
  let entries = bytes.readUInt16LE(eocd + 10);
  let offset = bytes.readUInt32LE(eocd + 16);
  if (entries === 0xffff || offset === 0xffffffff) {
    // ZIP64: its end record, found through the locator just before the classic one.
    const locator = eocd - 20;
    if (locator < 0 || bytes.readUInt32LE(locator) !== 0x07064b50) throw new Error("bad ZIP64 locator");
    const record = Number(bytes.readBigUInt64LE(locator + 8));
    if (record + 56 > bytes.length || bytes.readUInt32LE(record) !== 0x06064b50)
      throw new Error("bad ZIP64 record");
    entries = Number(bytes.readBigUInt64LE(record + 32));
    offset = Number(bytes.readBigUInt64LE(record + 48));
  }
  let total = 0;
  let elements = 0;
  for (let n = 0; n < entries; n++) {
    if (offset + 46 > bytes.length || bytes.readUInt32LE(offset) !== 0x02014b50)
      throw new Error("bad ZIP central directory");
    const method = bytes.readUInt16LE(offset + 10);
    let compressed = bytes.readUInt32LE(offset + 20);
    let size = bytes.readUInt32LE(offset + 24);
    const nameLength = bytes.readUInt16LE(offset + 28);
    const extraLength = bytes.readUInt16LE(offset + 30);
    const commentLength = bytes.readUInt16LE(offset + 32);
    let local = bytes.readUInt32LE(offset + 42);
    const name = bytes.toString("latin1", offset + 46, offset + 46 + nameLength);
    if (size === 0xffffffff || compressed === 0xffffffff || local === 0xffffffff)
      ({ size, compressed, local } = zip64Sizes(bytes, offset + 46 + nameLength, extraLength, {
        size,
        compressed,
        local,
      }));
    total += size;
    if (total > MAX_UNCOMPRESSED_BYTES) throw new Error("file too large once uncompressed");
    if (size > RATIO_FROM_BYTES && size > MAX_RATIO * compressed)
      throw new Error("file compressed suspiciously");
    const content = entryContent(bytes, local, compressed, size, method);
    if (content && parts.counted.test(name)) {
      const xml = content.toString("latin1");
      parts.element.lastIndex = 0;
      while (parts.element.exec(xml))
        if (++elements > MAX_ELEMENTS) throw new Error("file has too many rows or cells");
      if (parts.keep) contents.set(name, content);
    }
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return contents;
}

/** The 64-bit sizes of a ZIP64 extra field, in its order: size, compressed size, local header offset. */
function zip64Sizes(
  bytes: Buffer,
  start: number,
  length: number,
  values: { size: number; compressed: number; local: number },
) {
  const out = { ...values };
  for (let p = start; p + 4 <= start + length && p + 4 <= bytes.length; ) {
    const id = bytes.readUInt16LE(p);
    const dataLength = bytes.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const next = () => {
        if (q + 8 > bytes.length) throw new Error("bad ZIP64 extra field");
        const value = Number(bytes.readBigUInt64LE(q));
        q += 8;
        return value;
      };
      if (values.size === 0xffffffff) out.size = next();
      if (values.compressed === 0xffffffff) out.compressed = next();
      if (values.local === 0xffffffff) out.local = next();
      return out;
    }
    p += 4 + dataLength;
  }
  throw new Error("ZIP64 sizes missing");
}

/** An entry's bytes, inflated no further than its declared size (throws if it would grow beyond). */
function entryContent(bytes: Buffer, local: number, compressed: number, size: number, method: number) {
  if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== 0x04034b50) throw new Error("bad ZIP entry");
  const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
  if (start + compressed > bytes.length) throw new Error("truncated ZIP entry");
  const data = bytes.subarray(start, start + compressed);
  if (method === 0) return data;
  // Other methods: exceljs's ZIP reader refuses them itself, and a document without its body is unreadable.
  if (method !== 8) return null;
  return inflateRawSync(data, { maxOutputLength: Math.max(1, size) });
}
