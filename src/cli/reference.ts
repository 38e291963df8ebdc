import { createWriteStream, openSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { Command } from "commander";
import { listDatasets } from "../reference/datasets.ts";
import { writeDemoDataset } from "../reference/demo.ts";
import { type ImportProgress, importReferenceData, type RejectedRow } from "../reference/import.ts";
import { formatCount } from "../render/result-view.ts";
import { UsageError, withConfig, withDatabase } from "./context.ts";

/** Rejected rows printed on stderr before the rest go only to --rejects. */
const PRINTED_REJECTS = 200;

export function registerReferenceCommands(program: Command): void {
  const reference = program
    .command("reference")
    .description("données de référence (SAE par FINESS, actes par N°AM)");

  reference
    .command("import <dir>")
    .description("importe <dir>/finess.csv et <dir>/am.csv comme nouvelle version active")
    .option("--label <text>", "libellé de la version (par défaut : le nom du dossier)")
    .option("--rejects <file>", "écrit toutes les lignes rejetées dans ce fichier")
    .action((dir: string, options: { label?: string; rejects?: string }) =>
      withDatabase(async (db) => {
        const label = options.label ?? basename(resolve(dir));
        const rejectsFile = options.rejects ? openRejectsFile(options.rejects) : null;
        let printed = 0;
        let total = 0;
        const progress = progressDisplay();
        const onRejected = (row: RejectedRow) => {
          total++;
          const line = `${row.file}:${row.line}: ${row.reason}`;
          rejectsFile?.write(`${line}\n`);
          if (printed < PRINTED_REJECTS) {
            printed++;
            progress.clear();
            process.stderr.write(`rejetée ${line}\n`);
          }
        };
        const started = performance.now();
        try {
          const summary = await importReferenceData(db, dir, {
            label,
            onRejected,
            onProgress: progress.update,
          });
          progress.clear();
          const seconds = (performance.now() - started) / 1000;
          const rows = summary.finess.imported + summary.am.imported;
          if (total > printed) {
            process.stderr.write(
              `… et ${formatCount(total - printed)} autre(s) ligne(s) rejetée(s)${options.rejects ? ` (toutes dans ${options.rejects})` : " (--rejects <fichier> pour toutes les voir)"}\n`,
            );
          }
          console.log(
            `Version n°${summary.datasetId} « ${summary.label} » importée ; c'est désormais la version active.`,
          );
          console.log(
            `  finess.csv : ${formatCount(summary.finess.imported)} ligne(s) importée(s), ${formatCount(summary.finess.rejected)} rejetée(s)`,
          );
          console.log(
            `  am.csv     : ${formatCount(summary.am.imported)} ligne(s) importée(s), ${formatCount(summary.am.rejected)} rejetée(s)`,
          );
          if (summary.finess.failingFormatCheck) {
            console.log(
              `  attention : ${formatCount(summary.finess.failingFormatCheck)} FINESS ne respectent pas le format ou la clé de contrôle ; importés quand même (la donnée de référence fait foi)`,
            );
          }
          console.log(
            `  ${formatCount(rows)} lignes en ${seconds.toFixed(1)} s (${formatCount(Math.round(rows / seconds))} lignes/s)`,
          );
        } finally {
          progress.clear();
          rejectsFile?.end();
        }
      }),
    );

  reference
    .command("list")
    .description("liste les versions importées")
    .action(() =>
      withDatabase(async (db) => {
        const datasets = await listDatasets(db);
        if (!datasets.length) {
          console.log("Aucune version importée (tranche reference import <dossier>).");
          return;
        }
        for (const d of datasets) {
          console.log(
            `${d.active ? "*" : " "} n°${d.id}  ${d.importedAt.toISOString()}  « ${d.label} »  ${formatCount(d.finessRows)} FINESS, ${formatCount(d.amRows)} N°AM, ${formatCount(d.rejectedRows)} ligne(s) rejetée(s)`,
          );
        }
        console.log("(* : version active)");
      }),
    );

  reference
    .command("demo <dir>")
    .description("écrit un jeu de données synthétique réaliste dans <dir> (finess.csv, am.csv)")
    .option("--establishments <n>", "nombre d'établissements", "3000")
    .option("--doctors <n>", "nombre de médecins", "8000")
    .option("--seed <n>", "graine (même graine, mêmes données)", "2025")
    .action((dir: string, options: { establishments: string; doctors: string; seed: string }) =>
      withConfig(async () => {
        const summary = writeDemoDataset(dir, {
          establishments: positive(options.establishments, "--establishments"),
          doctors: positive(options.doctors, "--doctors"),
          seed: positive(options.seed, "--seed"),
        });
        console.log(`${summary.finessPath} : ${formatCount(summary.establishments)} établissements`);
        console.log(`${summary.amPath} : ${formatCount(summary.doctors)} médecins`);
        console.log(`Pour l'importer : npx tranche reference import ${dir}`);
      }),
    );
}

/**
 * Opened before the import starts: a path that cannot be written is said in one line, before any
 * row is read, instead of the stream's unhandled error ending the process with a stack trace.
 */
function openRejectsFile(path: string) {
  let fd: number;
  try {
    fd = openSync(path, "w");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`--rejects ${path} : impossible d'écrire ce fichier (${code})`);
  }
  return createWriteStream(path, { fd });
}

function positive(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new UsageError(`${option} : entier positif attendu`);
  return value;
}

/** A one-line progress display, only on a terminal (logs and pipes get the summary alone). */
function progressDisplay() {
  const tty = process.stderr.isTTY;
  let shown = false;
  return {
    update(progress: ImportProgress) {
      if (!tty) return;
      const percent = progress.totalBytes
        ? Math.floor((100 * progress.bytesRead) / progress.totalBytes)
        : 100;
      process.stderr.write(
        `\r${progress.file} : ${formatCount(progress.rows)} lignes lues (${percent} %)\u001b[K`,
      );
      shown = true;
    },
    clear() {
      if (tty && shown) process.stderr.write("\r\u001b[K");
      shown = false;
    },
  };
}
