import { sqlOf } from "../db/sql.ts";
import type { DbOrTx } from "../db/transaction.ts";

/** An email to send, complete and final: queued in the outbox, then sent by the worker. */
export interface OutgoingEmail {
  /** Template name: result, help, unauthorised, access-granted, ticket-ack, … */
  kind: string;
  /** With angle brackets, as in the header of `raw`. */
  messageId: string;
  envelopeFrom: string;
  recipients: string[];
  raw: Buffer;
}

/**
 * Queues emails in the outbox, inside the caller's transaction: they are sent only if what caused
 * them is committed (the daemon's claim, a support decision).
 */
export async function enqueueEmails(
  db: DbOrTx,
  emails: readonly OutgoingEmail[],
  inboundMessageId: number | null,
): Promise<void> {
  // Run for almost every message: plain SQL (src/db/sql.ts).
  const sql = sqlOf(db);
  for (const email of emails) {
    const now = new Date();
    await sql.execute(
      `INSERT INTO "OutboxMessage" ("messageId", "inboundMessageId", "kind", "envelopeFrom", "recipients", "raw", "status", "attempts", "nextAttemptAt", "createdAt") VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
      [
        email.messageId,
        inboundMessageId,
        email.kind,
        email.envelopeFrom,
        email.recipients.join(","),
        email.raw,
        now,
        now,
      ],
    );
  }
}
