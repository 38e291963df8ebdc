import { SaxesParser, type SaxesTagPlain } from "saxes";
import { checkOfficeZip, DOCUMENT_PARTS } from "./office-zip.ts";

/** One table of a Word document: `rows[i]` is its row i + 1, counting the header. */
export interface DocumentTable {
  /** Its place among the document's tables (1 for the first). */
  number: number;
  rows: string[][];
}

const localName = (name: string) => name.slice(name.indexOf(":") + 1);

/** An attribute by its local name: the WordprocessingML prefix is usually, not necessarily, `w`. */
function attribute(tag: SaxesTagPlain, name: string): string {
  for (const [key, value] of Object.entries(tag.attributes)) if (localName(key) === name) return value;
  return "";
}

/**
 * Text a reader of the document does not see as its content: the fallback copy of a drawing for old
 * readers (its text already read once), text moved away or deleted under track changes (a FINESS
 * moved from a radiology row to a nuclear-medicine one must count once), text boxes (a stamp, a
 * note) anchored in a cell.
 */
const UNREAD = new Set(["Fallback", "moveFrom", "del", "txbxContent"]);

/** w:val values that turn a toggle property off (`<w:vanish w:val="0"/>`). */
const OFF = new Set(["0", "false", "off"]);

/** Count of grid columns a w:val gives, within 0…max. */
const gridCount = (value: string, max: number) => Math.min(Math.max(Number.parseInt(value, 10) || 0, 0), max);

interface Cell {
  text: string;
  /** Grid columns it covers (w:gridSpan). */
  span: number;
  /** "restart" opens a vertically merged cell, "continue" is covered by the one above (w:vMerge). */
  merge: "restart" | "continue" | null;
}

/** A table being read: its rows so far, the row and cell open in it. */
interface OpenTable {
  number: number;
  rows: string[][];
  row: Cell[] | null;
  cell: Cell | null;
  gridBefore: number;
  /** Text of the cell each grid column's vertical merge started with. */
  merged: string[];
}

/**
 * The tables of a Word document (.docx, the official order-form model), as rows of cell text:
 * paragraphs and line breaks in a cell become line breaks, a cell merged across columns is
 * followed by empty cells so that the columns line up, and a cell merged down over several rows
 * (an activity written once for a group of rows) gives its text to each of them. A table nested in
 * a cell (a layout frame around the real one) is a table of its own, numbered where it starts, and
 * no text of its cell. Revisions deleted or moved away, field codes, hidden text, text boxes,
 * placeholders of empty content controls and the fallback copy of drawings are not text. Throws
 * when the file is not a readable Word document.
 */
export function docxTables(bytes: Buffer, limits: { rows: number; columns: number }): DocumentTable[] {
  const body = checkOfficeZip(bytes, DOCUMENT_PARTS).values().next().value;
  if (!body) throw new Error("no document body");
  const done: DocumentTable[] = [];
  const open: OpenTable[] = [];
  let count = 0;
  let inText = false;
  // Depth inside text that is not the document's (see UNREAD), and inside a content control
  // showing its placeholder (« Cliquez ou appuyez ici pour entrer du texte »).
  let unread = 0;
  const controls: boolean[] = [];
  // The run being read is hidden (w:vanish in its properties).
  let hidden = false;
  const parser = new SaxesParser();
  parser.on("opentag", (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    if (UNREAD.has(name)) unread++;
    if (name === "sdt") controls.push(false);
    else if (name === "showingPlcHdr" && controls.length) controls[controls.length - 1] = true;
    else if (name === "sdtContent" && controls.at(-1)) unread++;
    if (unread > 0) return;
    if (name === "r") hidden = false;
    else if (name === "vanish") hidden = !OFF.has(attribute(tag, "val"));
    if (name === "tbl") {
      open.push({ number: ++count, rows: [], row: null, cell: null, gridBefore: 0, merged: [] });
      return;
    }
    const table = open.at(-1);
    if (!table) return;
    const { cell } = table;
    if (name === "tr") {
      table.row = [];
      table.gridBefore = 0;
    } else if (name === "gridBefore" && table.row && !cell) {
      table.gridBefore = gridCount(attribute(tag, "val"), limits.columns);
    } else if (name === "tc" && table.row) {
      table.cell = { text: "", span: 1, merge: null };
    } else if (!cell) {
      return;
    } else if (name === "gridSpan") {
      cell.span = Math.max(gridCount(attribute(tag, "val"), limits.columns), 1);
    } else if (name === "vMerge") {
      cell.merge = attribute(tag, "val") === "restart" ? "restart" : "continue";
    } else if (name === "t") {
      inText = true;
    } else if (name === "tab" || name === "br" || name === "cr") {
      cell.text += name === "tab" ? " " : "\n";
    }
  });
  parser.on("text", (text: string) => {
    const cell = open.at(-1)?.cell;
    if (inText && cell && unread === 0 && !hidden) cell.text += text;
  });
  parser.on("closetag", (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    const wasUnread = unread > 0;
    if (UNREAD.has(name)) unread--;
    if (name === "sdtContent" && controls.at(-1)) unread--;
    else if (name === "sdt") controls.pop();
    if (wasUnread) return;
    if (name === "r") hidden = false;
    const table = open.at(-1);
    if (!table) return;
    if (name === "t") inText = false;
    else if (name === "p" && table.cell) table.cell.text += "\n";
    else if (name === "tc" && table.row && table.cell) {
      table.row.push(table.cell);
      table.cell = null;
    } else if (name === "tr" && table.row) {
      if (table.rows.length < limits.rows)
        table.rows.push(lineUp(table.row, table.gridBefore, table.merged, limits.columns));
      table.row = null;
    } else if (name === "tbl") {
      open.pop();
      done.push({ number: table.number, rows: table.rows });
    }
  });
  parser.write(body.toString("utf8")).close();
  return done.sort((a, b) => a.number - b.number);
}

/** A row's cells in grid columns; a vertically merged cell takes the text of the one it continues. */
function lineUp(cells: readonly Cell[], gridBefore: number, merged: string[], columns: number): string[] {
  const out: string[] = Array(gridBefore).fill("");
  for (const cell of cells) {
    if (out.length >= columns) break;
    const column = out.length;
    const text = cell.text.replace(/\s+$/, "").replace(/^\s+/, "");
    if (cell.merge === "restart") merged[column] = text;
    else if (cell.merge === null) merged[column] = "";
    out.push(cell.merge === "continue" ? (merged[column] ?? "") : text);
    for (let i = 1; i < cell.span && out.length < columns; i++) out.push("");
  }
  return out;
}
