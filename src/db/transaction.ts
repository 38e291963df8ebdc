import type { Db, Prisma } from "./client.ts";

/** A client or an open transaction: stores take either, so the daemon can run them in its own. */
export type DbOrTx = Db | Prisma.TransactionClient;

/**
 * Runs `body` atomically: in a new transaction when given the client, or inside the caller's
 * transaction when given one: the caller's is the unit. (A transaction client of Prisma 7 has a
 * `$transaction` too, opening a SAVEPOINT: two more statements per call for nothing, since no caller
 * recovers from a failed body; only the client has `$disconnect`.)
 */
export async function inTransaction<T>(
  db: DbOrTx,
  body: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  if ("$disconnect" in db) return db.$transaction(body);
  return body(db);
}
