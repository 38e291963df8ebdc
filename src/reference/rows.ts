import { isWellFormedFiness } from "../identifiers/finess.ts";
import { normaliseIdentifier } from "../identifiers/normalise.ts";

/** Expected header of each reference file, in order. */
export const FINESS_COLUMNS = [
  "finess",
  "raison_sociale",
  "examens_radiologie",
  "examens_medecine_nucleaire",
] as const;
export const AM_COLUMNS = ["numero_am", "activite", "actes"] as const;

/** Largest count a row may hold (the database column is a 32-bit integer). */
const MAX_COUNT = 2_147_483_647;

export interface FinessRow {
  finess: string;
  name: string;
  radiology: number;
  nuclear: number;
  /** Imported all the same (the data is authoritative), but counted in a warning. */
  failsFormatCheck: boolean;
}

export interface AmRow {
  am: string;
  activity: "radiologie" | "medecine_nucleaire";
  acts: number;
}

export type RowResult<T> = { row: T } | { error: string };

/** Checks a header row; returns a French message naming what differs, or null when it matches. */
export function checkHeader(header: string[], expected: readonly string[]): string | null {
  const got = header.map((cell) => cell.trim().toLowerCase());
  if (got.length === expected.length && got.every((cell, i) => cell === expected[i])) return null;
  return `en-tête attendu « ${expected.join(";")} », trouvé « ${header.join(";")} »`;
}

export function parseFinessRow(cells: string[]): RowResult<FinessRow> {
  if (cells.length !== FINESS_COLUMNS.length) {
    return { error: `${cells.length} colonne(s) au lieu de ${FINESS_COLUMNS.length}` };
  }
  const [rawFiness = "", name = "", rawRadiology = "", rawNuclear = ""] = cells;
  const finess = normaliseIdentifier(rawFiness);
  if (!/^[A-Z0-9]{9}$/.test(finess))
    return { error: `FINESS « ${rawFiness} » : 9 lettres ou chiffres attendus` };
  const radiology = parseCount(rawRadiology, "examens_radiologie");
  if (typeof radiology === "string") return { error: radiology };
  const nuclear = parseCount(rawNuclear, "examens_medecine_nucleaire");
  if (typeof nuclear === "string") return { error: nuclear };
  return {
    row: { finess, name: name.trim(), radiology, nuclear, failsFormatCheck: !isWellFormedFiness(finess) },
  };
}

export function parseAmRow(cells: string[]): RowResult<AmRow> {
  if (cells.length !== AM_COLUMNS.length) {
    return { error: `${cells.length} colonne(s) au lieu de ${AM_COLUMNS.length}` };
  }
  const [rawAm = "", rawActivity = "", rawActs = ""] = cells;
  const am = normaliseIdentifier(rawAm);
  if (!/^[A-Z0-9]{9}$/.test(am)) return { error: `N°AM « ${rawAm} » : 9 lettres ou chiffres attendus` };
  const activity = parseActivity(rawActivity);
  if (!activity) {
    return { error: `activite « ${rawActivity} » : « radiologie » ou « medecine_nucleaire » attendu` };
  }
  const acts = parseCount(rawActs, "actes");
  if (typeof acts === "string") return { error: acts };
  return { row: { am, activity, acts } };
}

/** An empty count is 0; anything else must be a non-negative integer written in digits. */
function parseCount(raw: string, column: string): number | string {
  const text = raw.trim();
  if (text === "") return 0;
  if (!/^\d+$/.test(text)) return `${column} « ${raw} » : entier positif ou nul attendu`;
  const value = Number(text);
  return value <= MAX_COUNT ? value : `${column} « ${raw} » : valeur trop grande`;
}

function parseActivity(raw: string): AmRow["activity"] | null {
  // As written in almost every row: no Unicode normalisation needed (a million rows in an import).
  if (raw === "radiologie" || raw === "medecine_nucleaire") return raw;
  const key = raw
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
  if (key === "radiologie") return "radiologie";
  if (key === "medecine_nucleaire") return "medecine_nucleaire";
  return null;
}
