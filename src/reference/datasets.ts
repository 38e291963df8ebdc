import type { Db } from "../db/client.ts";
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
  const dataset = await db.dataset.findFirst({ where: { active: true } });
  if (!dataset) throw new NoDatasetError();
  return dataset;
}
