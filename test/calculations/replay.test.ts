import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { countKey, diffCalculations, type ReplaySide } from "../../src/calculations/diff.ts";
import { replayCalculation } from "../../src/calculations/replay.ts";
import { findByPublicId, recordCalculation } from "../../src/calculations/store.ts";
import type { Db } from "../../src/db/client.ts";
import type { CalculationRequest, CalculationResult } from "../../src/engine/types.ts";
import { calculate } from "../../src/reference/calculate.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { importSmallDataset, type SmallDataset } from "../helpers/datasets.ts";

const v1: SmallDataset = {
  finess: [
    ["920000650", "CH de Nanterre", 40_000, 2_000],
    ["750712184", "Clinique des Lilas", 12_000, 0],
  ],
  am: [["751234567", "radiologie", 9_000]],
};
// The next year's data: more activity at Nanterre, the clinic closed, a new radiologist.
const v2: SmallDataset = {
  finess: [["920000650", "CH de Nanterre", 50_000, 12_000]],
  am: [
    ["751234567", "radiologie", 9_000],
    ["691234567", "radiologie", 3_000],
  ],
};
const request: CalculationRequest = {
  activity: "mixte",
  finessRadio: ["920000650", "750712184"],
  amRadio: ["75 1234567", "691234567"],
  finessMn: ["920000650"],
  amMn: [],
};

describe("replaying a calculation after a new dataset import", () => {
  let test: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  beforeEach(async () => {
    test = await createTestDatabase();
    db = test.db;
  });
  afterEach(() => test.close());

  it("shows exactly what changed and why, identifier by identifier", async () => {
    const first = await importSmallDataset(db, test.dir, "SAE 2023", v1);
    const { result } = await calculate(db, request, { nuclearCoefficient: 5 });
    expect(result).toMatchObject({ tranche: "D", total: 61_000 + 5 * 2_000 });
    const { publicId } = await recordCalculation(
      db,
      {
        request,
        activityInferred: false,
        result,
        datasetId: first,
        sender: "marie@editeur.fr",
        recipient: "marie@editeur.fr",
        reference: "GIE Imagerie Ouest",
        inboundMessageId: null,
      },
      new Date("2026-03-01T10:00:00Z"),
    );
    const second = await importSmallDataset(db, test.dir, "SAE 2024", v2);

    const stored = (await findByPublicId(db, publicId))!;
    const replay = await replayCalculation(db, stored, { nuclearCoefficient: 5 });
    const diff = replay.diff;
    expect(diff.changed).toBe(true);
    expect(diff.datasets).toEqual({
      before: { id: first, label: "SAE 2023" },
      after: { id: second, label: "SAE 2024" },
    });
    expect(diff.tranche).toEqual({ before: "D", after: "E" });
    expect(diff.total).toEqual({ before: 71_000, after: 62_000 + 5 * 12_000 });
    expect(diff.validCount).toEqual({ before: 4, after: 4 });
    expect(diff.invalidCount).toEqual({ before: 1, after: 1 });
    expect(diff.identifiers).toEqual([
      {
        field: "amRadio",
        value: "691234567",
        before: { state: "invalid", reason: "unknown" },
        after: { state: "valid" },
        countsBefore: null,
        countsAfter: { activity: "radiologie", acts: 3_000 },
        cause: "added-to-reference",
      },
      {
        field: "finessRadio",
        value: "920000650",
        before: { state: "valid" },
        after: { state: "valid" },
        countsBefore: { radiology: 40_000, nuclear: 2_000 },
        countsAfter: { radiology: 50_000, nuclear: 12_000 },
        cause: "reference-counts-changed",
      },
      {
        field: "finessRadio",
        value: "750712184",
        before: { state: "valid" },
        after: { state: "invalid", reason: "unknown" },
        countsBefore: { radiology: 12_000, nuclear: 0 },
        countsAfter: null,
        cause: "removed-from-reference",
      },
      {
        field: "finessMn",
        value: "920000650",
        before: { state: "valid" },
        after: { state: "valid" },
        countsBefore: { radiology: 40_000, nuclear: 2_000 },
        countsAfter: { radiology: 50_000, nuclear: 12_000 },
        cause: "reference-counts-changed",
      },
    ]);
  });

  it("finds nothing to explain when the data did not change", async () => {
    const first = await importSmallDataset(db, test.dir, "SAE 2023", v1);
    const { result } = await calculate(db, request, { nuclearCoefficient: 5 });
    const { publicId } = await recordCalculation(
      db,
      {
        request,
        activityInferred: false,
        result,
        datasetId: first,
        sender: "marie@editeur.fr",
        recipient: "marie@editeur.fr",
        reference: "GIE",
        inboundMessageId: null,
      },
      new Date("2026-03-01T10:00:00Z"),
    );
    await importSmallDataset(db, test.dir, "SAE 2023 bis", v1);
    const replay = await replayCalculation(db, (await findByPublicId(db, publicId))!, {
      nuclearCoefficient: 5,
    });
    expect(replay.diff).toMatchObject({
      changed: false,
      identifiers: [],
      tranche: { before: "D", after: "D" },
    });
  });
});

describe("the diff of two runs (pure)", () => {
  const empty = { amRadio: [], finessRadio: [], amMn: [], finessMn: [] };
  function result(partial: Partial<CalculationResult>): CalculationResult {
    return {
      activity: "radiologie",
      tranche: "A",
      total: 1_000,
      radiologyExams: 1_000,
      nuclearExams: 0,
      nuclearCoefficient: 5,
      valid: { ...empty },
      invalid: { ...empty },
      ...partial,
    };
  }

  it("explains a change of rules when the data is the same", () => {
    const counts = { [countKey("finessRadio", "920000650")]: { radiology: 1_000, nuclear: 0 } };
    const before: ReplaySide = {
      dataset: { id: 1, label: "v1" },
      result: result({ valid: { ...empty, finessRadio: ["920000650"] } }),
      counts,
    };
    const after: ReplaySide = {
      dataset: { id: 1, label: "v1" },
      result: result({
        tranche: null,
        total: 0,
        radiologyExams: 0,
        invalid: { ...empty, finessRadio: [{ value: "920000650", reason: "not-applicable" }] },
      }),
      counts,
    };
    expect(diffCalculations(before, after).identifiers).toMatchObject([
      { value: "920000650", before: { state: "valid" }, after: { state: "invalid" }, cause: "rules-changed" },
    ]);
  });

  it("says when the old counts are no longer known", () => {
    const before: ReplaySide = {
      dataset: null,
      result: result({ valid: { ...empty, finessRadio: ["920000650"] } }),
      counts: {},
    };
    const after: ReplaySide = {
      dataset: { id: 2, label: "v2" },
      result: result({ invalid: { ...empty, finessRadio: [{ value: "920000650", reason: "unknown" }] } }),
      counts: { [countKey("finessRadio", "920000650")]: null },
    };
    expect(diffCalculations(before, after)).toMatchObject({
      changed: true,
      identifiers: [{ cause: "old-data-unavailable", countsBefore: null, countsAfter: null }],
    });
  });

  it("keeps FINESS and N°AM apart when the same 9 digits are both", () => {
    expect(countKey("finessMn", "751234567")).not.toBe(countKey("amMn", "751234567"));
  });
});
