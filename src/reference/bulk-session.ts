import Database from "libsql";
import { type Db, databaseProvider, databaseUrl } from "../db/client.ts";

/**
 * One write transaction for a bulk load, on its own driver connection. The import goes around
 * Prisma here on purpose: a raw multi-row INSERT through the adapter costs about twice the time of
 * the driver's own call (measured: 123k vs 226k rows/s on SQLite), and a million rows must load in
 * seconds. Everything else uses Prisma.
 */
export interface BulkSession {
  /** Runs one statement with positional parameters (`?` placeholders, rewritten for PostgreSQL). */
  execute(sql: string, args: unknown[]): Promise<void>;
  /** Runs a query and returns its rows. */
  query<T>(sql: string, args: unknown[]): Promise<T[]>;
  /**
   * Makes imports take turns, to the commit (PostgreSQL: two committed at once would each deactivate
   * only the dataset it saw and leave two active; SQLite's BEGIN IMMEDIATE already lets one writer
   * in at a time). Readers of the active dataset are not blocked.
   */
  lockActivation(): Promise<void>;
  commit(): Promise<void>;
  /** Rolls back (if still open) and closes the connection; safe to call twice. */
  close(): Promise<void>;
}

export async function openBulkSession(db: Db): Promise<BulkSession> {
  return databaseProvider(db) === "postgresql" ? openPostgres(databaseUrl(db)) : openSqlite(databaseUrl(db));
}

async function openSqlite(url: string): Promise<BulkSession> {
  // The synchronous driver under @libsql/client: statements are prepared once and reused, which
  // matters for a million rows in batches of the same size.
  const db = new Database(url.replace(/^file:/, ""));
  db.pragma("busy_timeout = 30000");
  // A larger page cache keeps the primary-key B-tree of a million random identifiers in memory
  // (bounded: 64 MiB).
  db.pragma("cache_size = -65536");
  db.pragma("foreign_keys = ON");
  db.exec("BEGIN IMMEDIATE");
  const prepared = new Map<string, ReturnType<typeof db.prepare>>();
  const statement = (sql: string) => {
    let stmt = prepared.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      prepared.set(sql, stmt);
    }
    return stmt;
  };
  // SQLite stores booleans as integers (copied only when there is one: a batch of rows has none).
  const bind = (args: unknown[]) =>
    args.some((a) => typeof a === "boolean")
      ? args.map((a) => (typeof a === "boolean" ? Number(a) : a))
      : args;
  let open = true;
  return {
    async execute(sql, args) {
      statement(sql).run(bind(args));
    },
    async query<T>(sql: string, args: unknown[]) {
      return statement(sql).all(bind(args)) as T[];
    },
    async lockActivation() {},
    async commit() {
      db.exec("COMMIT");
      open = false;
    },
    async close() {
      if (!db.open) return;
      if (open) db.exec("ROLLBACK");
      open = false;
      db.close();
    },
  };
}

/** The connection to PostgreSQL dropped during an import (server restarted, backend terminated). */
export class ImportConnectionLostError extends Error {}

async function openPostgres(url: string): Promise<BulkSession> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  // Without a listener, the connection's end (a server restart) is an uncaught 'error' event.
  let lost: Error | null = null;
  client.on("error", (error) => {
    lost = error;
  });
  await client.connect();
  await client.query("BEGIN");
  let open = true;
  let closed = false;
  const numbered = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  const run = async (sql: string, args: unknown[]) => {
    try {
      return await client.query(numbered(sql), args);
    } catch (error) {
      // 57P01…57P03: the server ended the session; or the socket went away under the query.
      const code = (error as { code?: string }).code ?? "";
      if (!lost && !code.startsWith("57P") && !/Connection terminated/i.test(String(error))) throw error;
      open = false;
      throw new ImportConnectionLostError(
        `connexion à PostgreSQL perdue pendant l'import (${(lost ?? (error as Error)).message}) : rien n'a été importé, la version active reste inchangée`,
      );
    }
  };
  return {
    async execute(sql, args) {
      await run(sql, args);
    },
    async query<T>(sql: string, args: unknown[]) {
      return (await run(sql, args)).rows as T[];
    },
    async lockActivation() {
      await run('LOCK TABLE "Dataset" IN SHARE ROW EXCLUSIVE MODE', []);
    },
    async commit() {
      await run("COMMIT", []);
      open = false;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (open) await client.query("ROLLBACK").catch(() => {});
      await client.end().catch(() => {});
    },
  };
}
