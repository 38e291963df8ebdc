import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeTranche, knownIdentifiers } from "../../src/engine/compute.ts";
import { memoryLookup } from "../../src/engine/memory-lookup.ts";
import { TRANCHE_BOUNDS, trancheFor } from "../../src/engine/tranche.ts";
import type { AmCounts, CalculationRequest, FinessCounts } from "../../src/engine/types.ts";

const finess = new Map<string, FinessCounts>([
  ["920000650", { radiology: 40_000, nuclear: 2_000 }], // mixed activity
  ["750712184", { radiology: 12_000, nuclear: 0 }], // radiology only
  ["130783293", { radiology: 0, nuclear: 3_000 }], // nuclear medicine only
  ["2A0000402", { radiology: 5_000, nuclear: 0 }], // Corsica, key not checked
  ["750712185", { radiology: 1_000, nuclear: 0 }], // bad key, but present in the data: authoritative
]);
const am = new Map<string, AmCounts>([
  ["751234567", { activity: "radiologie", acts: 9_000 }],
  ["691234567", { activity: "medecine_nucleaire", acts: 1_500 }],
  ["331234567", { activity: "radiologie", acts: 0 }],
  ["001234567", { activity: "radiologie", acts: 700 }], // department 00, but in the data
]);
const lookup = memoryLookup(finess, am);
const options = { nuclearCoefficient: 5 };

function request(partial: Partial<CalculationRequest>): CalculationRequest {
  return { activity: "mixte", amRadio: [], finessRadio: [], amMn: [], finessMn: [], ...partial };
}

describe("the tranche engine", () => {
  it("counts a radiology FINESS and a radiologist's N°AM", () => {
    const result = computeTranche(
      request({ activity: "radiologie", finessRadio: ["750712184"], amRadio: ["751234567"] }),
      lookup,
      options,
    );
    expect(result.total).toBe(21_000);
    expect(result.tranche).toBe("B");
    expect(result.valid).toEqual({
      amRadio: ["751234567"],
      finessRadio: ["750712184"],
      amMn: [],
      finessMn: [],
    });
  });

  it("weighs nuclear-medicine exams five times", () => {
    const result = computeTranche(
      request({ activity: "medecine-nucleaire", finessMn: ["130783293"], amMn: ["691234567"] }),
      lookup,
      options,
    );
    expect(result.nuclearExams).toBe(4_500);
    expect(result.total).toBe(22_500);
    expect(result.tranche).toBe("B");
  });

  it("takes the coefficient from configuration", () => {
    const result = computeTranche(request({ finessMn: ["130783293"] }), lookup, { nuclearCoefficient: 3 });
    expect(result.total).toBe(9_000);
  });

  it("counts both activities of a FINESS named in both fields (mixte)", () => {
    const result = computeTranche(
      request({ finessRadio: ["920000650"], finessMn: ["920000650"] }),
      lookup,
      options,
    );
    expect(result.radiologyExams).toBe(40_000);
    expect(result.nuclearExams).toBe(2_000);
    expect(result.total).toBe(50_000);
    expect(result.tranche).toBe("C");
  });

  it("counts an identifier once even when repeated or typed differently", () => {
    const result = computeTranche(
      request({ finessRadio: ["920000650", "920 000 650", "92.000.065-0"] }),
      lookup,
      options,
    );
    expect(result.valid.finessRadio).toEqual(["920000650"]);
    expect(result.total).toBe(40_000);
  });

  it("counts a number pasted with an invisible character (zero-width space, soft hyphen)", () => {
    const result = computeTranche(
      request({ activity: "radiologie", finessRadio: ["920000650\u200b", "750\u00ad712\u00ad184"] }),
      lookup,
      options,
    );
    expect(result.valid.finessRadio).toEqual(["920000650", "750712184"]);
    expect(result.invalid.finessRadio).toEqual([]);
    expect(result.total).toBe(52_000);
  });

  it("rejects a malformed number absent from the data as format", () => {
    const result = computeTranche(
      request({ finessRadio: ["12345", "920000651"], amRadio: ["961234567"] }),
      lookup,
      options,
    );
    expect(result.invalid.finessRadio).toEqual([
      { value: "12345", reason: "format" },
      { value: "920000651", reason: "format" },
    ]);
    expect(result.invalid.amRadio).toEqual([{ value: "961234567", reason: "format" }]);
  });

  it("rejects a well-formed number absent from the data as unknown", () => {
    const result = computeTranche(
      request({ finessRadio: ["690781810"], amMn: ["441234567"] }),
      lookup,
      options,
    );
    expect(result.invalid.finessRadio).toEqual([{ value: "690781810", reason: "unknown" }]);
    expect(result.invalid.amMn).toEqual([{ value: "441234567", reason: "unknown" }]);
  });

  it("never rejects a number present in the data for its shape or key", () => {
    const result = computeTranche(
      request({ finessRadio: ["750712185", "2A0000402"], amRadio: ["001234567"] }),
      lookup,
      options,
    );
    expect(result.valid.finessRadio).toEqual(["750712185", "2A0000402"]);
    expect(result.valid.amRadio).toEqual(["001234567"]);
    expect(result.total).toBe(6_700);
  });

  it("rejects a FINESS without nuclear medicine in a nuclear-medicine field as no-activity", () => {
    const result = computeTranche(
      request({ finessMn: ["750712184"], finessRadio: ["130783293"] }),
      lookup,
      options,
    );
    expect(result.invalid.finessMn).toEqual([{ value: "750712184", reason: "no-activity" }]);
    expect(result.invalid.finessRadio).toEqual([{ value: "130783293", reason: "no-activity" }]);
    expect(result.tranche).toBeNull();
  });

  it("rejects a radiologist in a nuclear-medicine field and vice versa, and a doctor with no acts", () => {
    const result = computeTranche(
      request({ amMn: ["751234567"], amRadio: ["691234567", "331234567"] }),
      lookup,
      options,
    );
    expect(result.invalid.amMn).toEqual([{ value: "751234567", reason: "no-activity" }]);
    expect(result.invalid.amRadio).toEqual([
      { value: "691234567", reason: "no-activity" },
      { value: "331234567", reason: "no-activity" },
    ]);
  });

  it("judges each doctor of an order-form row marked mixte in their own activity's field only", () => {
    // The row lists a practice's doctors in both AM fields: the sender cannot say which is which.
    const doctors = ["751234567", "691234567", "331234567", "761234567", "12"];
    const result = computeTranche(
      request({ amRadio: doctors, amMn: doctors, amOfMixteRows: doctors }),
      lookup,
      options,
    );
    expect(result.valid).toMatchObject({ amRadio: ["751234567"], amMn: ["691234567"] });
    // Known without acts: in their own field; unknown or malformed: in both, as typed.
    expect(result.invalid.amRadio).toEqual([
      { value: "331234567", reason: "no-activity" },
      { value: "761234567", reason: "unknown" },
      { value: "12", reason: "format" },
    ]);
    expect(result.invalid.amMn).toEqual([
      { value: "761234567", reason: "unknown" },
      { value: "12", reason: "format" },
    ]);
    expect(result.total).toBe(9_000 + 5 * 1_500);
  });

  it("still rejects a doctor typed in the other activity's field of a request", () => {
    const result = computeTranche(
      request({ amMn: ["751234567"], amOfMixteRows: ["691234567"] }),
      lookup,
      options,
    );
    expect(result.invalid.amMn).toEqual([{ value: "751234567", reason: "no-activity" }]);
  });

  it("ignores the nuclear-medicine fields of a radiology request as not-applicable, and vice versa", () => {
    const radiology = computeTranche(
      request({ activity: "radiologie", finessRadio: ["750712184"], finessMn: ["130783293"], amMn: ["bad"] }),
      lookup,
      options,
    );
    expect(radiology.invalid.finessMn).toEqual([{ value: "130783293", reason: "not-applicable" }]);
    expect(radiology.invalid.amMn).toEqual([{ value: "BAD", reason: "not-applicable" }]);
    expect(radiology.total).toBe(12_000);
    const nuclear = computeTranche(
      request({ activity: "medecine-nucleaire", finessRadio: ["750712184"], amRadio: ["751234567"] }),
      lookup,
      options,
    );
    expect(nuclear.invalid.finessRadio).toEqual([{ value: "750712184", reason: "not-applicable" }]);
    expect(nuclear.invalid.amRadio).toEqual([{ value: "751234567", reason: "not-applicable" }]);
    expect(nuclear.tranche).toBeNull();
  });

  it("gives no tranche for a total of 0", () => {
    const result = computeTranche(request({}), lookup, options);
    expect(result).toMatchObject({ total: 0, tranche: null });
  });

  it("deduplicates invalid identifiers too", () => {
    const result = computeTranche(request({ amRadio: ["12345", "12 345", "12345"] }), lookup, options);
    expect(result.invalid.amRadio).toEqual([{ value: "12345", reason: "format" }]);
  });

  it("refuses a coefficient that would make totals inexact", () => {
    expect(() => computeTranche(request({}), lookup, { nuclearCoefficient: 2.5 })).toThrow(RangeError);
  });
});

describe("tranche boundaries", () => {
  const cases: [number, string | null][] = [
    [0, null],
    [1, "A"],
    [15_000, "A"],
    [15_001, "B"],
    [30_000, "B"],
    [30_001, "C"],
    [60_000, "C"],
    [60_001, "D"],
    [120_000, "D"],
    [120_001, "E"],
    [240_000, "E"],
    [240_001, "F"],
    [480_000, "F"],
    [480_001, "G"],
    [960_000, "G"],
    [960_001, "H"],
    [50_000_000, "H"],
  ];
  it.each(cases)("a total of %i gives tranche %s", (total, tranche) => {
    expect(trancheFor(total)).toBe(tranche);
  });

  it.each(cases)("an order totalling %i exams through the engine gives tranche %s", (total, tranche) => {
    const data = memoryLookup(new Map([["920000650", { radiology: total, nuclear: 0 }]]), new Map());
    expect(computeTranche(request({ finessRadio: ["920000650"] }), data, options).tranche).toBe(tranche);
  });

  it("has the SPEC's upper bounds", () => {
    expect(TRANCHE_BOUNDS.map(([, upper]) => upper)).toEqual([
      15_000, 30_000, 60_000, 120_000, 240_000, 480_000, 960_000,
    ]);
  });
});

describe("engine invariants", () => {
  const knownFiness = [...finess.keys()];
  const knownAm = [...am.keys()];
  const token = fc.oneof(
    fc.constantFrom(...knownFiness, ...knownAm),
    fc.string({ maxLength: 12 }),
    fc.stringMatching(/^[0-9]{9}$/),
  );
  const lists = fc.record({
    activity: fc.constantFrom("radiologie" as const, "medecine-nucleaire" as const, "mixte" as const),
    amRadio: fc.array(token, { maxLength: 8 }),
    finessRadio: fc.array(token, { maxLength: 8 }),
    amMn: fc.array(token, { maxLength: 8 }),
    finessMn: fc.array(token, { maxLength: 8 }),
  });

  it("the tranche never decreases as the total grows", () => {
    fc.assert(
      fc.property(fc.nat(2_000_000), fc.nat(2_000_000), (a, b) => {
        const order = "0ABCDEFGH";
        const rank = (total: number) => order.indexOf(trancheFor(total) ?? "0");
        return a <= b ? rank(a) <= rank(b) : rank(a) >= rank(b);
      }),
    );
  });

  it("the order and repetition of identifiers do not change the total or the tranche", () => {
    fc.assert(
      fc.property(lists, (input) => {
        const base = computeTranche(input, lookup, options);
        const shuffled = {
          ...input,
          amRadio: [...input.amRadio].reverse().concat(input.amRadio),
          finessRadio: [...input.finessRadio].reverse(),
          amMn: input.amMn.concat(input.amMn),
          finessMn: [...input.finessMn].reverse(),
        };
        const other = computeTranche(shuffled, lookup, options);
        expect(other.total).toBe(base.total);
        expect(other.tranche).toBe(base.tranche);
        for (const field of ["amRadio", "finessRadio", "amMn", "finessMn"] as const) {
          expect([...other.valid[field]].sort()).toEqual([...base.valid[field]].sort());
        }
      }),
    );
  });

  it("adding an invalid identifier changes nothing but the invalid list", () => {
    const invalidToken = fc.oneof(fc.constant("12345"), fc.constant("690781810"), fc.constant("961234567"));
    fc.assert(
      fc.property(
        lists,
        invalidToken,
        fc.constantFrom("amRadio", "finessRadio", "amMn", "finessMn"),
        (input, extra, field) => {
          const base = computeTranche(input, lookup, options);
          const more = computeTranche({ ...input, [field]: [...input[field], extra] }, lookup, options);
          expect(more.total).toBe(base.total);
          expect(more.tranche).toBe(base.tranche);
          expect(more.valid).toEqual(base.valid);
          expect(more.invalid[field].length).toBeGreaterThanOrEqual(base.invalid[field].length);
        },
      ),
    );
  });

  it("every identifier typed ends up valid or invalid, exactly once per field", () => {
    fc.assert(
      fc.property(lists, (input) => {
        const result = computeTranche(input, lookup, options);
        for (const field of ["amRadio", "finessRadio", "amMn", "finessMn"] as const) {
          const out = [...result.valid[field], ...result.invalid[field].map((i) => i.value)];
          expect(new Set(out).size).toBe(out.length);
        }
      }),
    );
  });
});

describe("knownIdentifiers", () => {
  it("keeps, in order, the numbers the reference data holds as a FINESS or an N°AM, whatever their activity", () => {
    const lookup = memoryLookup(
      new Map([["620100057", { radiology: 0, nuclear: 0 }]]),
      new Map([["751234567", { activity: "radiologie", acts: 0 }]]),
    );
    // A SIREN or an unknown well-formed FINESS is no identifier of the data: not kept.
    expect(knownIdentifiers(["552100554", "751234567", "750712184", "620 100 057"], lookup)).toEqual([
      "751234567",
      "620 100 057",
    ]);
    expect(knownIdentifiers([], lookup)).toEqual([]);
  });
});
