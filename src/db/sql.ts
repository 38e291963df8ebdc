import type { PreparedSqliteClient } from "./sqlite-adapter.ts";
import type { DbOrTx } from "./transaction.ts";

/**
 * Plain SQL for the statements the daemon runs for every message (the claim, the lookups, the
 * calculation and outbox rows, the outbox worker). Through Prisma's query pipeline each of them
 * cost ~150 µs of JavaScript, more than the database's own work; here a SQLite statement is
 * prepared once and run by the driver on Prisma's own connection, inside the caller's Prisma
 * transaction when given one. On PostgreSQL the same SQL goes through Prisma's raw queries, in
 * the same transaction.
 *
 * The SQL is written once for both databases: double-quoted identifiers, `?` placeholders
 * (numbered for PostgreSQL here), `RETURNING`, and values converted as Prisma stores them
 * (DateTime as ISO text with `+00:00` in SQLite; booleans as 0/1 there).
 */
export interface Sql {
  readonly provider: "sqlite" | "postgresql";
  /** Rows as objects keyed by column name (integers as numbers, blobs as bytes). */
  query<T>(sql: string, args?: readonly unknown[]): Promise<T[]>;
  /** A statement without rows; resolves with how many rows it changed. */
  execute(sql: string, args?: readonly unknown[]): Promise<number>;
}

interface Registered {
  provider: "sqlite" | "postgresql";
  /** SQLite: the connection under the Prisma adapter (known once Prisma has connected). */
  sqlite: () => PreparedSqliteClient | null;
}

const clients = new WeakMap<object, Registered>();
/** The SQL runner of each transaction client, made at its first use (see sqliteSql). */
const transactionRunners = new WeakMap<object, Sql>();

/**
 * A Prisma 7 client, and every transaction client of it, name the same `_originalClient` (the
 * object behind the client's proxy). Pinned version; the tests exercise it on both databases.
 */
const originalOf = (db: object): object | undefined => (db as { _originalClient?: object })._originalClient;

/** Called by `openDatabase` for every client it opens. */
export function registerSqlClient(db: object, registered: Registered): void {
  const original = originalOf(db);
  if (!original) throw new Error("unexpected Prisma client: no _originalClient");
  clients.set(original, registered);
}

/**
 * The SQL runner for a client, or for a transaction of one (inside it). A transaction's runner is
 * made once, at its first use, and stays bound to that transaction.
 */
export function sqlOf(db: DbOrTx): Sql {
  const inTransaction = !("$disconnect" in db);
  const client = originalOf(db);
  const registered = client && clients.get(client);
  if (!registered) throw new Error("database client not opened with openDatabase()");
  if (registered.provider === "postgresql") return postgresSql(db);
  if (!inTransaction) return sqliteSql(registered, null);
  let runner = transactionRunners.get(db);
  if (!runner) {
    runner = sqliteSql(registered, registered.sqlite()?.openTransaction ?? -1);
    transactionRunners.set(db, runner);
  }
  return runner;
}

/**
 * `transaction`: the one the runner belongs to (PreparedSqliteClient.openTransaction when it was made),
 * null for statements outside any transaction.
 */
function sqliteSql(registered: Registered, transaction: number | null): Sql {
  /** Runs `statement` on the connection: in the caller's transaction, or in none at all. */
  const run = async <T>(statement: (sqlite: PreparedSqliteClient) => T): Promise<T> => {
    // openDatabase's PRAGMAs have made Prisma open it.
    const sqlite = registered.sqlite();
    if (!sqlite) throw new Error("the SQLite connection is not open");
    if (transaction !== null) {
      // The caller's transaction holds Prisma's lock while it is open. Once Prisma has ended it (a
      // timeout while the caller still works), the connection may be in another one, whose commit
      // would carry the caller's rows: refuse.
      if (sqlite.openTransaction !== transaction) throw new Error("transaction already closed");
      return statement(sqlite);
    }
    // Never inside someone else's transaction (its rollback would undo our change): the check and
    // the statement run in one synchronous step, so no transaction can begin in between.
    while (sqlite.inTransaction) await sqlite.outsideTransaction();
    return statement(sqlite);
  };
  return {
    provider: "sqlite",
    query: <T>(sql: string, args: readonly unknown[] = []) =>
      run((sqlite) => sqlite.query(sql, args.map(sqliteValue)) as T[]),
    execute: (sql, args = []) => run((sqlite) => sqlite.change(sql, args.map(sqliteValue))),
  };
}

/** Prisma's SQLite DateTime format, so that text comparisons and Prisma's reads agree. */
function sqliteValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString().replace("Z", "+00:00") : value;
}

function postgresSql(db: DbOrTx): Sql {
  const raw = db as unknown as {
    $queryRawUnsafe<T>(sql: string, ...args: unknown[]): Promise<T[]>;
    $executeRawUnsafe(sql: string, ...args: unknown[]): Promise<number>;
  };
  const numbered = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  return {
    provider: "postgresql",
    query: <T>(sql: string, args: readonly unknown[] = []) => raw.$queryRawUnsafe<T>(numbered(sql), ...args),
    execute: (sql, args = []) => raw.$executeRawUnsafe(numbered(sql), ...args),
  };
}

/** A DateTime column as read by `Sql.query`: ISO text in SQLite, a Date from PostgreSQL. */
export function dateOf(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value);
  const text = String(value);
  // SQLite's CURRENT_TIMESTAMP (column defaults) is UTC without a zone.
  return new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(text) ? `${text.replace(" ", "T")}Z` : text);
}

/** `?, ?, ?` for an IN list of `n` values. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => "?").join(", ");
}
