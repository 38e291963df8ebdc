import { sqlOf } from "../db/sql.ts";
import type { DbOrTx } from "../db/transaction.ts";
import type { AccessRequest } from "../intake/types.ts";

/**
 * The other copies of a message, read in the other mailbox (sent to calcul@ with contact@ in copy):
 * the same Message-ID and the same From header. Looked up by Message-ID (indexed; almost always
 * none), so that what they were answered with is looked at only for a real copy.
 *
 * On PostgreSQL the two copies may be handled at the same instant by two daemons (one daemon runs
 * one transaction at a time), each transaction seeing no answered copy yet: both were answered. A
 * lock on this Message-ID and From, held to the end of the transaction, makes the second wait for
 * the first to commit or roll back (a message's savepoint rolled back releases it too); its lookups
 * then see that outcome (READ COMMITTED: each statement a fresh snapshot). Two batches reaching copies in crossing order
 * deadlock: PostgreSQL fails one of the waits, and claim.ts leaves that message for the next scan.
 * On SQLite write transactions are serialised already.
 */
export async function otherMailboxCopies(
  db: DbOrTx,
  message: { inboundId: number; mailbox: string; messageId: string },
): Promise<number[]> {
  const bare = message.messageId.replace(/^<|>$/g, "");
  // Asked for every message: plain SQL (src/db/sql.ts).
  const sql = sqlOf(db);
  if (sql.provider === "postgresql") {
    // execute: Prisma cannot read the void the lock function returns.
    await sql.execute(
      `SELECT pg_advisory_xact_lock(hashtextextended(concat(?::text, ' ', "fromAddress"), 0)) FROM "InboundMessage" WHERE "id" = ?`,
      [bare, message.inboundId],
    );
  }
  const rows = await sql.query<{ id: number }>(
    `SELECT c."id" FROM "InboundMessage" c JOIN "InboundMessage" m ON m."id" = ? WHERE c."messageId" IN (?, ?) AND c."mailbox" <> ? AND c."fromAddress" = m."fromAddress"`,
    [message.inboundId, bare, `<${bare}>`, message.mailbox],
  );
  return rows.map((row) => row.id);
}

/** Whether an access request (action and addresses) was recorded from one of these copies. */
export async function accessAskedIn(
  db: DbOrTx,
  copies: readonly number[],
): Promise<(request: AccessRequest) => boolean> {
  if (copies.length === 0) return () => false;
  const asked = await db.accessRequest.findMany({
    where: { inboundMessageId: { in: [...copies] } },
    select: { action: true, email: true, newEmail: true },
  });
  return ({ action, email, newEmail }) =>
    asked.some(
      (a) =>
        a.action === action &&
        a.email === email.toLowerCase() &&
        a.newEmail === (newEmail?.toLowerCase() ?? null),
    );
}
