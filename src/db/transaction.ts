import type { Db, Prisma } from "./client.ts";

/** A client or an open transaction: stores take either, so the daemon can run them in its own. */
export type DbOrTx = Db | Prisma.TransactionClient;

/**
 * Runs `body` atomically: in a new transaction when given the client, or inside the caller's
 * transaction when given one (Prisma has no nested transactions; the caller's is the unit).
 */
export async function inTransaction<T>(
  db: DbOrTx,
  body: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  if ("$transaction" in db && typeof db.$transaction === "function") return db.$transaction(body);
  return body(db);
}
