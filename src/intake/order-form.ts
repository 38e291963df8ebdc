import { parse } from "csv-parse/sync";
import type ExcelJS from "exceljs";
import type { Activity, FieldLists } from "../engine/types.ts";
import { splitIdentifierList } from "../identifiers/split.ts";
import { fold, readActivity } from "./calculation-parser.ts";

/** The columns of the order-form table ("1 ligne par établissement et par médecin"). */
type Column = "name" | "finess" | "rpps" | "am" | "activity";

/** A table read from an attachment, mapped to the four lists of the web form. */
export interface OrderFormTable {
  lists: FieldLists;
  /** N°AM of the rows marked « mixte », in both AM lists (see CalculationRequest.amOfMixteRows). */
  amOfMixteRows: string[];
  /** Activities named by the rows that carry identifiers. */
  activities: Activity[];
  /** Data rows (1-based, header excluded) that carry identifiers but no readable activity. */
  rowsWithoutActivity: number[];
  rows: number;
}

export type OrderFormFormat = "csv" | "xlsx";

/** The order-form format of an attachment from its type and name; null when it is not a table. */
export function orderFormFormat(contentType: string, filename: string | null): OrderFormFormat | null {
  const name = (filename ?? "").toLowerCase();
  const type = contentType.toLowerCase();
  if (name.endsWith(".xlsx") || type.includes("spreadsheetml.sheet")) return "xlsx";
  if (name.endsWith(".csv") || type === "text/csv" || type === "application/csv") return "csv";
  return null;
}

/** Which column a header cell names (accents, case, "(si médecin libéral)" notes tolerated). */
export function classifyColumn(header: string): Column | null {
  const words = fold(header)
    .replace(/\(.*?\)/g, " ")
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.some((w) => /^fin+e?s+e?s*$/.test(w))) return "finess";
  if (words.includes("rpps")) return "rpps";
  if (words.some((w) => w.startsWith("activit"))) return "activity";
  if (words.includes("am") || (words.includes("assurance") && words.includes("maladie"))) return "am";
  if (words.includes("nom") || words.includes("raison") || words.includes("etablissement")) return "name";
  return null;
}

// A table of more rows than this is not an order form; stop reading rather than exhaust memory.
const MAX_ROWS = 20_000;

/**
 * Maps table rows to the four lists: a FINESS goes to the list of its row's activity (both for
 * `mixte`), N°AM likewise (a doctor is radiologist or nuclear physician; `mixte` puts them in both
 * and the engine judges each in their own activity's field only). A row without a readable activity takes the one the
 * sender stated in the message, else it is reported. An identifier cell of 8 digits gets back the
 * leading zero Excel drops from FINESS and N°AM of departments 01–09 typed as numbers (in the
 * sheet, and in its CSV export, which writes such a cell as its digits).
 */
export function readOrderFormRows(
  rows: readonly string[][],
  statedActivity: Activity | null,
): OrderFormTable | null {
  const headerIndex = rows.slice(0, 30).findIndex((row) => {
    const columns = row.map(classifyColumn);
    return (
      (columns.includes("finess") || columns.includes("am")) && new Set(columns.filter(Boolean)).size >= 2
    );
  });
  if (headerIndex < 0) return null;
  const header = rows[headerIndex]!.map(classifyColumn);
  const column = (kind: Column) => header.indexOf(kind);
  const [finessCol, amCol, activityCol] = [column("finess"), column("am"), column("activity")];
  const table: OrderFormTable = {
    lists: { amRadio: [], finessRadio: [], amMn: [], finessMn: [] },
    amOfMixteRows: [],
    activities: [],
    rowsWithoutActivity: [],
    rows: 0,
  };
  const seen = new Set<Activity>();
  const data = rows.slice(headerIndex + 1, headerIndex + 1 + MAX_ROWS);
  const identifiers = (col: number, row: readonly string[]) => {
    if (col < 0) return [];
    const cell = row[col] ?? "";
    if (/^\s*\d{8}\s*$/.test(cell)) return [`0${cell.trim()}`];
    return splitIdentifierList(cell);
  };
  data.forEach((row, index) => {
    const finess = identifiers(finessCol, row);
    const am = identifiers(amCol, row);
    if (finess.length === 0 && am.length === 0) return;
    table.rows++;
    const activity = (activityCol >= 0 ? readActivity(row[activityCol] ?? "") : null) ?? statedActivity;
    if (!activity) {
      table.rowsWithoutActivity.push(index + 1);
      return;
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
  });
  table.activities = [...seen];
  return table;
}

/** UTF-8 when the bytes are valid UTF-8 (BOM dropped), else Windows-1252 (Excel's French CSV export). */
function decodeText(bytes: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}

/** Rows of a CSV file whose delimiter (`;`, `,` or tab) is the most frequent one on its first line. */
export function csvRows(bytes: Buffer): string[][] {
  const text = decodeText(bytes);
  const firstLine = text.slice(0, 4000).split(/\r?\n/)[0] ?? "";
  const delimiter = [";", ",", "\t"]
    .map((d) => ({ d, n: firstLine.split(d).length }))
    .sort((a, b) => b.n - a.n)[0]!.d;
  return parse(text, {
    delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    to_line: MAX_ROWS + 30,
  }) as string[][];
}

/** Text of a cell as the sender sees it (a number as its digits: see readOrderFormRows for identifiers). */
function cellText(cell: ExcelJS.Cell): string {
  const value = cell.value;
  if (typeof value === "number") return String(value);
  if (value && typeof value === "object" && "richText" in value)
    return value.richText.map((r) => r.text).join("");
  if (value && typeof value === "object" && "result" in value) return String(value.result ?? "");
  return cell.text ?? "";
}

/** Rows of every worksheet of an XLSX workbook, first sheet first. */
export async function xlsxSheets(bytes: Buffer): Promise<string[][][]> {
  // Loaded on the first XLSX attachment only: exceljs costs ~45 MB resident.
  const { default: Excel } = await import("exceljs");
  const workbook = new Excel.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook.worksheets.map((sheet) => {
    const rows: string[][] = [];
    sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      if (rowNumber > MAX_ROWS + 30) return;
      const cells: string[] = [];
      row.eachCell({ includeEmpty: true }, (cell, col) => {
        cells[col - 1] = cellText(cell);
      });
      rows.push(Array.from(cells, (c) => c ?? ""));
    });
    return rows;
  });
}

/** Reads an order-form attachment; null when it holds no recognisable table. Throws on a corrupt file. */
export async function readOrderForm(
  bytes: Buffer,
  format: OrderFormFormat,
  statedActivity: Activity | null,
): Promise<OrderFormTable | null> {
  const sheets = format === "csv" ? [csvRows(bytes)] : await xlsxSheets(bytes);
  for (const rows of sheets) {
    const table = readOrderFormRows(rows, statedActivity);
    if (table && table.rows > 0) return table;
  }
  return null;
}
