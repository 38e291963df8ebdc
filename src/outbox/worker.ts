import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { type Db, databaseProvider } from "../db/client.ts";
import { dateOf, placeholders, type Sql, sqlOf } from "../db/sql.ts";
import type { SentJournal } from "./journal.ts";
import type { QueuedEmail } from "./outgoing.ts";
import { type OutgoingTransport, SendError } from "./transport.ts";

export interface OutboxWorkerOptions {
  transport: OutgoingTransport;
  logger: Logger;
  /** Delay before the first retry of a temporary failure; doubles per attempt, with jitter. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Rows sent per pass. */
  batchSize?: number;
  /** Longest sleep between passes when nothing wakes the worker. */
  pollMs?: number;
  /** Where accepted sends are recorded before the database is updated (see SentJournal). */
  journal?: SentJournal;
  /** Sends in flight at once (match the SMTP pool's connections). */
  concurrency?: number;
  /** How long a row being sent is reserved for this worker. */
  leaseMs?: number;
  /**
   * Asked of an email queued more than `withholdAfterMs` ago (it waited: the relay down, the daemon
   * stopped) before it is sent: a reason not to send it any more — its recipient's access revoked
   * meanwhile — or null. A withheld email becomes a dead letter with that reason.
   */
  withhold?: (email: QueuedEmail) => Promise<string | null>;
  /** Default one minute: an email sent within it went out as good as when it was decided. */
  withholdAfterMs?: number;
  /**
   * How long `stop()` waits for sends the relay has not answered (default 5 s) before closing their
   * connections: they fail, stay queued, and go again after their retry delay.
   */
  stopGraceMs?: number;
}

const JOURNAL_TRUNCATE_BYTES = 64 * 1024;
/** Rows handed over and not yet sent, at most (beyond it, replies wait in the table). */
const HAND_OFF_CAPACITY = 100;

export interface OutboxCounts {
  pending: number;
  sent: number;
  dead: number;
}

/**
 * Sends the OutboxMessage rows. A row is written in the same transaction as the decision that needs
 * it, so nothing queued is lost if SMTP is down: temporary failures (4xx, refused or dropped
 * connections, timeouts) are retried with exponential backoff via `nextAttemptAt`, for as long as it
 * takes; a 5xx makes the row `dead`, kept with the server's answer for support. Every answer is
 * recorded in `lastResponse`. Each row is leased before it is sent, so several workers may share a
 * database without sending a row twice.
 */
export class OutboxWorker {
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  /** How long a row being sent is reserved for this worker. */
  readonly leaseMs: number;
  /** This worker's name on the rows it leases (`leasedBy`): one per process. */
  readonly leaseOwner = randomUUID();
  /** Rows this process committed and leased to this worker, not yet sent. */
  private readonly handed: QueuedEmail[] = [];
  /** Journal appends of accepted sends, while in flight (awaited by the next pass to end). */
  private readonly journaling = new Set<Promise<void>>();
  /**
   * Lanes sending now (at most `concurrency`), and the sends waiting for one, first come first
   * served. Lanes are the worker's, not a pass's: a send the relay does not answer holds one lane,
   * the next passes use the others.
   */
  private lanesBusy = 0;
  private readonly laneQueue: (() => void)[] = [];
  /** Set while the loop waits for a lane. */
  private laneFreed: (() => void) | null = null;
  /**
   * Rows of this worker's passes waiting for a lane or being sent; `unrecorded`: accepted by the
   * relay, not yet marked sent. Its passes never lease them again, whatever their lease says.
   */
  private readonly held = new Set<number>();
  private readonly unrecorded = new Set<number>();
  /** Passes whose sends are not all answered yet (a hung send keeps its pass open). */
  private readonly unsettled = new Set<Promise<void>>();
  /** The background flush of `accepted`, while one runs. */
  private recording: Promise<void> | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private woken = false;
  lastErrorAt: Date | null = null;
  private reconciled = false;
  /**
   * Emails last refused with the session (the relay down, a login refused), not for themselves:
   * made due again as soon as the relay takes an email, instead of each waiting out its own backoff.
   */
  private readonly waitingOnRelay = new Set<number>();
  /** The relay took an email during this pass. */
  private relayAnswered = false;
  /**
   * Since when the relay has refused the session (down, our login or sender refused) without
   * taking an email since, and its last answer: what /healthz reports once it lasts.
   */
  relayRefusing: { since: Date; response: string } | null = null;
  /** Sends the relay accepted that the database does not say yet (they are in the journal). */
  private readonly accepted: { id: number; attempts: number; sentAt: Date; response: string }[] = [];
  private readonly sql: Sql;
  /**
   * Each row's lease is taken again just before it is sent, on PostgreSQL, where several daemons
   * may share the outbox: a row handed over in memory, or leased with a pass, may wait behind slow
   * sends past its lease, and another daemon may have taken it meanwhile. On SQLite one daemon holds
   * the file (src/daemon/lock.ts), and within one process a row is never sent twice.
   */
  private readonly renewLeases: boolean;

  constructor(
    private readonly db: Db,
    private readonly options: OutboxWorkerOptions,
  ) {
    this.retryMinMs = options.retryMinMs ?? 30_000;
    this.retryMaxMs = options.retryMaxMs ?? 3_600_000;
    // Rows are leased a pass at a time: after a crash, at most this many wait for their lease to
    // expire before they are sent again.
    this.batchSize = options.batchSize ?? 16;
    this.pollMs = options.pollMs ?? 5_000;
    this.concurrency = options.concurrency ?? 4;
    this.leaseMs = options.leaseMs ?? 120_000;
    this.sql = sqlOf(db);
    this.renewLeases = databaseProvider(db) === "postgresql";
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Rows the relay accepted just before a crash (or a failed update) are marked sent, not sent again:
   * at the first pass, and after a pass that failed.
   */
  private async reconcile(): Promise<void> {
    const journal = this.options.journal;
    if (!journal || this.reconciled) return;
    // Every line is in the file as read, and so in the database once marked, only if no append was
    // in flight then (a send of a pass the relay held) nor made since: otherwise the lines stay,
    // until the journal is truncated once grown.
    const appendsBefore = this.journaling.size === 0 ? journal.bytes : -1;
    const ids = journal.recorded();
    if (ids.length === 0) {
      this.reconciled = true;
      return;
    }
    const marked = await this.db.outboxMessage.updateMany({
      where: { messageId: { in: ids }, status: "pending" },
      data: {
        status: "sent",
        sentAt: new Date(),
        lastResponse: "250 accepted (recorded in the send journal before a restart)",
        leasedBy: null,
      },
    });
    if (marked.count)
      this.options.logger.warn({ count: marked.count }, "accepted sends marked sent from the journal");
    if (journal.bytes === appendsBefore) await journal.clear();
    this.reconciled = true;
  }

  /**
   * Emails leased by other workers made due now, for a caller that knows those workers are gone (it
   * holds the database's daemon lock, src/daemon/lock.ts): what a crashed daemon had in hand then
   * leaves at once, not when its lease expires. Its attempt still counts. Returns how many.
   */
  async reclaimLeases(): Promise<number> {
    return this.sql.execute(
      `UPDATE "OutboxMessage" SET "nextAttemptAt" = ?, "leasedBy" = NULL WHERE "status" = 'pending' AND "leasedBy" IS NOT NULL AND "leasedBy" <> ?`,
      [new Date(), this.leaseOwner],
    );
  }

  /** New rows were committed: send them now rather than at the next poll. */
  notify(): void {
    this.woken = true;
    this.wake?.();
  }

  /** Finishes the sends in hand, then stops and closes the transport. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    // Sends still in flight are answered and recorded. One the relay holds (a content filter stuck
    // on it) could take up to the ten-minute socket timeout, longer than any supervisor waits
    // before killing the process: past the grace, its connection is closed and it fails like a
    // dropped connection — queued, sent again after its retry delay (twice, should the relay have
    // kept it without answering).
    const graceOver = new Promise<"over">((resolve) => {
      const timer = setTimeout(() => resolve("over"), this.options.stopGraceMs ?? 5_000);
      timer.unref();
    });
    while (this.unsettled.size) {
      const outcome = await Promise.race([Promise.allSettled([...this.unsettled]), graceOver]);
      if (outcome !== "over") continue;
      this.options.logger.warn(
        { sends: this.lanesBusy },
        "stopping: sends the relay has not answered are cut off; they stay queued",
      );
      this.options.transport.abort();
      while (this.unsettled.size) await Promise.allSettled([...this.unsettled]);
    }
    await this.recording;
    // Rows handed over and not sent: due again now, for the next start, rather than at lease expiry.
    const unsent = this.handed.splice(0);
    if (unsent.length) {
      await this.sql
        .execute(
          `UPDATE "OutboxMessage" SET "attempts" = "attempts" - 1, "nextAttemptAt" = ?, "leasedBy" = NULL WHERE "status" = 'pending' AND "id" IN (${placeholders(unsent.length)})`,
          [new Date(), ...unsent.map((row) => row.id)],
        )
        .catch((error) =>
          this.options.logger.error(
            { err: error },
            "handed-over emails stay leased until their lease expires",
          ),
        );
    }
    // What a last pass accepted; should this fail, the journal has it for the next start.
    await this.markAccepted(this.sql).catch((error) =>
      this.options.logger.error({ err: error }, "accepted sends not recorded: the journal keeps them"),
    );
    this.options.transport.close();
    await this.options.journal?.close();
  }

  /** How many more rows `handOff` takes now (bounded: they are held in memory). */
  roomForHandOff(): number {
    return this.stopping ? 0 : Math.max(0, HAND_OFF_CAPACITY - this.handed.length);
  }

  /**
   * Rows this process just committed, leased to this worker (enqueueEmails with `leaseMs`): sent
   * from memory, without a pass over the table. Should this process die, they are sent by whichever
   * worker runs once their lease has expired.
   */
  handOff(rows: readonly QueuedEmail[]): void {
    this.handed.push(...rows);
    this.notify();
  }

  /** One pass: the rows handed over, else the rows due now in the table; returns how many were attempted. */
  async sendDue(): Promise<number> {
    const pass = await this.startPass();
    await pass.settled;
    return pass.attempted;
  }

  /**
   * Starts a pass: takes the rows handed over, else the rows due now in the table, each sent once
   * a lane is free; nothing while every lane holds a send. `settled` resolves once they are all
   * answered and what they need recorded is underway.
   */
  private async startPass(): Promise<{ attempted: number; settled: Promise<void> }> {
    await this.reconcile();
    // Every lane holds a send: nothing is taken (the loop waits for a lane).
    const due = !this.laneFree()
      ? []
      : this.handed.length
        ? this.handed.splice(0, this.batchSize)
        : await this.lease();
    for (const row of due) this.held.add(row.id);
    // Few sends in flight. A crash between the relay's 250 and the row update (the only way to send
    // a reply twice) is covered by the journal; without one, each row is marked at once.
    // A refusal of the session itself (a stale password, the relay down) would be the same for every
    // email: the rest of the pass is not tried — one failed login per lane, not one per reply, which
    // a relay may count towards locking the account.
    let refused: SendError | null = null;
    const sends = due.map(async (row) => {
      await this.takeLane();
      try {
        if (refused) await this.recordFailure(row, row.attempts, refused);
        else {
          const failure = await this.sendOne(row);
          if (failure?.everyEmail) refused = failure;
        }
      } finally {
        this.releaseLane(row.id);
      }
    });
    const settled = this.afterSends(sends).finally(() => this.unsettled.delete(settled));
    this.unsettled.add(settled);
    return { attempted: due.length, settled };
  }

  /** Once a pass's sends are answered: what was accepted is recorded, the journal kept short. */
  private async afterSends(sends: Promise<void>[]): Promise<void> {
    try {
      await Promise.all(sends);
      await Promise.all(this.journaling);
    } catch (error) {
      this.reconciled = false;
      throw error;
    }
    const relayAnswered = this.relayAnswered;
    this.relayAnswered = false;
    if (relayAnswered && this.waitingOnRelay.size) await this.releaseWaitingOnRelay();
    // Recorded in the background, between two claims: the next sends do not wait for it.
    this.recordAccepted();
    // Once every accepted send is in the database the journal's entries are no longer needed.
    // Truncated only once it has grown, not after every pass: entries naming rows already marked
    // sent are harmless. Not while an append is in flight (a send of another pass): it would be lost.
    const journal = this.options.journal;
    if (
      journal &&
      !this.recording &&
      this.accepted.length === 0 &&
      this.journaling.size === 0 &&
      journal.bytes > JOURNAL_TRUNCATE_BYTES
    )
      await journal.clear();
  }

  private laneFree(): boolean {
    return this.lanesBusy < this.concurrency;
  }

  private async takeLane(): Promise<void> {
    if (this.laneFree()) this.lanesBusy++;
    // Handed over by releaseLane, still counted busy.
    else await new Promise<void>((resolve) => this.laneQueue.push(resolve));
  }

  private releaseLane(id: number): void {
    this.held.delete(id);
    const next = this.laneQueue.shift();
    if (next) next();
    else {
      this.lanesBusy--;
      this.laneFreed?.();
    }
  }

  /**
   * Leases the next due rows in the statement that picks them: another worker (a second daemon on
   * PostgreSQL, a rolling deploy) skips them, and if this process dies mid-send they are due again
   * once the lease expires; the outer conditions are checked again on each row a concurrent lease
   * changed. The worker's statements run for every email sent: plain SQL (src/db/sql.ts).
   */
  private async lease(): Promise<QueuedEmail[]> {
    const now = new Date();
    // Rows this worker still has in hand, should their lease have run out meanwhile.
    const inHand = [...this.held, ...this.unrecorded];
    const notInHand = inHand.length ? ` AND "id" NOT IN (${placeholders(inHand.length)})` : "";
    const leased = await this.sql.query<Omit<QueuedEmail, "raw">>(
      `UPDATE "OutboxMessage" SET "attempts" = "attempts" + 1, "nextAttemptAt" = ?, "leasedBy" = ? WHERE "status" = 'pending' AND "nextAttemptAt" <= ? AND "id" IN (SELECT "id" FROM "OutboxMessage" WHERE "status" = 'pending' AND "nextAttemptAt" <= ?${notInHand} ORDER BY "id" LIMIT ?) RETURNING "id", "kind", "messageId", "envelopeFrom", "recipients", "attempts", "createdAt"`,
      [new Date(now.getTime() + this.leaseMs), this.leaseOwner, now, now, ...inHand, this.batchSize],
    );
    if (leased.length === 0) return [];
    const contents = await this.sql.query<{ outboxId: number; raw: Uint8Array }>(
      `SELECT "outboxId", "raw" FROM "OutboxContent" WHERE "outboxId" IN (${placeholders(leased.length)})`,
      leased.map((row) => row.id),
    );
    const raws = new Map(contents.map((content) => [content.outboxId, content.raw]));
    // A row without its content cannot be sent (only a purge removes content, of sent or dead mail).
    return leased
      .map((row) => ({
        ...row,
        createdAt: dateOf(row.createdAt),
        raw: raws.get(row.id) ?? new Uint8Array(0),
      }))
      .sort((a, b) => a.id - b.id);
  }

  /**
   * The relay takes emails again: those it refused with the session are due now. After an outage of
   * twenty minutes they had reached retry delays of eight to sixteen minutes (an hour after a long
   * one), and went out that long after the relay was back, behind the replies decided since.
   */
  private async releaseWaitingOnRelay(): Promise<void> {
    const ids = [...this.waitingOnRelay];
    const now = new Date();
    // SQLite takes at most 32,766 parameters a statement.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      await this.sql.execute(
        `UPDATE "OutboxMessage" SET "nextAttemptAt" = ? WHERE "status" = 'pending' AND "leasedBy" IS NULL AND "nextAttemptAt" > ? AND "id" IN (${placeholders(chunk.length)})`,
        [now, now, ...chunk],
      );
      for (const id of chunk) this.waitingOnRelay.delete(id);
    }
    this.options.logger.info({ count: ids.length }, "relay takes emails again: those it refused are due now");
    this.woken = true;
  }

  /** Marks the accepted sends in one transaction, in the background; one such flush at a time. */
  private recordAccepted(): void {
    if (this.recording || this.accepted.length === 0) return;
    this.recording = (async () => {
      while (this.accepted.length > 0) {
        await this.db.$transaction((tx) => this.markAccepted(sqlOf(tx)), {
          maxWait: 30_000,
          timeout: 30_000,
        });
      }
    })()
      .catch((error) => {
        // They stay in the journal: the next pass reads it again.
        this.reconciled = false;
        this.lastErrorAt = new Date();
        this.options.logger.error({ err: error }, "accepted sends not recorded yet");
      })
      .finally(() => {
        this.recording = null;
      });
  }

  /** Records the accepted sends not yet in the database (kept for the next try if this fails). */
  private async markAccepted(sql: Sql): Promise<void> {
    const accepted = this.accepted.splice(0);
    try {
      for (const row of accepted) {
        await sql.execute(
          `UPDATE "OutboxMessage" SET "status" = 'sent', "attempts" = ?, "sentAt" = ?, "lastResponse" = ?, "leasedBy" = NULL WHERE "id" = ?`,
          [row.attempts, row.sentAt, row.response.slice(0, 1000), row.id],
        );
      }
      for (const row of accepted) this.unrecorded.delete(row.id);
    } catch (error) {
      this.accepted.unshift(...accepted);
      throw error;
    }
  }

  /** Whether the row is still pending and leased to this worker; its lease then runs from now. */
  private async renewLease(row: QueuedEmail): Promise<boolean> {
    const now = Date.now();
    const renewed = await this.sql.execute(
      `UPDATE "OutboxMessage" SET "nextAttemptAt" = ? WHERE "id" = ? AND "status" = 'pending' AND "leasedBy" = ?`,
      [new Date(now + this.leaseMs), row.id, this.leaseOwner],
    );
    return renewed === 1;
  }

  /** Why an email that waited must not go any more (options.withhold), or null. */
  private async withheld(row: QueuedEmail): Promise<string | null> {
    const { withhold, withholdAfterMs = 60_000 } = this.options;
    if (!withhold || Date.now() - row.createdAt.getTime() <= withholdAfterMs) return null;
    return withhold(row);
  }

  /** Sends one leased row (`attempts` counts this attempt already); returns the relay's refusal, if any. */
  private async sendOne(row: QueuedEmail): Promise<SendError | null> {
    const attempts = row.attempts;
    if (row.raw.length === 0) {
      const error = new SendError("no content", true, "not sent: the email's content is gone (purged)");
      await this.recordFailure(row, attempts, error);
      return null;
    }
    const withheld = await this.withheld(row);
    if (withheld) {
      await this.recordFailure(row, attempts, new SendError("withheld", true, withheld));
      return null;
    }
    if (this.renewLeases && !(await this.renewLease(row))) {
      this.options.logger.info(
        { outboxId: row.id, messageId: row.messageId },
        "email taken by another worker since it was leased: not sent here",
      );
      return null;
    }
    // The relay may hold a message up to the socket timeout (ten minutes), longer than a lease: it
    // is kept running meanwhile, or the row would look abandoned — to another daemon, which would
    // send it again, and to `tranche status`, which would say it was interrupted.
    const keepLeased = setInterval(
      () =>
        void this.renewLease(row).catch((error) =>
          this.options.logger.warn(
            { err: error, outboxId: row.id },
            "lease of an email being sent not renewed",
          ),
        ),
      this.leaseMs / 2,
    );
    keepLeased.unref();
    let response: string;
    try {
      response = await this.options.transport.send({
        id: row.id,
        messageId: row.messageId,
        envelopeFrom: row.envelopeFrom,
        recipients: row.recipients.split(",").filter(Boolean),
        // A view of the bytes, not a copy.
        raw: Buffer.from(row.raw.buffer, row.raw.byteOffset, row.raw.byteLength),
      });
    } catch (error) {
      clearInterval(keepLeased);
      await this.recordFailure(row, attempts, error);
      return error instanceof SendError ? error : null;
    }
    clearInterval(keepLeased);
    this.unrecorded.add(row.id);
    this.relayAnswered = true;
    this.relayRefusing = null;
    this.waitingOnRelay.delete(row.id);
    this.options.logger.info({ outboxId: row.id, messageId: row.messageId, response }, "email sent");
    const accepted = { id: row.id, attempts, sentAt: new Date(), response };
    if (this.options.journal) {
      // Journal first (no database lock, which a claim transaction may hold): the row is then
      // marked with the next ones, between two claims; until then a restart reads the journal.
      // The lane goes on with its next send meanwhile; the pass waits for the appends.
      // An append that fails (a full disk) must not leave the row leased, to be sent again when the
      // lease expires: it is marked in the database like the others, only without the journal's cover.
      const appended = this.options.journal.record(row.messageId).then(
        () => void this.accepted.push(accepted),
        (error: unknown) => {
          this.lastErrorAt = new Date();
          this.options.logger.error(
            { err: error, outboxId: row.id },
            "send journal append failed: the email is marked sent in the database only",
          );
          this.accepted.push(accepted);
        },
      );
      this.journaling.add(appended);
      void appended.finally(() => this.journaling.delete(appended));
    } else {
      this.accepted.push(accepted);
      await this.markAccepted(this.sql);
    }
    return null;
  }

  private async recordFailure(
    row: { id: number; messageId: string },
    attempts: number,
    error: unknown,
  ): Promise<void> {
    const permanent = error instanceof SendError && error.permanent;
    const response = error instanceof SendError ? error.response : String((error as Error)?.message ?? error);
    if (!permanent && error instanceof SendError && error.everyEmail) {
      this.waitingOnRelay.add(row.id);
      this.relayRefusing = { since: this.relayRefusing?.since ?? new Date(), response };
    } else this.waitingOnRelay.delete(row.id);
    const ceiling = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** (attempts - 1));
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.lastErrorAt = new Date();
    await this.db.outboxMessage.updateMany({
      where: { id: row.id },
      data: permanent
        ? { status: "dead", attempts, lastResponse: response, leasedBy: null }
        : { attempts, lastResponse: response, nextAttemptAt: new Date(Date.now() + delay), leasedBy: null },
    });
    this.options.logger.warn(
      { outboxId: row.id, messageId: row.messageId, response, attempts, permanent },
      permanent ? "email refused: dead letter" : "email not sent yet: will retry",
    );
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      this.woken = false;
      let attempted = 0;
      try {
        const pass = await this.startPass();
        attempted = pass.attempted;
        await this.settledWithinPoll(pass.settled);
        failures = 0;
      } catch (error) {
        this.passFailed(error);
        failures++;
      }
      if (this.stopping) break;
      // A failed pass (the database busy or down) waits before the next, however much is queued:
      // retried at once, it spun a core while holding nothing back.
      if (failures > 0) {
        // Only a stop or replies handed over later cut it short, not those of the failed pass.
        this.woken = false;
        await this.pause(Math.min(this.pollMs, 100 * 2 ** failures));
      } else if (!this.laneFree()) await this.untilLaneFree();
      else if (attempted === this.batchSize || this.woken || this.handed.length) continue;
      else await this.sleepUntilDue();
    }
  }

  /**
   * Waits for a pass's sends, a poll at most: one the relay does not answer (a content filter stuck
   * on a message, up to the ten-minute socket timeout) must not hold every other reply that long.
   * The next passes send on the lanes it leaves free; it is recorded whenever it is answered.
   */
  private async settledWithinPoll(settled: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const poll = new Promise<"poll">((resolve) => {
      timer = setTimeout(() => resolve("poll"), this.pollMs);
    });
    try {
      if ((await Promise.race([settled, poll])) === "poll") settled.catch((error) => this.passFailed(error));
    } finally {
      clearTimeout(timer);
    }
  }

  private passFailed(error: unknown): void {
    this.lastErrorAt = new Date();
    this.options.logger.error({ err: error }, "outbox pass failed");
  }

  /** Every lane holds a send: waits for one to end, a poll at most (what was accepted is then recorded). */
  private async untilLaneFree(): Promise<void> {
    await this.pause(
      this.pollMs,
      new Promise<void>((resolve) => {
        this.laneFreed = resolve;
      }),
    );
    this.laneFreed = null;
  }

  private async sleepUntilDue(): Promise<void> {
    const [next] = await this.sql
      .query<{ nextAttemptAt: unknown }>(
        `SELECT "nextAttemptAt" FROM "OutboxMessage" WHERE "status" = 'pending' ORDER BY "nextAttemptAt" LIMIT 1`,
      )
      .catch(() => []);
    const untilDue = next ? dateOf(next.nextAttemptAt).getTime() - Date.now() : this.pollMs;
    await this.pause(Math.max(10, Math.min(this.pollMs, untilDue)));
  }

  /** Waits `delay` ms, or until woken (new replies handed over, a stop), or until `until` settles. */
  private async pause(delay: number, until?: Promise<void>): Promise<void> {
    if (this.woken || this.stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.wake = wake;
      until?.then(wake, wake);
    });
    this.wake = null;
  }
}

export async function outboxCounts(db: Db): Promise<OutboxCounts> {
  const groups = await db.outboxMessage.groupBy({ by: ["status"], _count: { _all: true } });
  const counts: OutboxCounts = { pending: 0, sent: 0, dead: 0 };
  for (const group of groups) {
    if (group.status in counts) counts[group.status as keyof OutboxCounts] = group._count._all;
  }
  return counts;
}
