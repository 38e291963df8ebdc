import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../src/db/client.ts";
import { activeDataset, listDatasets, NoDatasetError } from "../../src/reference/datasets.ts";
import { writeDemoDataset } from "../../src/reference/demo.ts";
import { importReferenceData, ReferenceImportError, type RejectedRow } from "../../src/reference/import.ts";
import { loadLookup } from "../../src/reference/lookup.ts";
import { createTestDatabase } from "../helpers/database.ts";

const FINESS_HEADER = "finess;raison_sociale;examens_radiologie;examens_medecine_nucleaire";
const AM_HEADER = "numero_am;activite;actes";

/** Folders of test files, removed after each test. */
const folders: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tranche-ref-"));
  folders.push(dir);
  return dir;
}

function dataDir(finess: string[], am: string[]): string {
  const dir = tempDir();
  writeFileSync(join(dir, "finess.csv"), `${[FINESS_HEADER, ...finess].join("\n")}\n`);
  writeFileSync(join(dir, "am.csv"), `${[AM_HEADER, ...am].join("\n")}\n`);
  return dir;
}

let db: Db;
let close: () => Promise<void>;
beforeEach(async () => {
  ({ db, close } = await createTestDatabase());
});
afterEach(async () => {
  await close();
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("importing reference data", () => {
  it("imports both files as a new active version and the engine's lookup reads them", async () => {
    const dir = dataDir(
      ["920000650;Hôpital Foch;52000;1800", '750712184;"Clinique ""Les Pins""; Paris";12000;'],
      ["751234567;radiologie;6100", "921234567;medecine_nucleaire;2400"],
    );
    const summary = await importReferenceData(db, dir, { label: "SAE 2023" });
    expect(summary.finess).toEqual({ imported: 2, rejected: 0, failingFormatCheck: 0 });
    expect(summary.am).toEqual({ imported: 2, rejected: 0 });
    const active = await activeDataset(db);
    expect(active).toMatchObject({ id: summary.datasetId, label: "SAE 2023", finessRows: 2, amRows: 2 });
    const lookup = await loadLookup(db, active.id, {
      finessRadio: ["920 000 650", "750712184"],
      finessMn: [],
      amRadio: ["751234567"],
      amMn: ["921234567"],
    });
    expect(lookup.finess("920000650")).toEqual({ radiology: 52000, nuclear: 1800 });
    expect(lookup.finess("750712184")).toEqual({ radiology: 12000, nuclear: 0 });
    expect(lookup.am("921234567")).toEqual({ activity: "medecine_nucleaire", acts: 2400 });
    const row = await db.finessReference.findFirstOrThrow({ where: { finess: "750712184" } });
    expect(row.name).toBe('Clinique "Les Pins"; Paris');
  });

  it("reports each malformed row with its line number and skips it, never silently", async () => {
    const dir = dataDir(
      [
        "920000650;Hôpital Foch;52000;1800",
        "92000065;Trop court;1;1",
        "750712184;Colonnes en trop;1;2;3",
        "130783293;Compte négatif;-5;0",
        "690781810;Compte décimal;12.5;0",
        "920000650;Doublon;1;1",
      ],
      [
        "751234567;radiologie;6100",
        "751234568;cardiologie;10",
        "7512345;radiologie;1",
        "751234569;radiologie;",
      ],
    );
    const rejected: RejectedRow[] = [];
    const summary = await importReferenceData(db, dir, { label: "x", onRejected: (r) => rejected.push(r) });
    expect(summary.finess).toMatchObject({ imported: 1, rejected: 5 });
    expect(summary.am).toMatchObject({ imported: 2, rejected: 2 });
    expect(rejected.map((r) => `${r.file}:${r.line}`)).toEqual([
      "finess.csv:3",
      "finess.csv:4",
      "finess.csv:5",
      "finess.csv:6",
      "finess.csv:7",
      "am.csv:3",
      "am.csv:4",
    ]);
    expect(rejected[0]!.reason).toContain("9 lettres ou chiffres");
    expect(rejected[4]!.reason).toContain("figure déjà");
    expect(rejected[5]!.reason).toContain("activite");
    // An empty count is 0.
    expect(await db.amReference.findFirst({ where: { am: "751234569" } })).toMatchObject({ acts: 0 });
    expect((await activeDataset(db)).rejectedRows).toBe(7);
  });

  it("numbers rejected rows by their line in the file, past blank lines, names on two lines and CRLF", async () => {
    const dir = dataDir(
      [
        "920000650;Hôpital Foch;52000;1800",
        "",
        '750712184;"Clinique du Parc',
        'bâtiment B";1;2',
        "92000065;Trop court;1;1",
        "",
        "",
        "130783293;Compte négatif;-5;0",
      ],
      [],
    );
    // Written on Windows: CRLF throughout.
    writeFileSync(
      join(dir, "am.csv"),
      [AM_HEADER, "751234567;radiologie;6100", "", "751234568;cardiologie;10", ""].join("\r\n"),
    );
    const rejected: RejectedRow[] = [];
    const summary = await importReferenceData(db, dir, { label: "x", onRejected: (r) => rejected.push(r) });
    expect(summary.finess).toMatchObject({ imported: 2, rejected: 2 });
    expect(rejected.map((r) => `${r.file}:${r.line}`)).toEqual(["finess.csv:6", "finess.csv:9", "am.csv:4"]);
    const parc = await db.finessReference.findFirstOrThrow({ where: { finess: "750712184" } });
    expect(parc.name).toBe("Clinique du Parc\nbâtiment B");
  });

  it("rejects a row whose unclosed quote ran into the next rows, naming its lines, instead of importing wrong counts", async () => {
    const dir = dataDir(
      [
        "920000650;Hôpital Foch;52000;1800",
        '750712184;"Clinique des Pins;12000;0',
        "130783293;Centre Nord;300;0",
        '690781810;"Centre Sud";400;0',
        "330781196;Dernier;5;0",
      ],
      ["751234567;radiologie;1"],
    );
    const rejected: RejectedRow[] = [];
    const summary = await importReferenceData(db, dir, { label: "x", onRejected: (r) => rejected.push(r) });
    // Read as one row, the quote's text up to line 5 was a name and line 5's counts were the clinic's.
    expect(await db.finessReference.findFirst({ where: { finess: "750712184" } })).toBeNull();
    expect(summary.finess).toMatchObject({ imported: 2, rejected: 1 });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ file: "finess.csv", line: 3 });
    expect(rejected[0]!.reason).toContain("lignes 3 à 5");
  });

  it("stops the import when a quote is never closed: the rest of the file was not read as rows", async () => {
    await importReferenceData(db, dataDir(["920000650;A;1;0"], ["751234567;radiologie;1"]), {
      label: "good",
    });
    const rows = Array.from({ length: 50 }, (_, i) => `${100000000 + i};Site ${i};10;0`);
    const dir = dataDir(
      ["920000650;A;1;0", '750712184;"Clinique;100;0', ...rows],
      ["751234567;radiologie;1"],
    );
    await expect(importReferenceData(db, dir, { label: "bad" })).rejects.toThrow(
      /finess\.csv : guillemet ouvert ligne 3 jamais refermé/,
    );
    expect((await activeDataset(db)).label).toBe("good");
  });

  it("reads the activity however it is written: accents, capitals, a space or a dash", async () => {
    const dir = dataDir(
      ["920000650;Hôpital Foch;52000;1800"],
      [
        "751234567;radiologie;1",
        "751234568;Médecine nucléaire;2",
        "751234569;RADIOLOGIE;3",
        "751234570; medecine-nucleaire ;4",
      ],
    );
    await importReferenceData(db, dir, { label: "x" });
    const rows = await db.amReference.findMany({ orderBy: { am: "asc" }, select: { activity: true } });
    expect(rows.map((r) => r.activity)).toEqual([
      "radiologie",
      "medecine_nucleaire",
      "radiologie",
      "medecine_nucleaire",
    ]);
  });

  it("imports a well-shaped FINESS whose key does not check, counted in a warning", async () => {
    const dir = dataDir(["920000651;Clé fausse;100;0", "2A0000402;Ajaccio;50;0"], ["751234567;radiologie;1"]);
    const summary = await importReferenceData(db, dir, { label: "x" });
    expect(summary.finess).toEqual({ imported: 2, rejected: 0, failingFormatCheck: 1 });
  });

  it("keeps older versions and switches the active one", async () => {
    const first = await importReferenceData(db, dataDir(["920000650;A;1;0"], ["751234567;radiologie;1"]), {
      label: "v1",
    });
    const second = await importReferenceData(db, dataDir(["920000650;A;2;0"], ["751234567;radiologie;2"]), {
      label: "v2",
    });
    const versions = await listDatasets(db);
    expect(versions.map((v) => [v.id, v.label, v.active])).toEqual([
      [second.datasetId, "v2", true],
      [first.datasetId, "v1", false],
    ]);
    const old = await loadLookup(db, first.datasetId, {
      finessRadio: ["920000650"],
      finessMn: [],
      amRadio: [],
      amMn: [],
    });
    expect(old.finess("920000650")).toEqual({ radiology: 1, nuclear: 0 });
  });

  it("leaves the previous version active when an import fails", async () => {
    await importReferenceData(db, dataDir(["920000650;A;1;0"], ["751234567;radiologie;1"]), {
      label: "good",
    });
    const noValidAm = dataDir(["750712184;B;1;0"], ["garbage;radiologie;1"]);
    await expect(importReferenceData(db, noValidAm, { label: "bad" })).rejects.toThrow(/aucune ligne valide/);
    const wrongHeader = tempDir();
    writeFileSync(join(wrongHeader, "finess.csv"), "finess,nom,radio,mn\n920000650,A,1,0\n");
    writeFileSync(join(wrongHeader, "am.csv"), `${AM_HEADER}\n`);
    await expect(importReferenceData(db, wrongHeader, { label: "bad" })).rejects.toThrow(
      ReferenceImportError,
    );
    await expect(importReferenceData(db, "/nonexistent", { label: "bad" })).rejects.toThrow(/introuvable/);
    expect((await activeDataset(db)).label).toBe("good");
    expect(await db.finessReference.count({ where: { finess: "750712184" } })).toBe(0);
  });

  it("answers with the newest import should two have ended active at once", async () => {
    const older = await db.dataset.create({ data: { label: "SAE 2023", active: true } });
    const newer = await db.dataset.create({ data: { label: "SAE 2024", active: true } });
    expect((await activeDataset(db)).id).toBe(newer.id);
    await db.dataset.deleteMany({ where: { id: { in: [older.id, newer.id] } } });
  });

  it("says what to do when no data is loaded", async () => {
    await expect(activeDataset(db)).rejects.toThrow(NoDatasetError);
    await expect(activeDataset(db)).rejects.toThrow(/tranche reference import/);
  });

  it("imports the synthetic demo dataset, whose FINESS all check", async () => {
    const dir = tempDir();
    writeDemoDataset(dir, { establishments: 500, doctors: 1200, seed: 7 });
    const progress: number[] = [];
    const summary = await importReferenceData(db, dir, {
      label: "demo",
      onProgress: (p) => progress.push(p.rows),
    });
    expect(summary.finess).toEqual({ imported: 500, rejected: 0, failingFormatCheck: 0 });
    expect(summary.am).toEqual({ imported: 1200, rejected: 0 });
    expect(progress.at(-1)).toBe(1200);
  });
});
