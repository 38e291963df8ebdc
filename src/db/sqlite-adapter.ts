import { fileURLToPath } from "node:url";
import type { Client, Config, InStatement, ResultSet, Transaction, TransactionMode } from "@libsql/client";
import { PrismaLibSql } from "@prisma/adapter-libsql";
import Database from "libsql";

const BEGIN: Record<TransactionMode, string> = {
  write: "BEGIN IMMEDIATE",
  read: "BEGIN TRANSACTION READONLY",
  deferred: "BEGIN DEFERRED",
};

/** Prepared statements kept per connection: Prisma's SQL for a model operation is always the same text. */
const STATEMENT_CACHE = 256;

type Connection = InstanceType<typeof Database>;
type Statement = ReturnType<Connection["prepare"]>;
interface Prepared {
  statement: Statement;
  /** Column names and declared types, for statements that return rows. */
  columns: string[] | null;
  columnTypes: string[];
}

/**
 * The libsql adapter over our own client for the synchronous `libsql` driver (the one under
 * @libsql/client), for two reasons measured on the daemon's hot path:
 *
 * - @libsql/client prepares every statement anew and reads its column list twice per call; the
 *   daemon runs the same dozen statements per message, so preparing them once and reusing them
 *   cut the database's share of each message by about a third.
 * - @libsql/client (0.15–0.17) hands each transaction its current connection and opens a new one
 *   for what follows, never closing the old one: every Prisma transaction leaked a connection
 *   (~0.8 MB each) and ran without the per-connection PRAGMAs set at open (busy_timeout,
 *   foreign_keys, synchronous). Here there is one connection; sharing it is safe because the
 *   Prisma adapter holds its lock from BEGIN to COMMIT/ROLLBACK.
 *
 * Values are converted as @libsql/client does with its default `intMode: "number"`.
 */
export class SingleConnectionLibSql extends PrismaLibSql {
  /** The connection Prisma runs on, once it has connected: `src/db/sql.ts` runs statements on it too. */
  connection: PreparedSqliteClient | null = null;

  override createClient(config: Config): Client {
    const url = config.url;
    this.connection = new PreparedSqliteClient(
      url.startsWith("file://") ? fileURLToPath(url) : url.replace(/^file:/, ""),
    );
    return this.connection as unknown as Client;
  }
}

export class PreparedSqliteClient {
  readonly protocol = "file";
  private db: Connection;
  private readonly statements = new Map<string, Prepared>();
  /** Settles when the open transaction ends (null: none open). */
  private transactionEnded: Promise<void> | null = null;
  /** Counts the transactions begun on the connection: which one is open (see openTransaction). */
  private transactions = 0;
  /** The `PRAGMA name = value` settings run on the connection, run again on a new one (see reopen). */
  private readonly settings = new Map<string, string>();
  /** A statement failed busy inside the open transaction: the connection is replaced when it ends. */
  private stuck = false;

  constructor(private readonly path: string) {
    this.db = new Database(path);
  }

  get closed(): boolean {
    return !this.db.open;
  }

  async execute(statement: InStatement | string, args?: unknown[]): Promise<ResultSet> {
    if (typeof statement === "string") return this.run(statement, args ?? []);
    return this.run(statement.sql, (statement.args ?? []) as unknown[]);
  }

  async batch(statements: InStatement[]): Promise<ResultSet[]> {
    const results: ResultSet[] = [];
    for (const statement of statements) results.push(await this.execute(statement));
    return results;
  }

  async transaction(mode: TransactionMode = "write"): Promise<Transaction> {
    // Prisma asks for every transaction "deferred": one that reads, then writes while another
    // process holds the lock, fails at once (SQLITE_BUSY, no busy wait for the upgrade). Taking the
    // write lock at BEGIN waits its turn instead (busy_timeout) — the service's transactions write.
    this.run(BEGIN[mode === "deferred" ? "write" : mode], []);
    this.transactions++;
    let open = true;
    let ended = () => {};
    this.transactionEnded = new Promise<void>((resolve) => (ended = resolve));
    const end = (sql: "COMMIT" | "ROLLBACK") => {
      if (!open) return;
      open = false;
      try {
        this.run(sql, []);
      } catch (error) {
        // SQLite keeps a transaction open when its COMMIT fails: roll it back, or every later
        // statement on this connection would run inside it, reading its old snapshot.
        if (this.db.inTransaction) {
          try {
            this.db.exec("ROLLBACK");
          } catch {}
        }
        throw error;
      } finally {
        if (this.stuck) this.reopen();
        this.transactionEnded = null;
        ended();
      }
    };
    return {
      execute: (statement: InStatement) => this.execute(statement),
      batch: (statements: InStatement[]) => this.batch(statements),
      executeMultiple: () => Promise.reject(new Error("executeMultiple is not supported in a transaction")),
      commit: async () => end("COMMIT"),
      rollback: async () => {
        try {
          end("ROLLBACK");
        } catch {}
      },
      close() {
        try {
          end("ROLLBACK");
        } catch {}
      },
      get closed() {
        return !open;
      },
    } as Transaction;
  }

  async executeMultiple(sql: string): Promise<void> {
    this.statements.clear();
    this.db.exec(sql);
  }

  async migrate(): Promise<never> {
    throw new Error("migrate is not supported");
  }

  reconnect(): void {}

  async sync(): Promise<never> {
    throw new Error("sync is not supported");
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  /** Whether a transaction is open on the connection (statements run now would be part of it). */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /**
   * Which transaction is open now (a number no other transaction of this connection has), null when
   * none is: a caller's statements must run in the transaction they belong to, not in a later one.
   */
  get openTransaction(): number | null {
    return this.db.inTransaction ? this.transactions : null;
  }

  /** Resolves when the open transaction ends. */
  async outsideTransaction(): Promise<void> {
    if (!this.transactionEnded) {
      // Only `transaction()` opens transactions on this connection; anything else is a bug that
      // would otherwise make every caller wait forever.
      throw new Error("the SQLite connection is inside a transaction that was not opened through it");
    }
    await this.transactionEnded;
  }

  /** Rows as objects keyed by column name, integers as numbers, blobs as Buffers. */
  query(sql: string, args: readonly unknown[]): Record<string, unknown>[] {
    const { statement, columns } = this.prepared(sql);
    if (!columns) throw new Error(`not a query: ${sql}`);
    const values = args.map(toSql);
    return (this.step(() => statement.all(values)) as unknown[][]).map((row) => {
      const record: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) {
        const value = row[i];
        record[columns[i]!] = typeof value === "bigint" ? fromSql(value) : value;
      }
      return record;
    });
  }

  /** A statement without rows; returns how many rows it changed. */
  change(sql: string, args: readonly unknown[]): number {
    return this.run(sql, args as unknown[]).rowsAffected;
  }

  private prepared(sql: string): Prepared {
    const cached = this.statements.get(sql);
    if (cached) {
      // Least recently used first in the Map's order.
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    const statement = this.db.prepare(sql);
    statement.safeIntegers(true);
    let prepared: Prepared = { statement, columns: null, columnTypes: [] };
    if (statement.reader) {
      statement.raw(true);
      const columns = statement.columns() as { name: string; type: string | null }[];
      prepared = {
        statement,
        columns: columns.map((c) => c.name),
        columnTypes: columns.map((c) => c.type ?? ""),
      };
    }
    this.statements.set(sql, prepared);
    if (this.statements.size > STATEMENT_CACHE) {
      this.statements.delete(this.statements.keys().next().value!);
    }
    return prepared;
  }

  private run(sql: string, args: unknown[]): ResultSet {
    const { statement, columns, columnTypes } = this.prepared(sql);
    const values = args.map(toSql);
    // openDatabase's per-connection settings (busy_timeout, synchronous, foreign_keys), for reopen.
    const setting = /^\s*PRAGMA\s+(\w+)\s*=/i.exec(sql);
    if (setting) this.settings.set(setting[1]!.toLowerCase(), sql);
    if (columns) {
      const rows = (this.step(() => statement.all(values)) as unknown[][]).map((row) => row.map(fromSql));
      return resultSet(columns, columnTypes, rows, 0, undefined);
    }
    const info = this.step(() => statement.run(values)) as {
      changes: number;
      lastInsertRowid: number | bigint;
    };
    return resultSet([], [], [], info.changes, BigInt(info.lastInsertRowid));
  }

  /**
   * Runs a statement on the driver. A statement that SQLite answers SQLITE_BUSY or SQLITE_LOCKED
   * stays active (SQLite keeps it to be retried), and libsql 0.5.x resets it only when it runs
   * again: while it is active, the connection's read transaction never ends, so the first read run
   * beside it fixes a snapshot that every later statement, outside any transaction too
   * (`inTransaction` is false), keeps reading — the outbox lease failing busy while `tranche
   * reference import` held the write lock left the daemon computing on the previous dataset. The
   * driver has no reset of its own: the connection is replaced (outside a transaction now, else
   * when the transaction ends), and the stale snapshot goes with it.
   */
  private step<T>(statement: () => T): T {
    try {
      return statement();
    } catch (error) {
      if (/^SQLITE_(BUSY|LOCKED)/.test(String((error as { code?: unknown }).code ?? ""))) {
        if (this.db.inTransaction) this.stuck = true;
        else this.reopen();
      }
      throw error;
    }
  }

  /** A new connection to the same file, with the settings of the old one; the old one is closed. */
  private reopen(): void {
    this.stuck = false;
    this.statements.clear();
    const old = this.db;
    this.db = new Database(this.path);
    for (const sql of this.settings.values()) this.db.exec(sql);
    try {
      old.close();
    } catch {}
  }
}

function resultSet(
  columns: string[],
  columnTypes: string[],
  rows: unknown[][],
  rowsAffected: number,
  lastInsertRowid: bigint | undefined,
): ResultSet {
  return {
    columns,
    columnTypes,
    rows: rows as unknown as ResultSet["rows"],
    rowsAffected,
    lastInsertRowid,
    toJSON: () => ({
      columns,
      columnTypes,
      rows,
      rowsAffected,
      lastInsertRowid: lastInsertRowid?.toString(),
    }),
  };
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function fromSql(value: unknown): unknown {
  if (typeof value === "bigint") {
    if (value < MIN_SAFE || value > MAX_SAFE)
      throw new RangeError("Received integer which cannot be safely represented as a JavaScript number");
    return Number(value);
  }
  // Prisma's adapter turns ArrayBuffers into the Uint8Array of a Bytes field.
  if (Buffer.isBuffer(value))
    return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
  return value;
}

function toSql(value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value))
    throw new RangeError("Only finite numbers (not Infinity or NaN) can be passed as arguments");
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value instanceof Date) return value.valueOf();
  if (value === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  return value;
}
