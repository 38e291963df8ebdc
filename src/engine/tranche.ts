import type { Tranche } from "./types.ts";

/** Upper bound (inclusive) of each tranche's annual reference exams; H has no upper bound. */
export const TRANCHE_BOUNDS: ReadonlyArray<readonly [Tranche, number]> = [
  ["A", 15_000],
  ["B", 30_000],
  ["C", 60_000],
  ["D", 120_000],
  ["E", 240_000],
  ["F", 480_000],
  ["G", 960_000],
];

/** The tranche of a total of annual reference exams; null for 0 (no eligible activity). */
export function trancheFor(total: number): Tranche | null {
  if (!Number.isFinite(total) || total < 0) throw new RangeError(`invalid total: ${total}`);
  if (total === 0) return null;
  for (const [tranche, upper] of TRANCHE_BOUNDS) if (total <= upper) return tranche;
  return "H";
}
