import { placeholders, sqlOf } from "../db/sql.ts";
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
  /** As OutgoingEmail's. */
  kind: string;
  messageId: string;
  envelopeFrom: string;
  recipients: string;
  raw: Uint8Array;
  attempts: number;
  /** When it was queued (committed with what caused it). */
  createdAt: Date;
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
 * `decidedAt`, the clock of the decision that sends them, is their createdAt: the hourly reply cap
 * (countRecentReplies) compares it with that same clock.
 */
export async function enqueueEmails(
  db: DbOrTx,
  emails: readonly OutgoingEmail[],
  inboundMessageId: number | null,
  decidedAt: Date,
  options: { lease?: Lease } = {},
): Promise<QueuedEmail[]> {
  // Run for almost every message: plain SQL (src/db/sql.ts).
  const sql = sqlOf(db);
  const queued: QueuedEmail[] = [];
  for (const email of emails) {
    // When it is due is the outbox workers' business: on their clock, which reads nextAttemptAt.
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
        decidedAt,
      ],
    );
    await sql.execute(`INSERT INTO "OutboxContent" ("outboxId", "raw") VALUES (?, ?)`, [row!.id, email.raw]);
    queued.push({
      id: row!.id,
      kind: email.kind,
      messageId: email.messageId,
      envelopeFrom: email.envelopeFrom,
      recipients,
      raw: email.raw,
      attempts: 1,
      createdAt: decidedAt,
    });
  }
  return queued;
}

export interface RequeueOutcome {
  /** Dead letters due again now. */
  requeued: number[];
  /** Dead letters whose content the retention purge already removed: nothing left to send. */
  withoutContent: number[];
  /** Ids asked for that are not dead letters (sent, pending, or unknown). */
  notDead: number[];
}

/**
 * Makes dead letters due again (after the cause was fixed: a relay that refused them by mistake, a
 * recipient's mailbox restored). They keep their attempts and last answer, for the record; the
 * daemon's outbox worker sends them on its next pass.
 */
export async function requeueDeadLetters(
  db: DbOrTx,
  which: readonly number[] | "all",
  now: Date,
): Promise<RequeueOutcome> {
  const dead = await db.outboxMessage.findMany({
    where: { status: "dead", ...(which === "all" ? {} : { id: { in: [...which] } }) },
    select: { id: true, content: { select: { outboxId: true } } },
    orderBy: { id: "asc" },
  });
  const sendable = dead.filter((row) => row.content).map((row) => row.id);
  if (sendable.length)
    await db.outboxMessage.updateMany({
      where: { id: { in: sendable }, status: "dead" },
      data: { status: "pending", nextAttemptAt: now, leasedBy: null },
    });
  const found = new Set(dead.map((row) => row.id));
  return {
    requeued: sendable,
    withoutContent: dead.filter((row) => !row.content).map((row) => row.id),
    notDead: which === "all" ? [] : which.filter((id) => !found.has(id)),
  };
}

/**
 * Emails of these kinds queued to `recipient` alone in the hour before `now`: a range scan of the
 * index on (kind, recipients, createdAt). Run before every help or unauthorised reply.
 */
export async function countRecentReplies(
  db: DbOrTx,
  kinds: readonly string[],
  recipient: string,
  now: Date,
): Promise<number> {
  const since = new Date(now.getTime() - 60 * 60 * 1000);
  const [row] = await sqlOf(db).query<{ n: number }>(
    `SELECT CAST(COUNT(*) AS INTEGER) AS "n" FROM "OutboxMessage" WHERE "kind" IN (${placeholders(kinds.length)}) AND "recipients" = ? AND "createdAt" >= ?`,
    [...kinds, recipient.trim().toLowerCase(), since],
  );
  return Number(row?.n ?? 0);
}

/** Whether one of these copies of a message (see otherMailboxCopies) was answered with an email of this kind. */
export async function repliedCopy(db: DbOrTx, copies: readonly number[], kind: string): Promise<boolean> {
  if (copies.length === 0) return false;
  const [row] = await sqlOf(db).query<{ id: number }>(
    `SELECT "id" FROM "OutboxMessage" WHERE "inboundMessageId" IN (${placeholders(copies.length)}) AND "kind" = ? LIMIT 1`,
    [...copies, kind],
  );
  return row !== undefined;
}
