/** The numbers shown to people for tickets (T-000042) and access requests (A-000017). */
export type RecordPrefix = "T" | "A";

export function formatRecordNumber(prefix: RecordPrefix, id: number): string {
  return `${prefix}-${String(id).padStart(6, "0")}`;
}

/** Accepts what support types: `T-000042`, `t-42`, `42`, `n°42` (with that record's letter). */
export function parseRecordNumber(prefix: RecordPrefix, text: string): number | null {
  const match = new RegExp(`^\\s*(?:${prefix}-?|n°\\s*)?0*(\\d+)\\s*$`, "i").exec(text);
  if (!match) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}
