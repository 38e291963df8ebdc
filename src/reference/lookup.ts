import { placeholders, sqlOf } from "../db/sql.ts";
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
  // Run for every calculation: plain SQL (src/db/sql.ts), primary-key lookups.
  const sql = sqlOf(db);
  for (const chunk of chunks(finessIds)) {
    const rows = await sql.query<{ finess: string; radiology: number; nuclear: number }>(
      `SELECT "finess", "radiology", "nuclear" FROM "FinessReference" WHERE "datasetId" = ? AND "finess" IN (${placeholders(chunk.length)})`,
      [datasetId, ...chunk],
    );
    for (const row of rows)
      finess.set(row.finess, { radiology: Number(row.radiology), nuclear: Number(row.nuclear) });
  }
  for (const chunk of chunks(amIds)) {
    const rows = await sql.query<{ am: string; activity: string; acts: number }>(
      `SELECT "am", "activity", "acts" FROM "AmReference" WHERE "datasetId" = ? AND "am" IN (${placeholders(chunk.length)})`,
      [datasetId, ...chunk],
    );
    for (const row of rows)
      am.set(row.am, { activity: row.activity as AmCounts["activity"], acts: Number(row.acts) });
  }
  return memoryLookup(finess, am);
}

function unique(tokens: string[]): string[] {
  return [...new Set(tokens.map(normaliseIdentifier).filter(Boolean))];
}

function* chunks<T>(items: T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += CHUNK) yield items.slice(i, i + CHUNK);
}
