import type { Client, Config, InStatement, ResultSet, Transaction, TransactionMode } from "@libsql/client";
import { PrismaLibSql } from "@prisma/adapter-libsql";

const BEGIN: Record<TransactionMode, string> = {
  write: "BEGIN IMMEDIATE",
  read: "BEGIN TRANSACTION READONLY",
  deferred: "BEGIN DEFERRED",
};

/**
 * The libsql adapter, with transactions run on the client's one SQLite connection. @libsql/client
 * (0.15) hands each transaction its current connection and opens a new one for what follows,
 * without ever closing the old one: every Prisma transaction leaked a connection (its page cache,
 * prepared schema; ~0.8 MB each, 900 MB after a thousand messages) and ran without the per-connection
 * PRAGMAs set at open (busy_timeout, foreign_keys, synchronous). Sharing the connection is safe: the
 * Prisma adapter holds its client's lock from BEGIN to COMMIT/ROLLBACK, so nothing else runs on it
 * in between.
 */
export class SingleConnectionLibSql extends PrismaLibSql {
  override createClient(config: Config): Client {
    const client = super.createClient(config);
    const transaction = async (mode: TransactionMode = "write"): Promise<Transaction> => {
      await client.execute(BEGIN[mode]);
      let open = true;
      const end = async (sql: "COMMIT" | "ROLLBACK") => {
        if (!open) return;
        open = false;
        await client.execute(sql);
      };
      return {
        execute: (statement: InStatement): Promise<ResultSet> => client.execute(statement),
        async batch(statements: InStatement[]): Promise<ResultSet[]> {
          const results: ResultSet[] = [];
          for (const statement of statements) results.push(await client.execute(statement));
          return results;
        },
        executeMultiple: () => Promise.reject(new Error("executeMultiple is not supported in a transaction")),
        commit: () => end("COMMIT"),
        rollback: () => end("ROLLBACK").catch(() => {}),
        close() {
          void end("ROLLBACK").catch(() => {});
        },
        get closed() {
          return !open;
        },
      };
    };
    client.transaction = transaction;
    return client;
  }
}
