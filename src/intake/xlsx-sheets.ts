import type ExcelJS from "exceljs";
import { fold } from "../text/fold.ts";
import { checkOfficeZip, WORKBOOK_PARTS } from "./office-zip.ts";

/** One worksheet's rows: `rows[i]` is the sheet's row i + 1 (an empty row is an empty array). */
export interface Sheet {
  name: string;
  rows: string[][];
  /** Numbers of the rows read that the sheet hides (by hand or by a filter), in order. */
  hiddenRows: number[];
  /** Indexes (from 0, as in `rows[i]`) of the columns read that the sheet hides, in order. */
  hiddenColumns: number[];
}

/** Sheets that show how to fill the form, never the order itself. */
const EXAMPLE_SHEET = /^(?:exemples?|examples?|notice|instructions?|mode d'emploi|lisez[- ]moi|read ?me)\b/;

/** A date as a French spreadsheet shows it (exceljs gives them in UTC). */
function dateText(date: Date): string {
  if (Number.isNaN(date.getTime())) return "";
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getUTCDate())}/${two(date.getUTCMonth() + 1)}/${date.getUTCFullYear()}`;
}

/**
 * Text of a cell value as the sender sees it, whatever exceljs wraps it in (rich text, a hyperlink
 * over a number or rich text, a formula's cached result, an error): a number as its digits (see
 * identifiersOf), an error as Excel writes it (#N/A), a formula without result as "=".
 */
function valueText(value: unknown, depth = 0): string {
  if (value === null || value === undefined || depth > 4) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return "";
    // 920000650.0000001: a float's noise, not a typed decimal.
    const whole = Math.round(value);
    return Math.abs(value - whole) < 1e-6 ? String(whole) : String(value);
  }
  if (typeof value === "boolean") return String(value);
  if (value instanceof Date) return dateText(value);
  if (typeof value !== "object") return "";
  const v = value as Record<string, unknown>;
  if ("error" in v) return String(v.error ?? "");
  if (Array.isArray(v.richText))
    return v.richText.map((run) => valueText((run as { text?: unknown })?.text, depth + 1)).join("");
  if ("formula" in v || "sharedFormula" in v)
    return v.result === undefined || v.result === null ? "=" : valueText(v.result, depth + 1);
  if ("text" in v) return valueText(v.text, depth + 1);
  return "";
}

const cellText = (cell: ExcelJS.Cell | undefined): string => (cell ? valueText(cell.value) : "");

/** Rows of the visible worksheets of an XLSX workbook, in order, example and instruction sheets left out. */
export async function xlsxSheets(bytes: Buffer, limits: { rows: number; columns: number }): Promise<Sheet[]> {
  checkOfficeZip(bytes, WORKBOOK_PARTS);
  // Loaded on the first XLSX attachment only: exceljs costs ~45 MB resident.
  const { default: Excel } = await import("exceljs");
  const workbook = new Excel.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheets = workbook.worksheets.filter(
    (sheet) =>
      sheet.state !== "hidden" && sheet.state !== "veryHidden" && !EXAMPLE_SHEET.test(fold(sheet.name)),
  );
  return sheets.map((sheet) => {
    const rows: string[][] = [];
    const hiddenRows: number[] = [];
    const last = Math.min(sheet.rowCount, limits.rows);
    for (let r = 1; r <= last; r++) {
      const row = sheet.findRow(r);
      if (row?.hidden) hiddenRows.push(r);
      const cells: string[] = [];
      for (let c = 1; row && c <= Math.min(row.cellCount, limits.columns); c++)
        cells.push(cellText(row.findCell(c)));
      rows.push(cells);
    }
    const hiddenColumns: number[] = [];
    for (let c = 1; c <= Math.min(sheet.columnCount, limits.columns); c++)
      if (sheet.getColumn(c).hidden) hiddenColumns.push(c - 1);
    return { name: sheet.name, rows, hiddenRows, hiddenColumns };
  });
}
