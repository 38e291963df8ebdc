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

/** An outbox row as the worker sends it; `attempts` counts the attempt about to be made. */
export interface QueuedEmail {
  id: number;
  messageId: string;
  envelopeFrom: string;
  recipients: string;
  raw: Uint8Array;
  attempts: number;
}

/** A lease on outbox rows: for how long, and which outbox worker holds it (OutboxWorker.leaseOwner). */
export interface Lease {
  ms: number;
  owner: string;
}

/**
 * Queues emails in the outbox, inside the caller's transaction: they are sent only if what caused
 * them is committed (the daemon's claim, a support decision). With `lease` the rows are queued
 * already leased to the caller, who hands them to its own outbox worker once committed (no other
 * worker takes them before the lease expires); otherwise they are due at once, for any worker.
 */
export async function enqueueEmails(
  db: DbOrTx,
  emails: readonly OutgoingEmail[],
  inboundMessageId: number | null,
  options: { lease?: Lease } = {},
): Promise<QueuedEmail[]> {
  // Run for almost every message: plain SQL (src/db/sql.ts).
  const sql = sqlOf(db);
  const queued: QueuedEmail[] = [];
  for (const email of emails) {
    const now = new Date();
    const { lease } = options;
    const recipients = email.recipients.join(",");
    const [row] = await sql.query<{ id: number }>(
      `INSERT INTO "OutboxMessage" ("messageId", "inboundMessageId", "kind", "envelopeFrom", "recipients", "status", "attempts", "nextAttemptAt", "leasedBy", "createdAt") VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?) RETURNING "id"`,
      [
        email.messageId,
        inboundMessageId,
        email.kind,
        email.envelopeFrom,
        recipients,
        lease ? 1 : 0,
        lease ? new Date(now.getTime() + lease.ms) : now,
        lease?.owner ?? null,
        now,
      ],
    );
    await sql.execute(`INSERT INTO "OutboxContent" ("outboxId", "raw") VALUES (?, ?)`, [row!.id, email.raw]);
    queued.push({
      id: row!.id,
      messageId: email.messageId,
      envelopeFrom: email.envelopeFrom,
      recipients,
      raw: email.raw,
      attempts: 1,
    });
  }
  return queued;
}
