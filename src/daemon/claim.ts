import { createHash } from "node:crypto";
import type { Db } from "../db/client.ts";
import { isUniqueViolation, placeholders, sqlOf } from "../db/sql.ts";
import type { Disposition } from "../mailbox/source.ts";
import { enqueueEmails } from "../outbox/outgoing.ts";
import type { InboundMessageRef, MessageHandler } from "./handler.ts";

export interface ClaimOptions {
  /** Attempts before a message whose handler keeps throwing is parked as failed. */
  maxAttempts: number;
  /** Interactive-transaction timeout: the handler runs inside it. */
  transactionTimeoutMs?: number;
}

export interface ClaimResult {
  disposition: Disposition;
  inboundId: number | null;
  /** The handler ran and its work was committed now (false: already done, duplicate, or failed). */
  committed: boolean;
  /** Outbox rows queued by this commit. */
  queued: number;
  /** Set when the handler threw. */
  error?: string;
}

const TERMINAL: Record<string, Disposition> = {
  processed: "processed",
  ignored: "processed",
  quarantined: "quarantined",
  failed: "failed",
};
const TERMINAL_STATUSES = Object.keys(TERMINAL);

export function contentHash(raw: Buffer): string {
  return createHash("sha256").update(raw).digest("hex");
}

/** A few header values for support and status (never the body); unfolded, capped. */
export function headerHints(raw: Buffer): {
  messageId: string | null;
  from: string | null;
  subject: string | null;
} {
  const text = raw.toString("latin1", 0, Math.min(raw.length, 64 * 1024));
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const get = (name: string) => {
    const match = head.match(new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, "im"));
    return match
      ? match[1]!
          .replace(/\r?\n[ \t]+/g, " ")
          .trim()
          .slice(0, 500)
      : null;
  };
  return { messageId: get("Message-ID"), from: get("From"), subject: get("Subject") };
}

/**
 * Processes one message exactly once. The claim (the InboundMessage row keyed by mailbox,
 * UIDVALIDITY and UID), the handler's own rows and the outbox rows are committed in one
 * transaction; the caller moves the message in the mailbox only afterwards. So a crash anywhere
 * repeats at most uncommitted work: a committed message is recognised by its key and only moved.
 *
 * A message whose content was already handled in the same mailbox under another UIDVALIDITY (the
 * mailbox was recreated) is only moved, never answered again. The Message-ID is not a key: senders
 * reuse them.
 */
export async function claimAndProcess(
  db: Db,
  handler: MessageHandler,
  message: InboundMessageRef,
  options: ClaimOptions,
): Promise<ClaimResult> {
  const key = { mailbox: message.mailbox, uidValidity: message.uidValidity, uid: message.uid };
  const hash = contentHash(message.raw);
  const sql = sqlOf(db);
  // This message's row, else a handled twin under another UIDVALIDITY: two lookups by index (one
  // query with an OR across both keys scanned the whole mailbox's rows).
  const [existing] = await sql.query<{ id: number; status: string; attempts: number }>(
    `SELECT "id", "status", "attempts" FROM "InboundMessage" WHERE "mailbox" = ? AND "uidValidity" = ? AND "uid" = ?`,
    [key.mailbox, key.uidValidity, key.uid],
  );
  if (existing && TERMINAL[existing.status]) {
    return { disposition: TERMINAL[existing.status]!, inboundId: existing.id, committed: false, queued: 0 };
  }
  if (!existing) {
    const [twin] = await sql.query<{ id: number; status: string }>(
      `SELECT "id", "status" FROM "InboundMessage" WHERE "mailbox" = ? AND "contentHash" = ? AND "uidValidity" <> ? AND "status" IN (${placeholders(TERMINAL_STATUSES.length)}) ORDER BY "id" LIMIT 1`,
      [key.mailbox, hash, key.uidValidity, ...TERMINAL_STATUSES],
    );
    if (twin) return { disposition: TERMINAL[twin.status]!, inboundId: twin.id, committed: false, queued: 0 };
  }

  const hints = headerHints(message.raw);
  const attemptsBefore = existing?.attempts ?? 0;
  try {
    const { inboundId, queued, status } = await db.$transaction(
      async (tx) => {
        const sql = sqlOf(tx);
        let inboundId: number;
        if (existing) {
          // Conditional update: a second daemon racing on the same row finds nothing to claim.
          const claimed = await sql.execute(
            `UPDATE "InboundMessage" SET "attempts" = ? WHERE "id" = ? AND "status" = 'claimed' AND "attempts" = ?`,
            [attemptsBefore + 1, existing.id, attemptsBefore],
          );
          if (claimed !== 1) throw new ClaimLost();
          inboundId = existing.id;
        } else {
          const [row] = await sql.query<{ id: number }>(
            `INSERT INTO "InboundMessage" ("mailbox", "uidValidity", "uid", "contentHash", "messageId", "fromAddress", "subject", "status", "attempts", "raw", "receivedAt") VALUES (?, ?, ?, ?, ?, ?, ?, 'claimed', 1, ?, ?) RETURNING "id"`,
            [
              key.mailbox,
              key.uidValidity,
              key.uid,
              hash,
              hints.messageId,
              hints.from,
              hints.subject,
              message.raw,
              new Date(),
            ],
          );
          inboundId = row!.id;
        }
        const outcome = await handler({ ...message, inboundId }, tx);
        await enqueueEmails(tx, outcome.outgoing, inboundId);
        await sql.execute(
          `UPDATE "InboundMessage" SET "status" = ?, "decision" = ?, "summary" = ?, "lastError" = NULL, "processedAt" = ? WHERE "id" = ?`,
          [
            outcome.status,
            outcome.decision,
            outcome.summary ? JSON.stringify(outcome.summary) : null,
            new Date(),
            inboundId,
          ],
        );
        return { inboundId, queued: outcome.outgoing.length, status: outcome.status };
      },
      { timeout: options.transactionTimeoutMs ?? 60_000, maxWait: 30_000 },
    );
    return { disposition: TERMINAL[status]!, inboundId, committed: true, queued };
  } catch (error) {
    // Another daemon claimed it first (row lock lost, or the unique key taken): nothing to do here.
    if (error instanceof ClaimLost || isUniqueViolation(error))
      return { disposition: "retry", inboundId: existing?.id ?? null, committed: false, queued: 0 };
    return recordFailure(db, message, key, hash, hints, attemptsBefore + 1, error, options.maxAttempts);
  }
}

class ClaimLost extends Error {}

/** The handler threw: the transaction rolled back; count the attempt and park after the last one. */
async function recordFailure(
  db: Db,
  message: InboundMessageRef,
  key: { mailbox: string; uidValidity: string; uid: string },
  hash: string,
  hints: ReturnType<typeof headerHints>,
  attempts: number,
  error: unknown,
  maxAttempts: number,
): Promise<ClaimResult> {
  const lastError = String((error as Error)?.message ?? error).slice(0, 2000);
  const status = attempts >= maxAttempts ? "failed" : "claimed";
  const row = await db.inboundMessage.upsert({
    where: { mailbox_uidValidity_uid: key },
    create: {
      ...key,
      contentHash: hash,
      messageId: hints.messageId,
      fromAddress: hints.from,
      subject: hints.subject,
      status,
      attempts,
      lastError,
      raw: new Uint8Array(message.raw),
    },
    update: { status, attempts, lastError },
    select: { id: true },
  });
  return {
    disposition: status === "failed" ? "failed" : "retry",
    inboundId: row.id,
    committed: false,
    queued: 0,
    error: lastError,
  };
}
