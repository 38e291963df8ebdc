import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openDatabase } from "../src/db/client.ts";
import { importReferenceData } from "../src/reference/import.ts";
import { fmt, withPeakRss } from "./memory.ts";

const TARGET_ROWS_PER_SECOND = 100_000;
const TRANCHE = fileURLToPath(new URL("../bin/tranche.js", import.meta.url));

/** `reference import` of 1,000,000 rows (300,000 FINESS + 700,000 N°AM) into a fresh SQLite file. */
export async function benchReferenceImport(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tranche-bench-import-"));
  try {
    // Written by another process: building a million lines would otherwise weigh in this one's peak.
    const demo = spawnSync(
      process.execPath,
      [TRANCHE, "reference", "demo", dir, "--establishments", "300000", "--doctors", "700000", "--seed", "3"],
      { stdio: "ignore" },
    );
    if (demo.status !== 0) throw new Error("tranche reference demo failed");
    const db = await openDatabase(`file:${join(dir, "bench.db")}`);
    const started = performance.now();
    const run = await withPeakRss(() => importReferenceData(db, dir, { label: "bench" }));
    const seconds = (performance.now() - started) / 1000;
    await db.$disconnect();
    const rows = run.value.finess.imported + run.value.am.imported;
    const rate = rows / seconds;
    console.log("reference import — 1,000,000 rows into SQLite");
    console.log(
      `  ${rows.toLocaleString("en")} rows in ${fmt(seconds, 2)} s: ${Math.round(rate).toLocaleString("en")} rows/s — target ≥ ${TARGET_ROWS_PER_SECOND.toLocaleString("en")}: ${rate >= TARGET_ROWS_PER_SECOND ? "met" : "MISSED"} (${fmt(rate / TARGET_ROWS_PER_SECOND, 2)}× target)`,
    );
    console.log(`  peak RSS ${fmt(run.peakMb, 0)} MB (the import added ${fmt(run.addedMb, 0)} MB)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
