import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Db } from "../../src/db/client.ts";
import { importReferenceData } from "../../src/reference/import.ts";

export interface SmallDataset {
  finess: [finess: string, name: string, radiology: number, nuclear: number][];
  am: [am: string, activity: "radiologie" | "medecine_nucleaire", acts: number][];
}

/** Writes a small reference dataset in the import format and imports it as the active version. */
export async function importSmallDataset(
  db: Db,
  dir: string,
  label: string,
  data: SmallDataset,
): Promise<number> {
  const folder = join(dir, label.replace(/\W+/g, "-"));
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, "finess.csv"),
    `finess;raison_sociale;examens_radiologie;examens_medecine_nucleaire\n${data.finess.map((r) => r.join(";")).join("\n")}\n`,
  );
  writeFileSync(
    join(folder, "am.csv"),
    `numero_am;activite;actes\n${data.am.map((r) => r.join(";")).join("\n")}\n`,
  );
  const summary = await importReferenceData(db, folder, { label });
  return summary.datasetId;
}
