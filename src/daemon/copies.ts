import { sqlOf } from "../db/sql.ts";
import type { DbOrTx } from "../db/transaction.ts";

/**
 * The other copies of a message, read in the other mailbox (sent to calcul@ with contact@ in copy):
 * the same Message-ID and the same From header. Looked up by Message-ID (indexed; almost always
 * none), so that what they were answered with is looked at only for a real copy.
 */
export async function otherMailboxCopies(
  db: DbOrTx,
  message: { inboundId: number; mailbox: string; messageId: string },
): Promise<number[]> {
  const bare = message.messageId.replace(/^<|>$/g, "");
  // Asked for every message: plain SQL (src/db/sql.ts).
  const rows = await sqlOf(db).query<{ id: number }>(
    `SELECT c."id" FROM "InboundMessage" c JOIN "InboundMessage" m ON m."id" = ? WHERE c."messageId" IN (?, ?) AND c."mailbox" <> ? AND c."fromAddress" = m."fromAddress"`,
    [message.inboundId, bare, `<${bare}>`, message.mailbox],
  );
  return rows.map((row) => row.id);
}
