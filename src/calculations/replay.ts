import type { DbOrTx } from "../db/transaction.ts";
import type { EngineOptions } from "../engine/compute.ts";
import {
  type AmCounts,
  type CalculationResult,
  FIELDS,
  type FinessCounts,
  type ReferenceLookup,
} from "../engine/types.ts";
import { calculate } from "../reference/calculate.ts";
import { loadLookup } from "../reference/lookup.ts";
import { type CalculationDiff, countKey, diffCalculations, type ReplaySide } from "./diff.ts";
import type { StoredCalculation } from "./store.ts";

export interface Replay {
  calculation: StoredCalculation;
  /** The result on the active dataset, as it would be answered today. */
  result: CalculationResult;
  diff: CalculationDiff;
}

/**
 * Re-runs a stored calculation on the active dataset and explains the difference with what was
 * answered: the stored result is the "before"; the counts it saw are read again from its own
 * dataset version (kept for replays), so that a moved total is traced to the rows that moved.
 */
export async function replayCalculation(
  db: DbOrTx,
  calculation: StoredCalculation,
  options: EngineOptions,
): Promise<Replay> {
  const { result, dataset } = await calculate(db, calculation.request, options);
  const oldDataset = await db.dataset.findUnique({
    where: { id: calculation.datasetId },
    select: { id: true, label: true },
  });
  const after: ReplaySide = {
    dataset: { id: dataset.id, label: dataset.label },
    result,
    counts: countsOf(await loadLookup(db, dataset.id, calculation.request), calculation.result, result),
  };
  const before: ReplaySide = {
    dataset: oldDataset,
    result: calculation.result,
    counts: oldDataset
      ? countsOf(await loadLookup(db, oldDataset.id, calculation.request), calculation.result, result)
      : {},
  };
  return { calculation, result, diff: diffCalculations(before, after) };
}

function countsOf(
  lookup: ReferenceLookup,
  ...results: CalculationResult[]
): Record<string, FinessCounts | AmCounts | null> {
  const counts: Record<string, FinessCounts | AmCounts | null> = {};
  for (const result of results) {
    for (const field of FIELDS) {
      const values = [...result.valid[field], ...result.invalid[field].map((i) => i.value)];
      for (const value of values) {
        const finess = field === "finessRadio" || field === "finessMn";
        counts[countKey(field, value)] = (finess ? lookup.finess(value) : lookup.am(value)) ?? null;
      }
    }
  }
  return counts;
}
