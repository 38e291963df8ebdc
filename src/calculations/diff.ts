import {
  type AmCounts,
  type CalculationResult,
  FIELDS,
  type Field,
  type FinessCounts,
  type InvalidReason,
} from "../engine/types.ts";

/** One run of a calculation: its result, the dataset it used, and the reference counts it saw. */
export interface ReplaySide {
  dataset: { id: number; label: string } | null;
  result: CalculationResult;
  /**
   * Reference counts per identifier, keyed by `countKey(field, value)` (null: absent from the data;
   * missing key: not known, e.g. the old dataset was deleted).
   */
  counts: Record<string, FinessCounts | AmCounts | null>;
}

export type IdentifierStatus = { state: "valid" } | { state: "invalid"; reason: InvalidReason };

/** Why an identifier's status or weight moved between the two runs. */
export type ChangeCause =
  /** Absent from the old data, present in the new one. */
  | "added-to-reference"
  /** Present in the old data, absent from the new one. */
  | "removed-from-reference"
  /** Present in both, with other counts or another activity. */
  | "reference-counts-changed"
  /** Same reference counts: the rules or the request's activity type made the difference. */
  | "rules-changed"
  /** The old counts are not known any more (dataset deleted). */
  | "old-data-unavailable";

export interface IdentifierChange {
  field: Field;
  /** Normalised identifier. */
  value: string;
  /** null: the identifier was not in that run (cannot happen for a replay of the same request). */
  before: IdentifierStatus | null;
  after: IdentifierStatus | null;
  countsBefore: FinessCounts | AmCounts | null;
  countsAfter: FinessCounts | AmCounts | null;
  cause: ChangeCause;
}

export interface Before<T> {
  before: T;
  after: T;
}

export interface CalculationDiff {
  /** Whether anything the requester was told (tranche, total, valid/invalid lists) would differ. */
  changed: boolean;
  datasets: Before<{ id: number; label: string } | null>;
  tranche: Before<string | null>;
  total: Before<number>;
  radiologyExams: Before<number>;
  nuclearExams: Before<number>;
  nuclearCoefficient: Before<number>;
  validCount: Before<number>;
  invalidCount: Before<number>;
  /** Identifiers whose status changed, or whose reference counts did (their weight in the total). */
  identifiers: IdentifierChange[];
}

/** Compares a stored calculation with its replay: exactly what changed, identifier by identifier, and why. */
export function diffCalculations(before: ReplaySide, after: ReplaySide): CalculationDiff {
  const identifiers: IdentifierChange[] = [];
  for (const field of FIELDS) {
    const old = statuses(before.result, field);
    const current = statuses(after.result, field);
    for (const value of new Set([...old.keys(), ...current.keys()])) {
      const statusBefore = old.get(value) ?? null;
      const statusAfter = current.get(value) ?? null;
      const key = countKey(field, value);
      const countsBefore = key in before.counts ? (before.counts[key] ?? null) : undefined;
      const countsAfter = after.counts[key] ?? null;
      const statusChanged = !sameStatus(statusBefore, statusAfter);
      const countsChanged = countsBefore !== undefined && !sameCounts(countsBefore, countsAfter);
      if (!statusChanged && !countsChanged) continue;
      identifiers.push({
        field,
        value,
        before: statusBefore,
        after: statusAfter,
        countsBefore: countsBefore ?? null,
        countsAfter,
        cause: causeOf(countsBefore, countsAfter),
      });
    }
  }
  const r0 = before.result;
  const r1 = after.result;
  const validCount = (r: CalculationResult) => FIELDS.reduce((n, f) => n + r.valid[f].length, 0);
  const invalidCount = (r: CalculationResult) => FIELDS.reduce((n, f) => n + r.invalid[f].length, 0);
  const changed =
    r0.tranche !== r1.tranche ||
    r0.total !== r1.total ||
    identifiers.some((change) => !sameStatus(change.before, change.after));
  return {
    changed,
    datasets: { before: before.dataset, after: after.dataset },
    tranche: { before: r0.tranche, after: r1.tranche },
    total: { before: r0.total, after: r1.total },
    radiologyExams: { before: r0.radiologyExams, after: r1.radiologyExams },
    nuclearExams: { before: r0.nuclearExams, after: r1.nuclearExams },
    nuclearCoefficient: { before: r0.nuclearCoefficient, after: r1.nuclearCoefficient },
    validCount: { before: validCount(r0), after: validCount(r1) },
    invalidCount: { before: invalidCount(r0), after: invalidCount(r1) },
    identifiers,
  };
}

/** FINESS and N°AM are separate namespaces: a 9-digit number may be both. */
export function countKey(field: Field, value: string): string {
  return `${field === "finessRadio" || field === "finessMn" ? "finess" : "am"}:${value}`;
}

function statuses(result: CalculationResult, field: Field): Map<string, IdentifierStatus> {
  const map = new Map<string, IdentifierStatus>();
  for (const value of result.valid[field]) map.set(value, { state: "valid" });
  for (const { value, reason } of result.invalid[field]) map.set(value, { state: "invalid", reason });
  return map;
}

function sameStatus(a: IdentifierStatus | null, b: IdentifierStatus | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.state !== b.state) return false;
  return a.state === "valid" || a.reason === (b as { reason: InvalidReason }).reason;
}

function sameCounts(a: FinessCounts | AmCounts | null, b: FinessCounts | AmCounts | null): boolean {
  if (a === null || b === null) return a === b;
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: object): [string, unknown][] {
  return Object.entries(value).sort(([x], [y]) => x.localeCompare(y));
}

function causeOf(
  before: FinessCounts | AmCounts | null | undefined,
  after: FinessCounts | AmCounts | null,
): ChangeCause {
  if (before === undefined) return "old-data-unavailable";
  if (before === null && after !== null) return "added-to-reference";
  if (before !== null && after === null) return "removed-from-reference";
  if (!sameCounts(before, after)) return "reference-counts-changed";
  return "rules-changed";
}
