import type { DbOrTx } from "../db/transaction.ts";
import { computeTranche, type EngineOptions, knownIdentifiers } from "../engine/compute.ts";
import type { CalculationRequest, CalculationResult, FieldLists } from "../engine/types.ts";
import { activeDataset, type DatasetInfo } from "./datasets.ts";
import { loadLookup } from "./lookup.ts";

export interface Calculated {
  result: CalculationResult;
  dataset: DatasetInfo;
  /** Those of `options.strayNumbers` the dataset knows (a FINESS or an N°AM), in their order. */
  knownStrays: string[];
}

/**
 * Runs the engine against the active dataset (or a given one, to replay an old calculation).
 * `strayNumbers`, numbers of the request read into no field, are looked up in both tables with the
 * request's own identifiers (in the same queries; one more per table only when the request names
 * none of its kind; none at all without strays). The engine never reads them: its result is the same.
 */
export async function calculate(
  db: DbOrTx,
  request: CalculationRequest,
  options: EngineOptions & { datasetId?: number; strayNumbers?: readonly string[] },
): Promise<Calculated> {
  const dataset =
    options.datasetId === undefined
      ? await activeDataset(db)
      : await db.dataset.findUniqueOrThrow({ where: { id: options.datasetId } });
  const strays = options.strayNumbers ?? [];
  const lists: FieldLists = strays.length
    ? {
        ...request,
        finessRadio: [...request.finessRadio, ...strays],
        amRadio: [...request.amRadio, ...strays],
      }
    : request;
  const lookup = await loadLookup(db, dataset.id, lists);
  return {
    result: computeTranche(request, lookup, options),
    dataset,
    knownStrays: knownIdentifiers(strays, lookup),
  };
}
