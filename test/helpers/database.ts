import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Db, openDatabase } from "../../src/db/client.ts";

/** A fresh, migrated SQLite database in a private temp folder; `close()` removes it. */
export async function createTestDatabase(): Promise<{
  db: Db;
  url: string;
  dir: string;
  close(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), "tranche-db-"));
  const url = `file:${join(dir, "test.db")}`;
  const db = await openDatabase(url);
  return {
    db,
    url,
    dir,
    async close() {
      await db.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
