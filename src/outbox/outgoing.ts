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
  for (const email of emails) {
    await db.outboxMessage.create({
      data: {
        messageId: email.messageId,
        inboundMessageId,
        kind: email.kind,
        envelopeFrom: email.envelopeFrom,
        recipients: email.recipients.join(","),
        raw: new Uint8Array(email.raw),
      },
      select: { id: true },
    });
  }
}
