import { createHash } from "node:crypto";
import libmime from "libmime";
import { type Db, databaseProvider, isDeadlock } from "../db/client.ts";
import { dateOf, placeholders, type Sql, sqlOf } from "../db/sql.ts";
import type { Disposition, UnreadMessage } from "../mailbox/source.ts";
import { enqueueEmails, type Lease, type QueuedEmail } from "../outbox/outgoing.ts";
import type { InboundMessageRef, MessageHandler, Tx } from "./handler.ts";

export interface ClaimOptions {
  /** Attempts before a message whose handler keeps throwing is parked as failed. */
  maxAttempts: number;
  /** Interactive-transaction timeout: the handler runs inside it. */
  transactionTimeoutMs?: number;
  /**
   * Queue the outgoing emails of up to `room` rows leased to the caller's worker (see
   * enqueueEmails), a message's emails all or none; the others are due at once, for any worker.
   */
  handOff?: { lease: Lease; room: number };
  /**
   * The same map on every call of one daemon: its attempts that a database failure interrupted
   * (row id → attempts). On PostgreSQL such a row looks like another daemon's attempt under way
   * until it is old; the daemon that made it knows it is not, and tries it again at once.
   */
  interrupted?: Map<number, number>;
}

export interface ClaimResult {
  disposition: Disposition;
  inboundId: number | null;
  /** The handler ran and its work was committed now (false: already done, duplicate, or failed). */
  committed: boolean;
  /** Outbox rows queued by this commit. */
  queued: number;
  /** With `handOff`: the rows leased to the caller, to hand to its outbox worker. */
  handedOff?: QueuedEmail[];
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

/**
 * The contentHash of a message recorded without its content ever being read (parkUnread): not hex,
 * so no message's hash is ever equal to it, and no message is taken for its handled twin.
 */
export const UNREAD_CONTENT = "unread: content never fetched";

/**
 * Records as failed, with why, a message its source gave up on unread, so that support sees it
 * among the failed messages. Should it be read after all under the same key, the claim finds it
 * failed and only files it. A row already there keeps its content; one already handled stays as it
 * is (its answer was committed: the reads began failing after). Returns the row's id, or null then.
 */
export async function parkUnread(db: Db, message: UnreadMessage): Promise<number | null> {
  const [row] = await sqlOf(db).query<{ id: number }>(
    `INSERT INTO "InboundMessage" ("mailbox", "uidValidity", "uid", "contentHash", "status", "attempts", "lastError", "receivedAt") VALUES (?, ?, ?, ?, 'failed', ?, ?, ?) ON CONFLICT ("mailbox", "uidValidity", "uid") DO UPDATE SET "status" = 'failed', "lastError" = excluded."lastError", "attemptedAt" = NULL WHERE "InboundMessage"."status" IN ('claimed', 'failed') RETURNING "id"`,
    [
      message.mailbox,
      message.uidValidity,
      message.uid,
      UNREAD_CONTENT,
      message.attempts,
      message.error.slice(0, 2000),
      new Date(),
    ],
  );
  return row?.id ?? null;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A few header values for support and status (never the body); unfolded, decoded as a reader sees
 * them (RFC 2047 encoded words; raw UTF-8 per RFC 6532, else Latin-1), capped.
 */
export function headerHints(raw: Buffer): {
  messageId: string | null;
  from: string | null;
  subject: string | null;
} {
  const capped = raw.subarray(0, Math.min(raw.length, 64 * 1024));
  const ends = [capped.indexOf("\r\n\r\n"), capped.indexOf("\n\n")].filter((i) => i >= 0);
  const bytes = ends.length ? capped.subarray(0, Math.min(...ends)) : capped;
  let head: string;
  try {
    head = UTF8.decode(bytes);
  } catch {
    // Not UTF-8 (or a character cut at the cap): every byte as Latin-1.
    head = bytes.toString("latin1");
  }
  const get = (name: string) => {
    const match = head.match(new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, "im"));
    if (!match) return null;
    const value = match[1]!.replace(/\r?\n[ \t]+/g, " ").trim();
    let decoded = value;
    try {
      decoded = libmime.decodeWords(value);
    } catch {
      // A malformed encoded word (an unknown charset) stays as written.
    }
    // Decoded words may hold control characters (an escape sequence for the support terminal, a
    // line break forging a line of `tranche status`): each run becomes one space.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
    return decoded.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").slice(0, 500);
  };
  return { messageId: get("Message-ID"), from: get("From"), subject: get("Subject") };
}

/**
 * Processes one message exactly once. Its row (the InboundMessage keyed by mailbox, UIDVALIDITY and
 * UID) records the attempt first, in a transaction of its own; then the claim of that row, the
 * handler's own rows and the outbox rows are committed in one transaction, with the row's final
 * status; the caller moves the message in the mailbox only afterwards. So a crash anywhere repeats
 * at most uncommitted work: a finished message is recognised by its key and only moved.
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
  const [result] = await claimAndProcessAll(db, handler, [message], options);
  return result!;
}

const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

/** How long one transaction may keep taking messages (a slow handler, e.g. DNS in `verify` mode). */
const BATCH_BUDGET_MS = 1_000;

interface Candidate {
  index: number;
  message: InboundMessageRef;
  key: { mailbox: string; uidValidity: string; uid: string };
  hash: string;
  /** Its row as found: an earlier attempt began and did not finish (it failed, or the process stopped). */
  existing?: { id: number; attempts: number };
  /** Its row once this attempt is recorded (markAttempts): the attempts counting this one. */
  claim?: { id: number; attempts: number };
}

/**
 * `claimAndProcess` for several messages, in order, committed together: one transaction (with a
 * savepoint per message) instead of one each, which was the largest database cost of a message.
 * A message whose handler throws is rolled back to its savepoint alone, its error recorded on its
 * attempt after the commit; the others are unaffected. Messages are taken while the transaction is
 * younger than a second; the rest go in the next one.
 *
 * Each attempt is recorded before it begins, in a transaction of its own: a message that stops the
 * process (out of memory on a hostile attachment, a crash of a native library) has counted its
 * attempts when the daemon starts again. Messages an earlier attempt left unfinished then go one
 * per transaction, so that such a message is parked in `Failed` after the last attempt, alone,
 * instead of taking its whole batch down with it every time, forever. (The others of the batch it
 * stopped have one attempt counted, untried, and are then tried alone: with two attempts or more
 * allowed they are always answered.)
 */
export async function claimAndProcessAll(
  db: Db,
  handler: MessageHandler,
  messages: readonly InboundMessageRef[],
  options: ClaimOptions,
): Promise<ClaimResult[]> {
  const results: ClaimResult[] = new Array(messages.length);
  const found = await findCandidates(db, messages, results, options);
  // Off the map once read: a new attempt is added back should it be interrupted too.
  for (const result of results) if (result?.inboundId != null) options.interrupted?.delete(result.inboundId);
  for (const { existing } of found) if (existing) options.interrupted?.delete(existing.id);
  const handOff = new HandOffBudget(options.handOff);
  const marked: Candidate[] = [];
  try {
    // Each one's attempt is counted just before it is tried: the others wait untouched.
    for (const suspect of found.filter((c) => c.existing)) {
      const [one] = await markAttempts(db, [suspect], results);
      if (!one) continue;
      marked.push(one);
      await claimInOneTransaction(db, handler, [one], 0, results, options, handOff);
    }
    const fresh = await markAttempts(
      db,
      found.filter((c) => !c.existing),
      results,
    );
    marked.push(...fresh);
    for (let next = 0; next < fresh.length; ) {
      next = await claimInOneTransaction(db, handler, fresh, next, results, options, handOff);
    }
  } catch (error) {
    // The database failed with attempts counted whose end could not be recorded (those that did
    // end are recognised as such at the next scan).
    for (const { claim } of marked) options.interrupted?.set(claim!.id, claim!.attempts);
    throw error;
  }
  return results;
}

/**
 * Records the attempt about to begin for each candidate, committed before any of them is handled:
 * a new message gets its row, claimed, with its first attempt; one an earlier attempt left
 * unfinished counts one more. A candidate another daemon holds meanwhile is left to it (retry).
 */
async function markAttempts(db: Db, candidates: Candidate[], results: ClaimResult[]): Promise<Candidate[]> {
  if (candidates.length === 0) return [];
  const marked: Candidate[] = [];
  await db.$transaction(
    async (tx) => {
      const sql = sqlOf(tx);
      for (const candidate of candidates) {
        const { message, key, hash, existing } = candidate;
        if (existing) {
          const attempts = existing.attempts + 1;
          const updated = await sql.execute(
            `UPDATE "InboundMessage" SET "attempts" = ?, "attemptedAt" = ? WHERE "id" = ? AND "status" = 'claimed' AND "attempts" = ?`,
            [attempts, new Date(), existing.id, existing.attempts],
          );
          if (updated === 1) marked.push({ ...candidate, claim: { id: existing.id, attempts } });
          else results[candidate.index] = notHandled("retry", existing.id);
          continue;
        }
        const hints = headerHints(message.raw);
        // ON CONFLICT: another daemon inserted it first (a unique violation would abort a
        // PostgreSQL transaction); it is left to that daemon.
        const [row] = await sql.query<{ id: number }>(
          `INSERT INTO "InboundMessage" ("mailbox", "uidValidity", "uid", "contentHash", "messageId", "fromAddress", "subject", "status", "attempts", "attemptedAt", "raw", "receivedAt") VALUES (?, ?, ?, ?, ?, ?, ?, 'claimed', 1, ?, ?, ?) ON CONFLICT ("mailbox", "uidValidity", "uid") DO NOTHING RETURNING "id"`,
          [
            key.mailbox,
            key.uidValidity,
            key.uid,
            hash,
            hints.messageId,
            hints.from,
            hints.subject,
            new Date(),
            message.raw,
            new Date(),
          ],
        );
        if (row) marked.push({ ...candidate, claim: { id: row.id, attempts: 1 } });
        else results[candidate.index] = notHandled("retry", null);
      }
    },
    { timeout: DEFAULT_TRANSACTION_TIMEOUT_MS, maxWait: 30_000 },
  );
  return marked;
}

/** How many more rows may be leased to the caller's worker, across the transactions of one call. */
class HandOffBudget {
  room: number;
  constructor(private readonly options: ClaimOptions["handOff"]) {
    this.room = options?.room ?? 0;
  }

  /** The lease for a message's `count` emails, taken from the budget; undefined: queue them due. */
  take(count: number): Lease | undefined {
    if (!this.options || count === 0 || count > this.room) return undefined;
    this.room -= count;
    return this.options.lease;
  }
}

/** Nothing handled now: the message is only filed (already handled) or left for later. */
const notHandled = (disposition: Disposition, inboundId: number | null): ClaimResult => ({
  disposition,
  inboundId,
  committed: false,
  queued: 0,
});

/**
 * Messages still to handle; the others (already handled, a handled twin, or one whose attempts are
 * spent) are answered in `results`.
 */
async function findCandidates(
  db: Db,
  messages: readonly InboundMessageRef[],
  results: ClaimResult[],
  options: ClaimOptions,
): Promise<Candidate[]> {
  const sql = sqlOf(db);
  // On SQLite this daemon holds the file (src/daemon/lock.ts): an attempt under way that it did
  // not start was interrupted. On PostgreSQL another daemon may be working on it: left to it until
  // well past a claim transaction's time (then its daemon is taken as gone).
  const othersMayWork = databaseProvider(db) === "postgresql";
  const inProgressMs = 2 * (options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS);
  const candidates: Candidate[] = [];
  for (const [index, message] of messages.entries()) {
    const key = { mailbox: message.mailbox, uidValidity: message.uidValidity, uid: message.uid };
    // (One SELECT by key per message: the batch's lookups are a small share of its cost.)
    const hash = contentHash(message.raw);
    // This message's row, else a handled twin under another UIDVALIDITY: two lookups by index (one
    // query with an OR across both keys scanned the whole mailbox's rows).
    const [existing] = await sql.query<{
      id: number;
      status: string;
      attempts: number;
      attemptedAt: unknown;
      lastError: string | null;
    }>(
      `SELECT "id", "status", "attempts", "attemptedAt", "lastError" FROM "InboundMessage" WHERE "mailbox" = ? AND "uidValidity" = ? AND "uid" = ?`,
      [key.mailbox, key.uidValidity, key.uid],
    );
    const ownInterrupted =
      existing !== undefined && options.interrupted?.get(existing.id) === existing.attempts;
    if (existing && TERMINAL[existing.status]) {
      results[index] = notHandled(TERMINAL[existing.status]!, existing.id);
      continue;
    }
    if (
      existing?.attemptedAt &&
      othersMayWork &&
      !ownInterrupted &&
      Date.now() - dateOf(existing.attemptedAt).getTime() < inProgressMs
    ) {
      results[index] = notHandled("retry", existing.id);
      continue;
    }
    if (existing && existing.attempts >= options.maxAttempts) {
      // Its last attempt never finished (a failure is recorded as it happens): the process stopped
      // while handling it, every time. Parked without trying again.
      results[index] = await parkInterrupted(db, existing);
      continue;
    }
    if (!existing) {
      const [twin] = await sql.query<{ id: number; status: string }>(
        `SELECT "id", "status" FROM "InboundMessage" WHERE "mailbox" = ? AND "contentHash" = ? AND "uidValidity" <> ? AND "status" IN (${placeholders(TERMINAL_STATUSES.length)}) ORDER BY "id" LIMIT 1`,
        [key.mailbox, hash, key.uidValidity, ...TERMINAL_STATUSES],
      );
      if (twin) {
        results[index] = notHandled(TERMINAL[twin.status]!, twin.id);
        continue;
      }
    }
    candidates.push({
      index,
      message,
      key,
      hash,
      ...(existing ? { existing: { id: existing.id, attempts: existing.attempts } } : {}),
    });
  }
  return candidates;
}

/** A message whose attempts all stopped the process before they ended: `failed`, with why. */
async function parkInterrupted(
  db: Db,
  row: { id: number; attempts: number; lastError: string | null },
): Promise<ClaimResult> {
  const lastError =
    row.lastError ??
    `the daemon stopped while handling it, ${row.attempts} times (out of memory? killed?): parked untried`;
  const parked = await sqlOf(db).execute(
    `UPDATE "InboundMessage" SET "status" = 'failed', "lastError" = ?, "attemptedAt" = NULL WHERE "id" = ? AND "status" = 'claimed' AND "attempts" = ?`,
    [lastError, row.id, row.attempts],
  );
  if (parked !== 1) return notHandled("retry", row.id);
  return { disposition: "failed", inboundId: row.id, committed: false, queued: 0, error: lastError };
}

/** Claims candidates from `from` on in one transaction; returns the index of the first one left. */
async function claimInOneTransaction(
  db: Db,
  handler: MessageHandler,
  candidates: Candidate[],
  from: number,
  results: ClaimResult[],
  options: ClaimOptions,
  handOff: HandOffBudget,
): Promise<number> {
  const failures: { candidate: Candidate; error: unknown }[] = [];
  const committed: {
    candidate: Candidate;
    inboundId: number;
    queued: QueuedEmail[];
    leased: boolean;
    status: string;
  }[] = [];
  let next = from;
  try {
    await db.$transaction(
      async (tx) => {
        const sql = sqlOf(tx);
        const started = Date.now();
        while (next < candidates.length && (next === from || Date.now() - started < BATCH_BUDGET_MS)) {
          const candidate = candidates[next++]!;
          const roomBefore = handOff.room;
          await sql.execute("SAVEPOINT claim");
          try {
            const outcome = await claimOne(sql, tx, handler, candidate, handOff);
            await sql.execute("RELEASE SAVEPOINT claim");
            committed.push({ candidate, ...outcome });
          } catch (error) {
            handOff.room = roomBefore;
            failures.push({ candidate, error });
            await sql.execute("ROLLBACK TO SAVEPOINT claim");
            await sql.execute("RELEASE SAVEPOINT claim");
          }
          // Between two messages, the event loop serves the SMTP sessions sending the replies
          // already committed, and the IMAP prefetch. Without this turn a transaction kept them
          // waiting for its whole length, and replies piled up until the end of a backlog.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      },
      { timeout: options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS, maxWait: 30_000 },
    );
  } catch (error) {
    // The transaction itself failed (the database, not a handler). Before any message: the caller
    // leaves them all for the next scan, and the attempts counted for them are given back (none
    // was tried). Else nothing of it was committed: every message it held is left in place, its
    // attempt counted, so that a failure that repeats ends in `Failed`.
    if (next === from) {
      await giveBackAttempts(db, candidates.slice(from));
      throw error;
    }
    for (const { candidate } of committed) failures.push({ candidate, error });
    committed.length = 0;
  }
  for (const { candidate, inboundId, queued, leased, status } of committed) {
    results[candidate.index] = {
      disposition: TERMINAL[status]!,
      inboundId,
      committed: true,
      queued: queued.length,
      ...(leased ? { handedOff: queued } : {}),
    };
  }
  for (const { candidate, error } of failures) {
    // Another daemon claimed it first (it counted an attempt since ours): nothing to do here.
    if (error instanceof ClaimLost) {
      results[candidate.index] = notHandled("retry", candidate.claim?.id ?? null);
      continue;
    }
    // Its wait for another transaction was failed to end a deadlock (two batches reaching copies of
    // the same messages in crossing order, src/daemon/copies.ts): no fault of the message, whose
    // attempt is given back. The next scan finds the other copy answered, or answers it.
    if (isDeadlock(error)) {
      await giveBackAttempts(db, [candidate]);
      results[candidate.index] = notHandled("retry", candidate.claim!.id);
      continue;
    }
    results[candidate.index] = await recordFailure(db, candidate, error, options.maxAttempts);
  }
  return next;
}

/** The claim, the handler's work and its outgoing emails, inside the caller's savepoint. */
async function claimOne(
  sql: Sql,
  tx: Tx,
  handler: MessageHandler,
  { message, claim }: Candidate,
  handOff: HandOffBudget,
): Promise<{ inboundId: number; queued: QueuedEmail[]; leased: boolean; status: string }> {
  // The attempt was recorded (markAttempts). Taking the row here, conditionally, holds it for this
  // transaction: a second daemon that counted an attempt since finds nothing to claim.
  const inboundId = claim!.id;
  const claimed = await sql.execute(
    `UPDATE "InboundMessage" SET "attempts" = ? WHERE "id" = ? AND "status" = 'claimed' AND "attempts" = ?`,
    [claim!.attempts, inboundId, claim!.attempts],
  );
  if (claimed !== 1) throw new ClaimLost();
  const outcome = await handler({ ...message, inboundId }, tx);
  const lease = handOff.take(outcome.outgoing.length);
  const queued = await enqueueEmails(tx, outcome.outgoing, inboundId, outcome.at, lease ? { lease } : {});
  await sql.execute(
    `UPDATE "InboundMessage" SET "status" = ?, "decision" = ?, "summary" = ?, "lastError" = NULL, "attemptedAt" = NULL, "processedAt" = ? WHERE "id" = ?`,
    [
      outcome.status,
      outcome.decision,
      outcome.summary ? JSON.stringify(outcome.summary) : null,
      new Date(),
      inboundId,
    ],
  );
  return { inboundId, queued, leased: lease !== undefined, status: outcome.status };
}

class ClaimLost extends Error {}

/** Attempts counted for messages that were not tried after all (best effort: the database is failing). */
async function giveBackAttempts(db: Db, candidates: readonly Candidate[]): Promise<void> {
  const sql = sqlOf(db);
  for (const { claim } of candidates) {
    if (!claim) continue;
    await sql
      .execute(
        `UPDATE "InboundMessage" SET "attempts" = ?, "attemptedAt" = NULL WHERE "id" = ? AND "status" = 'claimed' AND "attempts" = ?`,
        [claim.attempts - 1, claim.id, claim.attempts],
      )
      .catch(() => {});
  }
}

/**
 * The handler threw: its savepoint rolled back; the attempt, recorded before it began, stays
 * counted, with its error, and the message is parked after the last one. Only on the row as this
 * attempt left it (still claimed, its attempts): meanwhile another daemon may have claimed and
 * answered the message, and setting it back would have it answered again.
 */
async function recordFailure(
  db: Db,
  { claim }: Candidate,
  error: unknown,
  maxAttempts: number,
): Promise<ClaimResult> {
  const { id, attempts } = claim!;
  const lastError = String((error as Error)?.message ?? error).slice(0, 2000);
  const status = attempts >= maxAttempts ? "failed" : "claimed";
  const recorded = await db.inboundMessage.updateMany({
    where: { id, status: "claimed", attempts },
    // The attempt is over: the next scan may try again (on PostgreSQL too).
    data: { status, lastError, attemptedAt: null },
  });
  if (recorded.count !== 1) return notHandled("retry", id);
  return {
    disposition: status === "failed" ? "failed" : "retry",
    inboundId: id,
    committed: false,
    queued: 0,
    error: lastError,
  };
}
