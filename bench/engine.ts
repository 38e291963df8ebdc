import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/db/client.ts";
import { computeTranche } from "../src/engine/compute.ts";
import { memoryLookup } from "../src/engine/memory-lookup.ts";
import type { AmCounts, CalculationRequest, FinessCounts } from "../src/engine/types.ts";
import { calculate } from "../src/reference/calculate.ts";
import { writeDemoDataset } from "../src/reference/demo.ts";
import { importReferenceData } from "../src/reference/import.ts";
import { fmt, median, withPeakRss } from "./memory.ts";

const TARGET_MS = 20;

/**
 * The engine on an order of 5,000 identifiers against 100,000 FINESS and 200,000 N°AM: the pure
 * computation over an in-memory lookup, and the service's path (lookup of the order's identifiers
 * in SQLite, then the computation).
 */
export async function benchEngine(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tranche-bench-engine-"));
  try {
    writeDemoDataset(dir, { establishments: 100_000, doctors: 200_000, seed: 11 });
    const db = await openDatabase(`file:${join(dir, "bench.db")}`);
    const { datasetId } = await importReferenceData(db, dir, { label: "bench" });
    const finess = new Map<string, FinessCounts>();
    const am = new Map<string, AmCounts>();
    for (const row of await db.finessReference.findMany({ where: { datasetId } }))
      finess.set(row.finess, { radiology: row.radiology, nuclear: row.nuclear });
    for (const row of await db.amReference.findMany({ where: { datasetId } }))
      am.set(row.am, { activity: row.activity as AmCounts["activity"], acts: row.acts });

    const request = orderOf5000([...finess.keys()], [...am.keys()]);
    const lookup = memoryLookup(finess, am);
    const pure = await withPeakRss(async () => {
      const times: number[] = [];
      for (let i = 0; i < 50; i++) {
        const started = performance.now();
        computeTranche(request, lookup, { nuclearCoefficient: 5 });
        times.push(performance.now() - started);
      }
      return times;
    });
    const service = await withPeakRss(async () => {
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        await calculate(db, request, { nuclearCoefficient: 5 });
        times.push(performance.now() - started);
      }
      return times;
    });
    await db.$disconnect();
    const pureMs = median(pure.value);
    console.log("engine — order of 5,000 identifiers, dataset of 100,000 FINESS and 200,000 N°AM");
    console.log(
      `  pure computation (in-memory lookup): median ${fmt(pureMs, 2)} ms over 50 runs — target ≤ ${TARGET_MS} ms: ${pureMs <= TARGET_MS ? "met" : "MISSED"} (${fmt(TARGET_MS / pureMs)}× under)`,
    );
    console.log(
      `  service path (SQLite lookup of the order's identifiers + computation): median ${fmt(median(service.value), 1)} ms over 10 runs`,
    );
    console.log(
      `  peak RSS ${fmt(Math.max(pure.peakMb, service.peakMb), 0)} MB (engine runs added ${fmt(Math.max(pure.addedMb, service.addedMb), 0)} MB)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 5,000 identifiers as suppliers send them: mostly known, some unknown or malformed, some repeated. */
function orderOf5000(finess: string[], am: string[]): CalculationRequest {
  const request: CalculationRequest = {
    activity: "mixte",
    finessRadio: [],
    amRadio: [],
    finessMn: [],
    amMn: [],
  };
  for (let i = 0; i < 5_000; i++) {
    const field = (["finessRadio", "amRadio", "finessMn", "amMn"] as const)[i % 4]!;
    const pool = field.startsWith("finess") ? finess : am;
    const value =
      i % 50 === 0 ? "12345" : i % 37 === 0 ? "990000001" : (pool[(i * 7919) % pool.length] ?? "");
    request[field].push(i % 10 === 0 ? value.replace(/(\d{3})(?=\d)/g, "$1 ") : value);
  }
  return request;
}
