import { describe, expect, it } from "vitest";
import type { CalculationDiff } from "../../src/calculations/diff.ts";
import { describeDiff } from "../../src/cli/calculation-view.ts";

const same = <T>(value: T) => ({ before: value, after: value });

describe("a recomputation shown to support", () => {
  it("neutralises the escape sequences a sender put in the reference or an identifier", () => {
    const diff: CalculationDiff = {
      changed: false,
      datasets: same({ id: 1, label: "SAE 2024" }),
      tranche: same("A"),
      total: same(12_000),
      radiologyExams: same(12_000),
      nuclearExams: same(0),
      nuclearCoefficient: same(5),
      validCount: same(1),
      invalidCount: same(1),
      identifiers: [
        {
          field: "finessRadio",
          value: "9200\u001b]8;;http://x\u0007",
          before: { state: "invalid", reason: "format" },
          after: { state: "invalid", reason: "unknown" },
          countsBefore: null,
          countsAfter: null,
          cause: "rules-changed",
        },
      ],
    };
    const shown = describeDiff("TR-2026-000042", "CH de Lens\u001b[2J\u001b[31m", diff);
    expect(shown).not.toContain("\u001b");
    expect(shown).not.toContain("\u0007");
    expect(shown).toContain("Calcul TR-2026-000042 — référence « CH de Lens\ufffd[2J\ufffd[31m »");
    expect(shown).toContain("9200\ufffd]8;;http://x\ufffd");
  });
});
