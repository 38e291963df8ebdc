import Database from "libsql";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../src/db/client.ts";
import { sqlOf } from "../../src/db/sql.ts";
import { createTestDatabase } from "../helpers/database.ts";

let test: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;

beforeEach(async () => {
  test = await createTestDatabase();
  db = test.db;
  // Short, so that the write below gives up quickly; the service waits 5 s.
  await db.$queryRawUnsafe("PRAGMA busy_timeout = 100");
  for (const label of ["SAE 2022", "SAE 2023"])
    await sqlOf(db).execute(
      `INSERT INTO "Dataset" ("label", "importedAt", "active") VALUES (?, '2026-01-01T00:00:00.000+00:00', 0)`,
      [label],
    );
});
afterEach(() => test.close());

const datasets = async () =>
  (await sqlOf(db).query<{ n: number }>(`SELECT COUNT(*) AS "n" FROM "Dataset"`, []))[0]!.n;

/** Another process's writer (`tranche reference import`) holding the write lock, its rows pending. */
function otherWriter(): InstanceType<typeof Database> {
  const other = new Database(test.url.replace(/^file:/, ""));
  other.exec("BEGIN IMMEDIATE");
  other.exec(
    `INSERT INTO "Dataset" ("label", "importedAt", "active") VALUES ('SAE 2024', '2026-06-01T00:00:00.000+00:00', 1)`,
  );
  return other;
}

describe("the SQLite connection", () => {
  it("reads what another connection committed after one of its own writes gave up on the lock", async () => {
    const other = otherWriter();
    // The outbox worker's lease, as the daemon polls it, while an import holds the lock.
    await expect(
      sqlOf(db).query(
        `UPDATE "Dataset" SET "label" = "label" WHERE "id" IN (SELECT "id" FROM "Dataset" WHERE "active" = 0) RETURNING "id"`,
        [],
      ),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    // Meanwhile the daemon reads (a claim, a rescan): a read transaction begins beside the failed statement.
    expect(await datasets()).toBe(2);
    other.exec("COMMIT");
    other.close();
    // The failed statement, never reset by the driver, kept that snapshot: the new dataset was unseen.
    expect(await datasets()).toBe(3);
    expect(await db.dataset.count()).toBe(3);
  });

  it("keeps its settings on the connection that replaces a stuck one", async () => {
    const other = otherWriter();
    await expect(
      sqlOf(db).query(`UPDATE "Dataset" SET "label" = "label" RETURNING "id"`, []),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    other.exec("ROLLBACK");
    other.close();
    const setting = async (name: string) =>
      Object.values(((await db.$queryRawUnsafe(`PRAGMA ${name}`)) as Record<string, unknown>[])[0]!)[0];
    expect(Number(await setting("busy_timeout"))).toBe(100);
    expect(Number(await setting("foreign_keys"))).toBe(1);
    expect(Number(await setting("synchronous"))).toBe(1);
    expect(await setting("journal_mode")).toBe("wal");
  });
});
