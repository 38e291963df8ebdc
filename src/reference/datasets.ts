import type { Db } from "../db/client.ts";
import { dateOf, sqlOf } from "../db/sql.ts";
import type { DbOrTx } from "../db/transaction.ts";

export interface DatasetInfo {
  id: number;
  label: string;
  importedAt: Date;
  active: boolean;
  finessRows: number;
  amRows: number;
  rejectedRows: number;
}

export class NoDatasetError extends Error {
  constructor() {
    super(
      "aucune donnée de référence n'est chargée : importez-en avec `npx tranche reference import <dossier>` " +
        "(ou, pour essayer, `npx tranche reference demo var/demo && npx tranche reference import var/demo`)",
    );
  }
}

export async function listDatasets(db: Db): Promise<DatasetInfo[]> {
  return db.dataset.findMany({ orderBy: { id: "desc" } });
}

/** The dataset every new calculation uses. */
export async function activeDataset(db: DbOrTx): Promise<DatasetInfo> {
  // Asked for every calculation: plain SQL (src/db/sql.ts).
  const [row] = await sqlOf(db).query<Record<keyof DatasetInfo, unknown>>(
    // One row is active (imports take turns to switch it: BulkSession.lockActivation); newest first
    // all the same, so that a read never depends on the table's order.
    `SELECT "id", "label", "importedAt", "active", "finessRows", "amRows", "rejectedRows" FROM "Dataset" WHERE "active" = ? ORDER BY "id" DESC LIMIT 1`,
    [true],
  );
  if (!row) throw new NoDatasetError();
  return {
    id: Number(row.id),
    label: String(row.label),
    importedAt: dateOf(row.importedAt),
    active: Boolean(row.active),
    finessRows: Number(row.finessRows),
    amRows: Number(row.amRows),
    rejectedRows: Number(row.rejectedRows),
  };
}
