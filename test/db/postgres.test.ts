import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accessHistory,
  changeAccess,
  grantAccess,
  isAuthorised,
  revokeAccess,
} from "../../src/access/store.ts";
import { type Db, openDatabase } from "../../src/db/client.ts";
import { calculate } from "../../src/reference/calculate.ts";
import { activeDataset } from "../../src/reference/datasets.ts";
import { importReferenceData, type RejectedRow } from "../../src/reference/import.ts";
import { type PostgresServer, startPostgres } from "../servers/postgres.ts";

let server: PostgresServer;
let db: Db;

beforeAll(async () => {
  server = await startPostgres();
  db = await openDatabase(server.url);
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await server?.stop();
});

describe("PostgreSQL, through the same schema and migrations", () => {
  it("applies the committed migrations, as Prisma records them", async () => {
    const rows = await db.$queryRawUnsafe<{ migration_name: string }[]>(
      `SELECT "migration_name" FROM "_prisma_migrations" ORDER BY 1`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    // Opening again applies nothing twice.
    const again = await openDatabase(server.url);
    await again.$disconnect();
  });

  it("imports reference data and computes a tranche", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tranche-pg-data-"));
    writeFileSync(
      join(dir, "finess.csv"),
      "finess;raison_sociale;examens_radiologie;examens_medecine_nucleaire\n920000650;Hôpital Foch;52000;1800\n9200006;court;1;1\n",
    );
    writeFileSync(join(dir, "am.csv"), "numero_am;activite;actes\n751234567;radiologie;6100\n");
    const rejected: RejectedRow[] = [];
    const summary = await importReferenceData(db, dir, { label: "pg", onRejected: (r) => rejected.push(r) });
    expect(summary.finess).toMatchObject({ imported: 1, rejected: 1 });
    expect(rejected.map((r) => r.line)).toEqual([3]);
    expect((await activeDataset(db)).label).toBe("pg");
    const { result } = await calculate(
      db,
      {
        activity: "mixte",
        finessRadio: ["920000650"],
        amRadio: ["751234567"],
        finessMn: ["920000650"],
        amMn: [],
      },
      { nuclearCoefficient: 5 },
    );
    expect(result).toMatchObject({ total: 52000 + 6100 + 5 * 1800, tranche: "D" });
  });

  it("grants, changes and revokes access, with the audit trail", async () => {
    const operator = { decidedBy: "operator:test", now: new Date("2026-11-20T10:00:00Z") };
    expect(await grantAccess(db, "Jean.Dupont@editeur.fr", operator)).toBe("granted");
    expect(await isAuthorised(db, "jean.dupont@editeur.fr")).toBe(true);
    expect((await changeAccess(db, "jean.dupont@editeur.fr", "j.dupont@editeur.fr", operator)).outcome).toBe(
      "changed",
    );
    expect(await revokeAccess(db, "j.dupont@editeur.fr", operator)).toBe("revoked");
    expect(await isAuthorised(db, "jean.dupont@editeur.fr")).toBe(false);
    expect((await accessHistory(db, "j.dupont@editeur.fr")).map((e) => e.action)).toEqual([
      "change",
      "revoke",
    ]);
  });
});
