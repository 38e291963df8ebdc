import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Db } from "./client.ts";

const root = fileURLToPath(new URL("../../prisma/", import.meta.url));

/** The PostgreSQL advisory lock key taken while migrating (any constant the service alone uses). */
const MIGRATION_LOCK = 7_261_202;
const MIGRATION_TIMEOUT_MS = 10 * 60_000;

/**
 * Applies the committed Prisma migrations that are not yet applied, keeping Prisma's own
 * `_prisma_migrations` book-keeping (same table, same checksums), so `prisma migrate status` and
 * `prisma migrate deploy` agree with it. It exists because the service must start with no Prisma
 * engine binary at hand: the runtime is the driver adapter only.
 */
export async function applyMigrations(
  db: Db,
  provider: "sqlite" | "postgresql",
  options: { before?: string } = {},
): Promise<string[]> {
  const dir = provider === "sqlite" ? join(root, "migrations") : join(root, "postgresql", "migrations");
  // `before`: only the migrations older than that one (an upgrade starts from an older schema).
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => options.before === undefined || name < options.before)
    .sort();
  // Every start checks: when nothing is pending, no lock is taken (a CLI command beside the daemon).
  if (await allApplied(db, names)) return [];
  // One transaction, taken by one process at a time (SQLite: its write lock; PostgreSQL: an
  // advisory lock), so that processes starting together on a new database — two replicas, the
  // daemon and a CLI command — do not apply the same migration twice: the others wait, then find
  // it applied.
  return db.$transaction(
    async (tx) => {
      if (provider === "postgresql")
        await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await tx.$executeRawUnsafe(
        provider === "sqlite"
          ? `CREATE TABLE IF NOT EXISTS "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`
          : `CREATE TABLE IF NOT EXISTS "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ, "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`,
      );
      const rows = await tx.$queryRawUnsafe<{ migration_name: string; finished_at: unknown }[]>(
        `SELECT "migration_name", "finished_at" FROM "_prisma_migrations" WHERE "rolled_back_at" IS NULL`,
      );
      const failed = rows.filter((row) => row.finished_at === null).map((row) => row.migration_name);
      if (failed.length) {
        throw new Error(
          `migration(s) ${failed.join(", ")} started but did not finish: repair the database first`,
        );
      }
      const applied = new Set(rows.map((row) => row.migration_name));
      const done: string[] = [];
      for (const name of names) {
        if (applied.has(name)) continue;
        const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
        const checksum = createHash("sha256").update(sql).digest("hex");
        for (const statement of splitStatements(sql)) await tx.$executeRawUnsafe(statement);
        await tx.$executeRawUnsafe(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "finished_at", "applied_steps_count") VALUES ($1, $2, $3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)`,
          randomUUID(),
          checksum,
          name,
        );
        done.push(name);
      }
      return done;
    },
    // A migration of a large table takes its time; a process waits for another's as long.
    { timeout: MIGRATION_TIMEOUT_MS, maxWait: MIGRATION_TIMEOUT_MS },
  );
}

/** Whether every migration is recorded as applied (false too when the book-keeping table is missing). */
async function allApplied(db: Db, names: readonly string[]): Promise<boolean> {
  try {
    const rows = await db.$queryRawUnsafe<{ migration_name: string }[]>(
      `SELECT "migration_name" FROM "_prisma_migrations" WHERE "rolled_back_at" IS NULL AND "finished_at" IS NOT NULL`,
    );
    const applied = new Set(rows.map((row) => row.migration_name));
    return names.every((name) => applied.has(name));
  } catch {
    return false;
  }
}

/** Prisma's generated migrations: statements end with `;` at the end of a line, no procedures. */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((statement) =>
      statement
        .split("\n")
        .filter((line) => !line.trim().startsWith("--"))
        .join("\n")
        .trim(),
    )
    .filter(Boolean);
}
