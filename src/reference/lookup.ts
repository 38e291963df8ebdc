import type { DbOrTx } from "../db/transaction.ts";
import { memoryLookup } from "../engine/memory-lookup.ts";
import type { AmCounts, FieldLists, FinessCounts, ReferenceLookup } from "../engine/types.ts";
import { normaliseIdentifier } from "../identifiers/normalise.ts";

/** Identifiers per query: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

/**
 * Loads, for one dataset, the reference counts of just the identifiers an order names, into the
 * in-memory lookup the pure engine reads.
 */
export async function loadLookup(db: DbOrTx, datasetId: number, lists: FieldLists): Promise<ReferenceLookup> {
  const finessIds = unique([...lists.finessRadio, ...lists.finessMn]);
  const amIds = unique([...lists.amRadio, ...lists.amMn]);
  const finess = new Map<string, FinessCounts>();
  const am = new Map<string, AmCounts>();
  for (const chunk of chunks(finessIds)) {
    const rows = await db.finessReference.findMany({
      where: { datasetId, finess: { in: chunk } },
      select: { finess: true, radiology: true, nuclear: true },
    });
    for (const row of rows) finess.set(row.finess, { radiology: row.radiology, nuclear: row.nuclear });
  }
  for (const chunk of chunks(amIds)) {
    const rows = await db.amReference.findMany({
      where: { datasetId, am: { in: chunk } },
      select: { am: true, activity: true, acts: true },
    });
    for (const row of rows)
      am.set(row.am, { activity: row.activity as AmCounts["activity"], acts: row.acts });
  }
  return memoryLookup(finess, am);
}

function unique(tokens: string[]): string[] {
  return [...new Set(tokens.map(normaliseIdentifier).filter(Boolean))];
}

function* chunks<T>(items: T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += CHUNK) yield items.slice(i, i + CHUNK);
}
