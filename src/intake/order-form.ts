import { parse } from "csv-parse/sync";
import { type Activity, emptyLists, type Field, type FieldLists } from "../engine/types.ts";
import { splitIdentifierList } from "../identifiers/split.ts";
import { fold } from "../text/fold.ts";
import { classifyLabel, readActivity } from "./calculation-parser.ts";
import { docxTables } from "./docx-tables.ts";
import { xlsxSheets } from "./xlsx-sheets.ts";

/**
 * The columns of the order-form table ("1 ligne par établissement et par médecin"), a FINESS
 * juridique (never read: the calculation counts sites), and the web form's own fields
 * ("FINESS radiologie", "AM médecine nucléaire") when a table is laid out like the form.
 */
export type Column = "name" | "finess" | "finessLegal" | "rpps" | "am" | "activity" | Field;

/** Where a table is in its file: a workbook's sheet (null for a CSV file), or a Word document's n-th table. */
export interface TablePlace {
  sheet: string | null;
  table?: number;
}

/** Data rows of one table, as its sheet numbers them (a Word table: counting from its first row). */
export interface SheetRows extends TablePlace {
  rows: number[];
}

/** Columns of one table, named by their letter and header as the sheet shows them. */
export interface SheetColumns extends TablePlace {
  columns: string[];
}

/** What a sheet hides: its row numbers (from 1) and column indexes (from 0). */
export interface HiddenCells {
  rows: ReadonlySet<number>;
  columns: ReadonlySet<number>;
}

const NOTHING_HIDDEN: HiddenCells = { rows: new Set(), columns: new Set() };

/** A column's letter as a spreadsheet shows it: 0 → A, 25 → Z, 26 → AA. */
function columnLetter(index: number): string {
  let letters = "";
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** A table read from an attachment, mapped to the four lists of the web form. */
export interface OrderFormTable {
  lists: FieldLists;
  /** N°AM of the rows marked « mixte », in both AM lists (see CalculationRequest.amOfMixteRows). */
  amOfMixteRows: string[];
  /** Activities named by the rows that carry identifiers. */
  activities: Activity[];
  /** Rows (numbered as the sheet shows them) that carry FINESS or N°AM but no readable activity. */
  rowsWithoutActivity: number[];
  /** Rows naming an establishment or doctor without any readable FINESS or N°AM: not counted. */
  rowsWithoutIdentifier: SheetRows[];
  /**
   * Rows the workbook hides (by hand, or a filter left on) whose numbers were read: counted like the
   * others, since the file holds them, and named in the result so that the sender can tell.
   */
  hiddenRowsRead: SheetRows[];
  /** Likewise the hidden columns that gave numbers, by their letter and header (« D (N° AM) »). */
  hiddenColumnsRead: SheetColumns[];
  /** Several FINESS columns, none of them named géographique: none was read. */
  ambiguousFiness: boolean;
  rows: number;
}

export type OrderFormFormat = "csv" | "xlsx" | "docx";

/**
 * Documents suppliers attach that may hold the order form in a format not read (PDF, legacy or
 * binary Excel, OpenDocument, Numbers): the help reply asks for CSV, XLSX or DOCX.
 */
export const UNREAD_DOCUMENT = /\.(?:pdf|xls|xlsb|ods|doc|odt|numbers)$/i;

/** The order-form format of an attachment from its type and name; null when it is not a table. */
export function orderFormFormat(contentType: string, filename: string | null): OrderFormFormat | null {
  const name = (filename ?? "").toLowerCase();
  const type = contentType.toLowerCase();
  // A macro-enabled workbook is the same format; its macros are never run.
  if (/\.xls[xm]$/.test(name) || type.includes("spreadsheetml.sheet") || type.includes("sheet.macroenabled"))
    return "xlsx";
  if (name.endsWith(".csv") || type === "text/csv" || type === "application/csv") return "csv";
  // The official order-form model is a Word document, its table filled in.
  if (
    /\.doc[xm]$/.test(name) ||
    type.includes("wordprocessingml.document") ||
    type.includes("word.document.macroenabled")
  )
    return "docx";
  return null;
}

const FIELD_COLUMNS = new Set<string>(["finessRadio", "amRadio", "finessMn", "amMn"]);
const isField = (kind: string | null): kind is Field => kind !== null && FIELD_COLUMNS.has(kind);

/** Words that make a FINESS column the site's (ET, EG, géographique) or the legal entity's (EJ). */
const GEOGRAPHIC = new Set(["geographique", "geographiques", "geo", "g", "et", "eg"]);
const LEGAL = new Set(["juridique", "juridiques", "jur", "ej"]);
/** Weaker than the legal words: "FINESS juridique de l'établissement" is the legal entity's. */
const SITE = new Set(["etablissement", "etablissements", "site", "sites"]);
const NAME = new Set(["nom", "raison", "etablissement", "medecin", "praticien", "denomination", "structure"]);

interface ColumnInfo {
  kind: Column;
  /** A FINESS column named géographique (ET, EG, site). */
  geographic: boolean;
}

function readColumn(header: string): ColumnInfo | null {
  // A label is short; a long cell is a note (and bounded text keeps the bracket pattern linear).
  if (header.length > MAX_LABEL) return null;
  const folded = fold(header);
  // A web-form field names an activity ("FINESS radiologie", "AM médecine nucléaire").
  const field = /radi|nuc|mn|med/.test(folded) ? classifyLabel(header) : null;
  if (isField(field)) return { kind: field, geographic: false };
  const words = folded
    .replace(/\(.*?\)/g, " ")
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  // Qualifiers are often in brackets: "FINESS (EJ)", "Géographique (ET)".
  const all = folded.split(/[^a-z0-9]+/).filter(Boolean);
  if (words.some((w) => /^fin+e?s+e?s*$/.test(w))) {
    if (all.some((w) => GEOGRAPHIC.has(w))) return { kind: "finess", geographic: true };
    if (all.some((w) => LEGAL.has(w))) return { kind: "finessLegal", geographic: false };
    return { kind: "finess", geographic: all.some((w) => SITE.has(w)) };
  }
  // Before RPPS: "N° AM / RPPS" holds the N°AM.
  if (words.includes("am") || (words.includes("assurance") && words.includes("maladie")))
    return { kind: "am", geographic: false };
  if (words.includes("rpps")) return { kind: "rpps", geographic: false };
  if (words.some((w) => w.startsWith("activit"))) return { kind: "activity", geographic: false };
  if (words.some((w) => NAME.has(w))) return { kind: "name", geographic: false };
  return null;
}

/** Which column a header cell names (accents, case, "(si médecin libéral)" notes tolerated). */
export function classifyColumn(header: string): Column | null {
  return readColumn(header)?.kind ?? null;
}

// A table of more rows than this is not an order form; stop reading rather than exhaust memory.
const MAX_ROWS = 20_000;
// The order form has five columns: cells far to the right are not part of it.
const MAX_COLUMNS = 100;
/** Where the first header is looked for, and the rows a CSV delimiter is judged on. */
const HEADER_SPAN = 30;
/** A header cell is a label: longer text, or a number, is data or a note. */
const MAX_LABEL = 200;

/** Letters every column name read by readColumn holds (a cheap test before classifying a cell). */
const COLUMN_WORD = /fin|am|a-m|rpps|activ|nom|raison|tabl|decin|praticien|structure|assurance/i;
/**
 * A label cell holding a value ("Établissement : CH X", "N° FINESS juridique : 750000001") is a
 * client block's line, not a header; a label with a note ("Type d'activité : Radiologie / MN /
 * Mixte", "N° AM : plusieurs numéros séparés par ;") is a header, named by what is before the colon.
 */
function headerCell(cell: string): string | null {
  // Digits in a note are an example ("FINESS géographique (9 chiffres, ex. 750100125)").
  const text = cell.replace(/\([^()]*\)/g, " ");
  if (/\d{5}/.test(text)) return null;
  const colon = text.indexOf(":");
  return colon < 0 ? cell : text.slice(0, colon);
}

/** The columns a row names, when it is a table header: two columns at least, one of them an identifier. */
function headerColumns(row: readonly string[]): (ColumnInfo | null)[] | null {
  // Every row is looked at: only the cells that may name a column are classified.
  if (row.filter((cell) => COLUMN_WORD.test(cell)).length < 2) return null;
  let recognised = 0;
  let identifier = false;
  const columns = row.map((cell) => {
    if (!COLUMN_WORD.test(cell) || cell.length > MAX_LABEL) return null;
    const label = headerCell(cell);
    const info = label === null ? null : readColumn(label);
    // A FINESS juridique is the client's, shown above the table: it does not make a header.
    if (info && info.kind !== "finessLegal") {
      recognised++;
      if (info.kind !== "name" && info.kind !== "activity") identifier = true;
    }
    return info;
  });
  return recognised >= 2 && identifier ? columns : null;
}

/** Words of a second header row under a merged "FINESS" or "N° AM" cell. */
const QUALIFIER = new Set([
  ...GEOGRAPHIC,
  ...LEGAL,
  ...SITE,
  "entite",
  "de",
  "du",
  "l",
  "n",
  "no",
  "numero",
  "radiologie",
  "radio",
  "medecine",
  "nucleaire",
  "mn",
]);

/**
 * A header over a second row that qualifies its FINESS or AM cells ("FINESS" merged over
 * "Juridique" / "Géographique"): each column's header text with its qualifier, or null when the
 * row below is not such a row. A cell left empty by the merge takes the header on its left; a cell
 * merged down over both rows (« Nom », « Activité ») repeats its header's text on the second.
 */
function twoRowHeader(header: readonly string[], below: readonly string[] | undefined): string[] | null {
  if (!below?.some((cell) => cell.trim())) return null;
  const merged: string[] = [];
  let left = "";
  let qualified = false;
  for (let c = 0; c < Math.max(header.length, below.length); c++) {
    const top = (header[c] ?? "").trim();
    const sub = (below[c] ?? "").trim();
    const over = top || left;
    if (top) left = top;
    // exceljs gives a merged cell's text to every cell it covers: no qualifier, the header itself.
    if (!sub || fold(sub) === fold(over)) {
      merged.push(top);
      continue;
    }
    if (over.length > MAX_LABEL || sub.length > MAX_LABEL) return null;
    const kind = readColumn(over)?.kind;
    const words = fold(sub)
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
    if (
      (kind === "finess" || kind === "finessLegal" || kind === "am") &&
      words.every((w) => QUALIFIER.has(w))
    ) {
      merged.push(`${over} ${sub}`);
      qualified = true;
    } else if (IN_BRACKETS.test(sub))
      merged.push(top); // "(radiologie, MN ou mixte)" under Activité
    else return null;
  }
  return qualified ? merged : null;
}

/** Where each kind of cell of a table is, once its header is read. */
interface Layout {
  finess: number[];
  am: number[];
  fields: { col: number; field: Field }[];
  names: number[];
  rpps: number[];
  activity: number;
  /** FINESS columns not read because none of them says géographique. */
  ambiguous: number[];
}

function layoutOf(columns: readonly (ColumnInfo | null)[]): Layout {
  const cols = (test: (info: ColumnInfo) => boolean) =>
    columns.flatMap((info, col) => (info && test(info) ? [col] : []));
  const finess = cols((i) => i.kind === "finess");
  const geographic = cols((i) => i.kind === "finess" && i.geographic);
  // Géographique wins over a plain "FINESS"; two plain ones are not guessed between.
  const read = geographic.length > 0 ? geographic : finess.length === 1 ? finess : [];
  return {
    finess: read,
    am: cols((i) => i.kind === "am"),
    fields: columns.flatMap((info, col) => (info && isField(info.kind) ? [{ col, field: info.kind }] : [])),
    names: cols((i) => i.kind === "name"),
    rpps: cols((i) => i.kind === "rpps"),
    activity: cols((i) => i.kind === "activity")[0] ?? -1,
    ambiguous: read.length === 0 && finess.length > 1 ? finess : [],
  };
}

/** Excel's error values, as the workbook stores them and as its CSV export writes them. */
const EXCEL_ERROR =
  /^#(?:N\/A|NA|REF!|VALUE!|VALEUR!|DIV\/0!|NAME\?|NOM\?|NUM!|NOMBRE!|NULL!|NUL!|SPILL!|PROPAGATION!|CALC!|GETTING_DATA)$/i;
/** A date as a cell shows it: never an identifier. */
const DATE_TEXT = /^(?:\d{1,2}\/\d{1,2}\/\d{2,4}|\d{4}-\d{2}-\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/;
/** How a cell lists several numbers besides `;`, `,`, spaces and line breaks. */
const CELL_SEPARATORS = /[/|&+]|\s(?:et|ou|and|puis)\s/i;

/**
 * A number as Excel's « # ##0 » format writes it, groups of three after a space, a no-break space
 * or a narrow one: of 8 digits (its leading zero dropped, "10 262 509") or with decimals
 * ("920 000 650,00"). Nine digits alone ("920 000 650") read as typed already.
 */
const THOUSANDS = /^(?:\d{2}(?:[ \u00a0\u202f]\d{3}){2}|\d{1,3}(?:[ \u00a0\u202f]\d{3}){2}[.,]0{1,4})$/;

/** A number as Excel writes it into text: "920000650,00", "9,2E+08" (a narrow column's display), "10 262 509". */
function excelNumber(text: string): string {
  // Else its groups are split apart: "10 262 509" gave three numbers instead of 010262509.
  const cell = THOUSANDS.test(text) ? text.replace(/[ \u00a0\u202f]/g, "") : text;
  const decimal = /^(\d+)[.,]0{1,4}$/.exec(cell);
  if (decimal) return decimal[1]!;
  const scientific = /^(\d)(?:[.,](\d{1,14}))?E\+?(\d{1,2})$/i.exec(cell);
  if (!scientific) return cell;
  const digits = scientific[1]! + (scientific[2] ?? "");
  const zeros = Number(scientific[3]) - (scientific[2]?.length ?? 0);
  return zeros >= 0 ? digits + "0".repeat(zeros) : cell;
}

/**
 * The identifiers of a table cell. An identifier cell of 8 digits gets back the leading zero Excel
 * drops from FINESS and N°AM of departments 01–09 typed as numbers (in the sheet, and in its CSV
 * export, which writes such a cell as its digits). Words without a digit ("RPPS", "néant", #N/A)
 * are not identifiers.
 */
function identifiersOf(raw: string): string[] {
  // ="010262509": how some exports keep a leading zero; any other formula is not a value.
  const cell = excelNumber(raw.trim().replace(/^="(.*)"$/s, "$1"));
  if (!cell || EXCEL_ERROR.test(cell) || DATE_TEXT.test(cell) || cell.startsWith("=")) return [];
  if (/^\d{8}$/.test(cell)) return [`0${cell}`];
  return cell
    .split(CELL_SEPARATORS)
    .flatMap((piece) => splitIdentifierList(piece))
    .filter((token) => /\p{N}/u.test(token));
}

/** A cell saying there is no number (yet): « néant », « AM en cours d'attribution », « pas de FINESS ». */
const NONE_YET =
  /^(?:(?:n°\s*)?(?:am|finess|rpps)\s+)?(?:neant|aucun\w*|sans\b.*|pas (?:de\b|d').*|en cours\b.*|en attente\b.*|a venir|non attribue\w*|n\/?a|nc)\.?$/;
// Counts under the table (« Nombre de sites : 2 ») are totals too: their « 2 » is no FINESS.
const TOTAL_ROW = /^(?:sous[- ]?)?tota(?:l|ux)\b|^(?:nombre|nb\.?)(?:\s+total)?\s+(?:de|d|des)\b/;
const EXAMPLE_ROW = /^(?:exemples?|examples?|ex\s*[:.])/;
const IN_BRACKETS = /^\(.*\)$/s;

/** A totals line, a filled-in example or a line of instructions under the header: not a row to read. */
function isNotARow(cells: readonly string[]): boolean {
  const filled = cells.map((c) => c.trim()).filter(Boolean);
  const first = fold(filled[0] ?? "");
  const instructions = filled.every((c) => IN_BRACKETS.test(c)) && !filled.some((c) => /\d{5}/.test(c));
  return TOTAL_ROW.test(first) || EXAMPLE_ROW.test(first) || instructions;
}

const emptyTable = (): OrderFormTable => ({
  lists: emptyLists(),
  amOfMixteRows: [],
  activities: [],
  rowsWithoutActivity: [],
  rowsWithoutIdentifier: [],
  hiddenRowsRead: [],
  hiddenColumnsRead: [],
  ambiguousFiness: false,
  rows: 0,
});

/**
 * Whether row i may be the header of a second table: set apart (a blank row or a title above it)
 * and without a digit. A data row such as « Dr Y | pas de FINESS | | AM en cours | radiologie »
 * names columns too, but follows the rows above it.
 */
function startsTable(rows: readonly string[][], i: number): boolean {
  const above = rows[i - 1] ?? [];
  return above.filter((cell) => cell.trim()).length <= 1 && !rows[i]!.some((cell) => /\d/.test(cell));
}

function sameCells(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.max(a.length, b.length);
  for (let c = 0; c < n; c++) if ((a[c] ?? "").trim() !== (b[c] ?? "").trim()) return false;
  return n > 0;
}

/** Where the first header is, among the first rows that are not empty; -1 when there is none. */
function firstHeader(rows: readonly string[][]): number {
  let filled = 0;
  for (let i = 0; i < rows.length && filled < HEADER_SPAN; i++) {
    if (!rows[i]!.some((cell) => cell.trim())) continue;
    filled++;
    if (headerColumns(rows[i]!)) return i;
  }
  return -1;
}

/**
 * Maps table rows (`rows[i]` is the sheet's row i + 1) to the four lists. A column of one of the
 * web form's fields goes to that field. A FINESS géographique or N°AM column goes to the list of
 * its row's activity (both for `mixte`), N°AM likewise (a doctor is radiologist or nuclear
 * physician; `mixte` puts them in both and the engine judges each in their own activity's field
 * only). A row without a readable activity takes the one the sender stated in the message, else it
 * is reported; a row naming someone without any readable FINESS or N°AM is reported too. A later
 * header row starts another table, with its own columns.
 */
export function readOrderFormRows(
  rows: readonly string[][],
  statedActivity: Activity | null,
  place: TablePlace = { sheet: null },
  hidden: HiddenCells = NOTHING_HIDDEN,
): OrderFormTable | null {
  const first = firstHeader(rows);
  if (first < 0) return null;
  const table = emptyTable();
  const withoutIdentifier: number[] = [];
  const hiddenRead: number[] = [];
  /** Hidden identifier columns that gave numbers, with their name at the time. */
  const hiddenColumnsRead = new Map<number, string>();
  const seen = new Set<Activity>();
  let layout: Layout | null = null;
  let headerRow: readonly string[] | null = null;
  const end = Math.min(rows.length, first + 1 + MAX_ROWS);
  for (let i = first; i < end; i++) {
    const row = rows[i]!;
    const header = i === first || startsTable(rows, i) ? headerColumns(row) : null;
    // The header repeated (a table pasted page after page) is not a row of the table.
    if (!header && headerRow && sameCells(row, headerRow)) continue;
    if (header) {
      headerRow = row;
      const twoRows = twoRowHeader(row, rows[i + 1]);
      layout = layoutOf(twoRows ? twoRows.map(readColumn) : header);
      if (twoRows) i++;
      continue;
    }
    if (!layout || !row.some((cell) => cell.trim()) || isNotARow(row)) continue;
    const cell = (col: number) => (row[col] ?? "").trim();
    const finess = layout.finess.flatMap((col) => identifiersOf(cell(col)));
    const am = layout.am.flatMap((col) => identifiersOf(cell(col)));
    const fields = layout.fields.map(({ col, field }) => ({ field, ids: identifiersOf(cell(col)) }));
    const activityCell = layout.activity >= 0 ? cell(layout.activity) : "";
    if (finess.length + am.length + fields.reduce((n, f) => n + f.ids.length, 0) === 0) {
      if (layout.ambiguous.some((col) => cell(col))) table.ambiguousFiness = true;
      else if (namesSomeone(row, layout, activityCell)) withoutIdentifier.push(i + 1);
      continue;
    }
    table.rows++;
    if (hidden.rows.has(i + 1)) hiddenRead.push(i + 1);
    for (const col of [...layout.finess, ...layout.am, ...layout.fields.map((f) => f.col)]) {
      if (!hidden.columns.has(col) || hiddenColumnsRead.has(col) || !identifiersOf(cell(col)).length)
        continue;
      const title = (headerRow?.[col] ?? "").replace(/\s+/g, " ").trim().slice(0, 60);
      hiddenColumnsRead.set(col, title ? `${columnLetter(col)} (${title})` : columnLetter(col));
    }
    for (const { field, ids } of fields) table.lists[field].push(...ids);
    if (layout.ambiguous.some((col) => cell(col))) table.ambiguousFiness = true;
    if (finess.length + am.length === 0) continue;
    const activity = readActivity(activityCell) ?? statedActivity;
    if (!activity) {
      table.rowsWithoutActivity.push(i + 1);
      continue;
    }
    seen.add(activity);
    if (activity === "mixte") table.amOfMixteRows.push(...am);
    if (activity !== "medecine-nucleaire") {
      table.lists.finessRadio.push(...finess);
      table.lists.amRadio.push(...am);
    }
    if (activity !== "radiologie") {
      table.lists.finessMn.push(...finess);
      table.lists.amMn.push(...am);
    }
  }
  table.activities = [...seen];
  if (withoutIdentifier.length > 0) table.rowsWithoutIdentifier.push({ ...place, rows: withoutIdentifier });
  if (hiddenRead.length > 0) table.hiddenRowsRead.push({ ...place, rows: hiddenRead });
  if (hiddenColumnsRead.size > 0)
    table.hiddenColumnsRead.push({
      ...place,
      columns: [...hiddenColumnsRead].sort((a, b) => a[0] - b[0]).map(([, name]) => name),
    });
  return table;
}

/**
 * A row without identifiers that still lists an establishment or doctor: an RPPS, or a name or an
 * activity beside an identifier cell that cannot be read (#N/A, a formula without result, a date).
 * A name alone is as likely a section title or a note under the table, and an activity alone a
 * choice dragged past the last row: neither is reported.
 */
function namesSomeone(row: readonly string[], layout: Layout, activityCell: string): boolean {
  const cell = (col: number) => (row[col] ?? "").trim();
  const filled = (col: number) =>
    cell(col) !== "" && !EXCEL_ERROR.test(cell(col)) && !cell(col).startsWith("=");
  const identifierCells = [...layout.finess, ...layout.am, ...layout.fields.map((f) => f.col)];
  const written = identifierCells.map(cell).filter(Boolean);
  // The sender says there is none yet (« AM en cours d'attribution », « néant »): not an oversight.
  if (written.length > 0 && written.every((text) => NONE_YET.test(fold(text)))) return false;
  const unreadable = written.length > 0;
  const named = layout.names.some(filled);
  const activity = readActivity(activityCell) !== null;
  return (
    layout.rpps.some((col) => /\d/.test(cell(col))) ||
    ((named || activity) && unreadable) ||
    (named && activity)
  );
}

/** UTF-16 with its BOM (Excel's "Texte Unicode"), UTF-8 when valid (BOM dropped), else Windows-1252. */
function decodeText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}

const DELIMITERS = [";", ",", "\t"];

function parseCsv(text: string, delimiter: string, records: number): string[][] {
  const rows = parse(text, {
    delimiter,
    relax_column_count: true,
    relax_quotes: true,
    // Blank lines are kept so that rows keep the numbers a spreadsheet shows them with.
    skip_empty_lines: false,
    to: records,
  }) as string[][];
  return rows.map((row) => (row.length > MAX_COLUMNS ? row.slice(0, MAX_COLUMNS) : row));
}

/**
 * The delimiter under which the first records hold an order-form header, the best recognised one
 * if several do; else the most frequent one on the first line. A title line, a quoted multi-line
 * header cell or commas inside `;`-separated headers mislead a count on the first line alone.
 */
function csvDelimiter(text: string): string {
  const firstLine = text.slice(0, 4000).split(/\r\n|\r|\n/)[0] ?? "";
  const byFirstLine = DELIMITERS.map((d) => ({ d, n: firstLine.split(d).length })).sort((a, b) => b.n - a.n);
  const start = text.slice(0, 64 * 1024);
  let best: { d: string; score: number } | null = null;
  for (const { d } of byFirstLine) {
    let rows: string[][];
    try {
      rows = parseCsv(start, d, 4 * HEADER_SPAN);
    } catch {
      continue;
    }
    const header = rows[firstHeader(rows)];
    if (!header) continue;
    const recognised = headerColumns(header)!.filter(Boolean).length;
    const score = 2 * recognised - (header.filter((c) => c.trim()).length - recognised);
    if (!best || score > best.score) best = { d, score };
  }
  return best?.d ?? byFirstLine[0]!.d;
}

/** Rows of a CSV file, its delimiter (`;`, `,` or tab) found by where an order-form header reads. */
export function csvRows(bytes: Buffer): string[][] {
  const text = decodeText(bytes);
  return parseCsv(text, csvDelimiter(text), MAX_ROWS + HEADER_SPAN);
}

/** A template sheet: read only when no other sheet holds the table (suppliers may fill it in). */
const TEMPLATE_SHEET = /^(?:modeles?|templates?)\b/;

/** Adds the lists and reports of one sheet's table to those of the file. */
function addTable(into: OrderFormTable, table: OrderFormTable): void {
  for (const field of ["amRadio", "finessRadio", "amMn", "finessMn"] as const)
    into.lists[field].push(...table.lists[field]);
  into.amOfMixteRows.push(...table.amOfMixteRows);
  into.activities = [...new Set([...into.activities, ...table.activities])];
  into.rowsWithoutActivity.push(...table.rowsWithoutActivity);
  into.rowsWithoutIdentifier.push(...table.rowsWithoutIdentifier);
  into.hiddenRowsRead.push(...table.hiddenRowsRead);
  into.hiddenColumnsRead.push(...table.hiddenColumnsRead);
  into.ambiguousFiness ||= table.ambiguousFiness;
  into.rows += table.rows;
}

const holdsSomething = (t: OrderFormTable | null): t is OrderFormTable =>
  t !== null && (t.rows > 0 || t.rowsWithoutIdentifier.length > 0 || t.ambiguousFiness);

/** A file's tables, each with its place in the file. */
async function tablesOf(
  bytes: Buffer,
  format: OrderFormFormat,
): Promise<{ name: string; place: TablePlace; rows: string[][]; hidden: HiddenCells }[]> {
  const limits = { rows: MAX_ROWS + HEADER_SPAN, columns: MAX_COLUMNS };
  const none = NOTHING_HIDDEN;
  if (format === "csv") return [{ name: "", place: { sheet: null }, rows: csvRows(bytes), hidden: none }];
  if (format === "docx")
    return docxTables(bytes, limits).map(({ number, rows }) => ({
      name: "",
      place: { sheet: null, table: number },
      rows,
      hidden: none,
    }));
  return (await xlsxSheets(bytes, limits)).map(({ name, rows, hiddenRows, hiddenColumns }) => ({
    name,
    place: { sheet: name },
    rows,
    hidden: { rows: new Set(hiddenRows), columns: new Set(hiddenColumns) },
  }));
}

/**
 * Reads an order-form attachment: the tables of every sheet read together (establishments on one,
 * doctors on another), or of every table of a Word document (one per client in the official
 * model). Null when it opens but holds no order-form table; throws when it cannot be opened (a
 * corrupt file, a decompression bomb).
 */
export async function readOrderForm(
  bytes: Buffer,
  format: OrderFormFormat,
  statedActivity: Activity | null,
): Promise<OrderFormTable | null> {
  const sheets = await tablesOf(bytes, format);
  const read = (template: boolean) =>
    sheets
      .filter((sheet) => TEMPLATE_SHEET.test(fold(sheet.name)) === template)
      .map((sheet) => readOrderFormRows(sheet.rows, statedActivity, sheet.place, sheet.hidden))
      .filter(holdsSomething);
  let tables = read(false);
  if (tables.length === 0) tables = read(true);
  if (tables.length === 0) return null;
  const file = emptyTable();
  for (const table of tables) addTable(file, table);
  return file;
}
