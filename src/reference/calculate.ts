import type { DbOrTx } from "../db/transaction.ts";
import { computeTranche, type EngineOptions } from "../engine/compute.ts";
import type { CalculationRequest, CalculationResult } from "../engine/types.ts";
import { activeDataset, type DatasetInfo } from "./datasets.ts";
import { loadLookup } from "./lookup.ts";

export interface Calculated {
  result: CalculationResult;
  dataset: DatasetInfo;
}

/** Runs the engine against the active dataset (or a given one, to replay an old calculation). */
export async function calculate(
  db: DbOrTx,
  request: CalculationRequest,
  options: EngineOptions & { datasetId?: number },
): Promise<Calculated> {
  const dataset =
    options.datasetId === undefined
      ? await activeDataset(db)
      : await db.dataset.findUniqueOrThrow({ where: { id: options.datasetId } });
  const lookup = await loadLookup(db, dataset.id, request);
  return { result: computeTranche(request, lookup, options), dataset };
}
