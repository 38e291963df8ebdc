import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { isPostgresUrl } from "./database-url.ts";
import { PrismaClient as SqliteClient } from "./generated/sqlite/client.ts";
import { applyMigrations } from "./migrate.ts";
import { registerSqlClient } from "./sql.ts";
import { SingleConnectionLibSql } from "./sqlite-adapter.ts";

export type Db = SqliteClient;
export type Provider = "sqlite" | "postgresql";

const opened = new WeakMap<object, { provider: Provider; url: string }>();

function openedWith(db: Db): { provider: Provider; url: string } {
  const info = opened.get(db);
  if (!info) throw new Error("database client not opened with openDatabase()");
  return info;
}

/** Which SQL dialect a client speaks (raw SQL differs in placeholders and a few functions). */
export function databaseProvider(db: Db): Provider {
  return openedWith(db).provider;
}

/** The URL a client was opened with (bulk loads open their own driver connection to it). */
export function databaseUrl(db: Db): string {
  return openedWith(db).url;
}
export type { Prisma } from "./generated/sqlite/client.ts";

/** The database cannot be reached or opened: the message says which one and why, never the password. */
export class DatabaseUnavailableError extends Error {}

/**
 * PostgreSQL failed the statement to end a deadlock (40P01): one of the transactions waiting on each
 * other. Prisma reports the driver's code under the same path for raw SQL and for its own queries.
 */
export function isDeadlock(error: unknown): boolean {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } })?.meta;
  return meta?.driverAdapterError?.cause?.originalCode === "40P01";
}

/** Where a database URL points, for messages: the SQLite file, or PostgreSQL's host, port and name. */
function whereIs(url: string): string {
  if (!isPostgresUrl(url)) return `le fichier SQLite ${url.replace(/^file:/, "")}`;
  try {
    const parsed = new URL(url);
    return `PostgreSQL ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return "PostgreSQL";
  }
}

/** The reason Prisma or the driver gives, without the invocation text around it. */
function reasonOf(error: unknown): string {
  const text = String((error as Error)?.message ?? error);
  const quoted = /Message: `([^`]+)`/.exec(text)?.[1];
  return (quoted ?? text.split("\n").find((line) => line.trim()) ?? text).trim();
}

/**
 * Opens the database named by the URL (SQLite `file:` or PostgreSQL) through its driver adapter and
 * applies pending migrations. Both generated clients come from one data model
 * (scripts/prisma-schemas.mjs), so the PostgreSQL client is used through the same type. A database
 * that cannot be reached or opened is a DatabaseUnavailableError.
 */
export async function openDatabase(url: string, options: { migrate?: boolean } = {}): Promise<Db> {
  let db: Db;
  try {
    db = await connect(url);
  } catch (error) {
    throw new DatabaseUnavailableError(
      `impossible d'ouvrir la base de données (${whereIs(url)}) : ${reasonOf(error)} — vérifiez DATABASE_URL ${isPostgresUrl(url) ? "et que le serveur est démarré" : "et les droits sur son dossier"}`,
    );
  }
  if (options.migrate !== false) await applyMigrations(db, isPostgresUrl(url) ? "postgresql" : "sqlite");
  return db;
}

/** The client, with its per-connection settings, once a first statement has gone through. */
async function connect(url: string): Promise<Db> {
  const postgres = isPostgresUrl(url);
  // The embedded default's ./var, or any SQLite file's folder, is created on first use.
  if (!postgres && url.startsWith("file:"))
    mkdirSync(dirname(url.slice("file:".length)), { recursive: true });
  // The PostgreSQL client, its query compiler and pg are loaded only when asked for (~tens of MB).
  const adapter = postgres ? null : new SingleConnectionLibSql({ url });
  const db = adapter ? new SqliteClient({ adapter }) : await openPostgres(url);
  opened.set(db, { provider: postgres ? "postgresql" : "sqlite", url });
  registerSqlClient(db, {
    provider: postgres ? "postgresql" : "sqlite",
    sqlite: () => adapter?.connection ?? null,
  });
  try {
    if (!postgres) {
      // busy_timeout waits for a lock instead of failing (first: switching to WAL may wait for one);
      // WAL lets the CLI read while the daemon writes.
      await db.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
      await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
      // In WAL mode NORMAL loses no committed transaction when the process crashes (only on a power
      // loss may the last commits roll back), and saves an fsync per commit.
      await db.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
      await db.$queryRawUnsafe("PRAGMA foreign_keys = ON");
      // Freed pages are zeroed, not left on the free list: otherwise raw email, purged after the
      // retention (SPEC §9) or left behind each time a row is rewritten, stays readable in the file.
      await db.$queryRawUnsafe("PRAGMA secure_delete = ON");
    } else {
      await db.$queryRawUnsafe("SELECT 1");
    }
  } catch (error) {
    // Nothing must keep the process alive (a pool's timers) once the caller reports the failure.
    await db.$disconnect().catch(() => {});
    throw error;
  }
  return db;
}

async function openPostgres(url: string): Promise<Db> {
  const [{ PrismaClient }, { PrismaPg }] = await Promise.all([
    import("./generated/postgresql/client.ts"),
    import("@prisma/adapter-pg"),
  ]);
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db;
}
