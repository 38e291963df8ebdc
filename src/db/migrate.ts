import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Db } from "./client.ts";

const root = fileURLToPath(new URL("../../prisma/", import.meta.url));

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
  await db.$executeRawUnsafe(
    provider === "sqlite"
      ? `CREATE TABLE IF NOT EXISTS "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`
      : `CREATE TABLE IF NOT EXISTS "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ, "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`,
  );
  const rows = await db.$queryRawUnsafe<{ migration_name: string; finished_at: unknown }[]>(
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
    const statements = splitStatements(sql);
    await db.$transaction(async (tx) => {
      for (const statement of statements) await tx.$executeRawUnsafe(statement);
      await tx.$executeRawUnsafe(
        `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "finished_at", "applied_steps_count") VALUES ($1, $2, $3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)`,
        randomUUID(),
        checksum,
        name,
      );
    });
    done.push(name);
  }
  return done;
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
