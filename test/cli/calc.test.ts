import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTranche } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "tranche-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { DATABASE_URL: `file:${join(dir, "cli.db")}` };

beforeAll(() => {
  const data = join(dir, "data");
  runTranche(["reference", "demo", data, "--establishments", "10", "--doctors", "10"]);
  // Known figures on top of the demo's shape, so that the totals below are exact.
  writeFileSync(
    join(data, "finess.csv"),
    [
      "finess;raison_sociale;examens_radiologie;examens_medecine_nucleaire",
      "920000650;Hôpital Foch;52000;1800",
      "750712184;Clinique des Pins;12000;0",
      "130783293;Institut de médecine nucléaire;0;4000",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(data, "am.csv"),
    ["numero_am;activite;actes", "751234567;radiologie;6100", "921234567;medecine_nucleaire;2400", ""].join(
      "\n",
    ),
  );
  const imported = runTranche(["reference", "import", data, "--label", "jeu de test"], env);
  expect(imported.status, imported.stderr).toBe(0);
});

describe("tranche calc", () => {
  it("prints exactly one JSON object with --json", () => {
    const run = runTranche(
      [
        "calc",
        "--activity",
        "mixte",
        "--finess-radio",
        "920 000 650; 750712184, 12345",
        "--am-radio",
        "751234567 921234567",
        "--finess-mn",
        "920000650;130783293",
        "--am-mn",
        "921234567",
        "--json",
      ],
      env,
    );
    expect(run.status, run.stderr).toBe(0);
    const output = JSON.parse(run.stdout);
    // 52 000 + 12 000 + 6 100 radiology; (1 800 + 4 000 + 2 400) × 5 nuclear = 41 000.
    expect(output).toEqual({
      tranche: "D",
      total: 111_100,
      activity: "mixte",
      valid: {
        amRadio: ["751234567"],
        finessRadio: ["920000650", "750712184"],
        amMn: ["921234567"],
        finessMn: ["920000650", "130783293"],
      },
      invalid: {
        amRadio: [{ value: "921234567", reason: "no-activity" }],
        finessRadio: [{ value: "12345", reason: "format" }],
        amMn: [],
        finessMn: [],
      },
      dataset: { id: expect.any(String), label: "jeu de test" },
    });
    expect(run.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("gives tranche null when nothing counts", () => {
    const run = runTranche(["calc", "--activity", "radiologie", "--finess-mn", "920000650", "--json"], env);
    expect(JSON.parse(run.stdout)).toMatchObject({
      tranche: null,
      total: 0,
      invalid: { finessMn: [{ value: "920000650", reason: "not-applicable" }] },
    });
  });

  it("prints a readable French summary without --json", () => {
    const run = runTranche(["calc", "--activity", "radio", "--finess-radio", "920000650"], env);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("Tranche de financement : C (52 000 examens annuels de référence)");
    expect(run.stdout).toContain("Données invalides, non prises en compte dans le calcul :");
  });

  it("refuses an unknown activity type on stderr with exit code 2", () => {
    const run = runTranche(["calc", "--activity", "cardiologie", "--finess-radio", "920000650"], env);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("radiologie, medecine-nucleaire ou mixte");
  });

  it("ends every usage mistake with exit code 2: a missing option, an unknown option or command", () => {
    for (const args of [["calc", "--finess-radio", "920000650"], ["calc", "--bogus"], ["calcul"]]) {
      const run = runTranche(args, env);
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(/error: /);
    }
    expect(runTranche(["--help"], env).status).toBe(0);
  });

  it("says how to load data when none is loaded", () => {
    const empty = { DATABASE_URL: `file:${join(dir, "empty.db")}` };
    const run = runTranche(["calc", "--activity", "mixte", "--finess-radio", "920000650", "--json"], empty);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("tranche reference import");
  });
});

describe("tranche reference", () => {
  it("lists the imported versions, the active one starred", () => {
    const run = runTranche(["reference", "list"], env);
    expect(run.stdout).toMatch(/^\* n°\d+ .*« jeu de test » {2}3 FINESS, 2 N°AM/m);
  });
});
