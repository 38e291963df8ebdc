import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import cron, { type ScheduledTask } from "node-cron";
import type { Logger } from "pino";
import { ConfigError } from "../config/load.ts";
import type { Db } from "../db/client.ts";
import type { Disposition, MailboxSource, SourceStatus, UnreadMessage } from "../mailbox/source.ts";
import { type OutboxWorker, outboxCounts } from "../outbox/worker.ts";
import { scheduleRetention } from "../retention/purge.ts";
import { claimAndProcessAll, parkUnread } from "./claim.ts";
import type { InboundMessageRef, MessageHandler } from "./handler.ts";
import { acquireDaemonLock, type DaemonLock } from "./lock.ts";

/** Messages handed over together that one transaction may hold (see claimAndProcessAll). */
const MAX_BATCH = 50;

export interface DaemonOptions {
  db: Db;
  handler: MessageHandler;
  sources: MailboxSource[];
  outbox: OutboxWorker;
  logger: Logger;
  maxAttempts: number;
  /** node-cron expression of the safety-net rescan; empty: none. */
  rescanCron: string;
  /** Days raw message content is kept (purged daily, src/retention); undefined: not purged here. */
  retentionDays?: number;
  /** The embedded defaults' mail folders, whose old handled and sent copies the purge deletes too. */
  mailRoot?: string;
  /** Health and metrics endpoint; port 0 = off. */
  http?: { host: string; port: number };
  /**
   * Set-up that must not run twice at once, run holding the daemon's lock before any mailbox is
   * read (loading the demo data into an empty database: two daemons started together would load it twice).
   */
  prepare?: () => Promise<void>;
  /**
   * How long a mailbox may stay unreachable (reconnecting after failures: the server down, a wrong
   * password), or the SMTP relay refuse every email, before /healthz answers 503; default five
   * minutes, past a few reconnects.
   */
  unhealthyAfterMs?: number;
}

const UNHEALTHY_AFTER_MS = 5 * 60_000;

/**
 * The mail daemon: every source feeds the claim layer (one message at a time across mailboxes, so an
 * embedded SQLite never sees two writers), the outbox worker sends what the commits queued, a cron
 * rescans in case a notification was missed, and MailboxState rows mirror each connection.
 */
export class Daemon {
  private readonly states = new Map<string, SourceStatus>();
  /** Since when each mailbox not connected has been so (from the start, or since it lost its connection), and its last error: for /healthz. */
  private readonly downSince = new Map<string, number>();
  private readonly lastErrors = new Map<string, string>();
  /** Mailboxes whose last scan failed, until one completes. */
  private readonly scanFailing = new Set<string>();
  private readonly queue: { message: InboundMessageRef; done: (d: Disposition) => void }[] = [];
  /** Attempts a database failure interrupted, tried again at once (ClaimOptions.interrupted). */
  private readonly interrupted = new Map<number, number>();
  private draining: Promise<void> | null = null;
  private stateWrites: Promise<unknown> = Promise.resolve();
  private cronTask: ScheduledTask | null = null;
  private purgeTask: ScheduledTask | null = null;
  private server: Server | null = null;
  private lock: DaemonLock | null = null;
  private stopping = false;

  constructor(private readonly options: DaemonOptions) {}

  async start(): Promise<void> {
    const { sources, outbox, logger } = this.options;
    // One daemon per SQLite file (null on PostgreSQL), until stop() or the end of the process.
    // Holding it, this daemon knows that any email leased by another worker was in the hands of a
    // daemon that died: it goes now rather than when the lease expires.
    this.lock = acquireDaemonLock(this.options.db);
    try {
      // The rescan's task first, not started: a bad expression (the configuration checks it too)
      // fails here, before anything runs.
      if (this.options.rescanCron) {
        this.cronTask = cron.createTask(this.options.rescanCron, () => this.rescan(), {
          name: "rescan",
          noOverlap: true,
          logger: cronLogger(logger),
        } as Parameters<typeof cron.createTask>[2]);
      }
      await this.options.prepare?.();
      if (this.lock) {
        const reclaimed = await outbox.reclaimLeases();
        if (reclaimed)
          logger.warn({ count: reclaimed }, "emails leased by a daemon that did not stop cleanly: sent now");
      }
      outbox.start();
      for (const source of sources) {
        source.start(
          (message) => this.consume(message),
          (status) => this.recordStatus(source, status),
          (message) => this.recordUnread(message),
        );
      }
      await this.cronTask?.start();
      if (this.options.retentionDays) {
        this.purgeTask = scheduleRetention(this.options.db, {
          retentionDays: this.options.retentionDays,
          mailRoot: this.options.mailRoot,
          logger,
        });
      }
      if (this.options.http && this.options.http.port !== 0) await this.listen(this.options.http);
    } catch (error) {
      // Whatever started is stopped before the caller closes the database under it.
      await this.stop({ quiet: true }).catch((stopError: unknown) =>
        logger.error({ err: stopError }, "daemon not stopped cleanly after a failed start"),
      );
      throw error;
    }
    logger.info(
      { mailboxes: sources.map((s) => `${s.mailbox}:${s.kind}`), http: this.httpAddress() },
      "daemon started",
    );
  }

  /** Finishes the messages in hand (one transaction at most), flushes the outbox worker, closes connections. */
  async stop(options: { quiet?: boolean } = {}): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.cronTask?.destroy();
    this.purgeTask?.stop();
    await Promise.all(this.options.sources.map((source) => source.stop()));
    while (this.draining) await this.draining;
    await this.options.outbox.stop();
    await this.stateWrites;
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.lock?.release();
    this.lock = null;
    if (!options.quiet) this.options.logger.info("daemon stopped");
  }

  /** Scans every mailbox now (the cron's safety net; also for operators' tools). */
  rescan(): void {
    for (const source of this.options.sources) source.rescan();
  }

  httpAddress(): string | null {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? `http://${address.address}:${address.port}` : null;
  }

  /**
   * Messages from every source are handled in arrival order, one transaction at a time (an embedded
   * SQLite has one writer); the messages a source hands over together (an IMAP batch) share one.
   */
  private consume(message: InboundMessageRef): Promise<Disposition> {
    return new Promise((done) => {
      this.queue.push({ message, done });
      this.startDraining();
    });
  }

  private startDraining(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      // A message may have been handed over between the last batch and this callback.
      if (this.queue.length) this.startDraining();
    });
  }

  private async drain(): Promise<void> {
    // Let a source finish handing over its batch before the first transaction starts.
    await Promise.resolve();
    while (this.queue.length) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const dispositions = await this.process(batch.map((entry) => entry.message));
      for (const [i, entry] of batch.entries()) entry.done(dispositions[i]!);
    }
  }

  private async process(messages: InboundMessageRef[]): Promise<Disposition[]> {
    const { db, handler, logger, maxAttempts } = this.options;
    try {
      const { outbox } = this.options;
      // Replies go straight to our own worker, leased to it, while it has room for them; the
      // others are queued due, for the worker's next pass over the table.
      const results = await claimAndProcessAll(db, handler, messages, {
        maxAttempts,
        interrupted: this.interrupted,
        handOff: { lease: { ms: outbox.leaseMs, owner: outbox.leaseOwner }, room: outbox.roomForHandOff() },
      });
      const handed = results.flatMap((r) => (r.committed ? (r.handedOff ?? []) : []));
      if (handed.length) outbox.handOff(handed);
      if (results.some((r) => r.committed && r.queued > (r.handedOff?.length ?? 0))) outbox.notify();
      return results.map((result, i) => {
        const message = messages[i]!;
        const ref = { mailbox: message.mailbox, uidValidity: message.uidValidity, uid: message.uid };
        if (result.error) {
          logger.warn(
            { ...ref, inboundId: result.inboundId, error: result.error, disposition: result.disposition },
            "message failed",
          );
        } else if (result.committed) {
          logger.info(
            { ...ref, inboundId: result.inboundId, disposition: result.disposition, queued: result.queued },
            "message handled",
          );
        } else {
          logger.info(
            { ...ref, inboundId: result.inboundId, disposition: result.disposition },
            "message already handled: filed only",
          );
        }
        return result.disposition;
      });
    } catch (error) {
      // The database itself failed: leave the messages where they are for the next scan.
      for (const message of messages) {
        logger.error(
          { mailbox: message.mailbox, uidValidity: message.uidValidity, uid: message.uid, err: error },
          "message not claimed",
        );
      }
      return messages.map(() => "retry");
    }
  }

  /** A message its source gave up on unread: failed, for support (its status alone was soon replaced). */
  private async recordUnread(message: UnreadMessage): Promise<void> {
    const { db, logger } = this.options;
    const ref = { mailbox: message.mailbox, uidValidity: message.uidValidity, uid: message.uid };
    try {
      const inboundId = await parkUnread(db, message);
      logger.warn({ ...ref, inboundId, error: message.error, disposition: "failed" }, "message failed");
    } catch (error) {
      logger.error({ ...ref, err: error, reason: message.error }, "unread message not recorded");
    }
  }

  private recordStatus(source: MailboxSource, status: SourceStatus): void {
    const previous = this.states.get(source.mailbox);
    this.states.set(source.mailbox, status);
    // A scan that failed (connected, with an error: a MOVE the server refuses) ends the IMAP session
    // and the next one fails the same way: down until a scan completes, not up at each reconnect.
    if (status.state === "connected" && status.error) this.scanFailing.add(source.mailbox);
    if (status.state === "idle") this.scanFailing.delete(source.mailbox);
    const up =
      (status.state === "connected" || status.state === "idle") && !this.scanFailing.has(source.mailbox);
    if (up) this.downSince.delete(source.mailbox);
    else if (!this.downSince.has(source.mailbox)) this.downSince.set(source.mailbox, Date.now());
    // Kept through the reconnect that follows it ("connecting" carries none).
    if (status.error) this.lastErrors.set(source.mailbox, status.error);
    if (previous?.state !== status.state || status.error) {
      this.options.logger[status.error ? "warn" : "info"](
        { mailbox: source.mailbox, state: status.state, error: status.error },
        "mailbox state",
      );
    }
    const now = new Date();
    const data = {
      source: source.kind,
      state: status.state,
      ...(status.uidValidity ? { uidValidity: status.uidValidity } : {}),
      ...(status.lastUid !== undefined ? { lastUid: status.lastUid } : {}),
      ...(status.error ? { lastError: status.error.slice(0, 1000), lastErrorAt: now } : {}),
      ...(status.state === "connected" && previous?.state !== "connected" && previous?.state !== "idle"
        ? { lastConnectedAt: now }
        : {}),
    };
    this.stateWrites = this.stateWrites
      .then(() =>
        this.options.db.mailboxState.upsert({
          where: { mailbox: source.mailbox },
          create: { mailbox: source.mailbox, ...data },
          update: data,
        }),
      )
      .catch((error) => this.options.logger.error({ err: error }, "mailbox state not saved"));
  }

  private async listen(http: { host: string; port: number }): Promise<void> {
    const server = createServer((request, response) => {
      const path = (request.url ?? "/").split("?")[0];
      const reply = (code: number, type: string, body: string) => {
        response.writeHead(code, { "content-type": type });
        response.end(body);
      };
      if (path === "/healthz") {
        const mailboxes = Object.fromEntries([...this.states].map(([name, s]) => [name, s.state]));
        // Up but reading nothing is not healthy: a mailbox unreachable for minutes says so.
        const limit = this.options.unhealthyAfterMs ?? UNHEALTHY_AFTER_MS;
        // Measured from when it lost its connection: a mailbox in IDLE reports nothing for hours.
        const unreachable = [...this.downSince]
          .filter(([name, since]) => this.states.get(name)?.state !== "stopped" && Date.now() - since > limit)
          .map(([name]) => name);
        // The relay refusing every reply (a stale password, our sender refused) for as long: none goes out.
        const relay = this.options.outbox.relayRefusing;
        const relayRefusing = relay !== null && Date.now() - relay.since.getTime() > limit;
        const status = this.stopping
          ? "stopping"
          : unreachable.length
            ? "mailbox unreachable"
            : relayRefusing
              ? "relay refusing"
              : "ok";
        this.options.db
          .$queryRawUnsafe("SELECT 1")
          .then(() =>
            reply(
              status === "ok" ? 200 : 503,
              "application/json",
              JSON.stringify({
                status,
                mailboxes,
                ...(unreachable.length
                  ? {
                      unreachable: Object.fromEntries(
                        unreachable.map((n) => [n, this.lastErrors.get(n) ?? null]),
                      ),
                    }
                  : {}),
                ...(relayRefusing
                  ? { relay: { since: relay.since.toISOString(), response: relay.response } }
                  : {}),
              }),
            ),
          )
          .catch((error) =>
            reply(
              503,
              "application/json",
              JSON.stringify({ status: "database unavailable", error: String(error) }),
            ),
          );
      } else if (path === "/metrics") {
        this.metrics()
          .then((text) => reply(200, "text/plain; version=0.0.4", text))
          .catch((error) => reply(500, "text/plain", String(error)));
      } else reply(404, "text/plain", "not found\n");
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          new ConfigError(
            `/healthz et /metrics : écoute impossible sur ${http.host}:${http.port} (${error.code ?? error.message}) : changez TRANCHE_HTTP_HOST / TRANCHE_HTTP_PORT (0 : désactivé)`,
          ),
        ),
      );
      server.listen(http.port, http.host, () => resolve());
    });
    this.server = server;
  }

  /** Prometheus text exposition, read from the database (the truth) and the live connection states. */
  async metrics(): Promise<string> {
    const { db } = this.options;
    const inbound = await db.inboundMessage.groupBy({ by: ["mailbox", "status"], _count: { _all: true } });
    const outbox = await outboxCounts(db);
    const mailboxStates = await db.mailboxState.findMany();
    const lines = [
      "# HELP tranche_messages_total Inbound messages by mailbox and status.",
      "# TYPE tranche_messages_total gauge",
      ...inbound.map(
        (g) => `tranche_messages_total{mailbox="${g.mailbox}",status="${g.status}"} ${g._count._all}`,
      ),
      "# HELP tranche_outbox_messages Outgoing emails by status.",
      "# TYPE tranche_outbox_messages gauge",
      ...Object.entries(outbox).map(([status, n]) => `tranche_outbox_messages{status="${status}"} ${n}`),
      "# HELP tranche_mailbox_state 1 for the current connection state of each mailbox.",
      "# TYPE tranche_mailbox_state gauge",
      ...[...this.states].map(
        ([mailbox, s]) => `tranche_mailbox_state{mailbox="${mailbox}",state="${s.state}"} 1`,
      ),
      "# HELP tranche_mailbox_last_error_timestamp_seconds Time of the last error of each mailbox.",
      "# TYPE tranche_mailbox_last_error_timestamp_seconds gauge",
      ...mailboxStates
        .filter((m) => m.lastErrorAt)
        .map(
          (m) =>
            `tranche_mailbox_last_error_timestamp_seconds{mailbox="${m.mailbox}"} ${m.lastErrorAt!.getTime() / 1000}`,
        ),
      "# HELP tranche_outbox_relay_refusing_since_timestamp_seconds Since when the relay has refused every email (down, login or sender refused); 0 while it takes them.",
      "# TYPE tranche_outbox_relay_refusing_since_timestamp_seconds gauge",
      `tranche_outbox_relay_refusing_since_timestamp_seconds ${(this.options.outbox.relayRefusing?.since.getTime() ?? 0) / 1000}`,
      "# HELP tranche_outbox_last_error_timestamp_seconds Time of the last failed send.",
      "# TYPE tranche_outbox_last_error_timestamp_seconds gauge",
      `tranche_outbox_last_error_timestamp_seconds ${(this.options.outbox.lastErrorAt?.getTime() ?? 0) / 1000}`,
    ];
    return `${lines.join("\n")}\n`;
  }
}

function cronLogger(logger: Logger) {
  const log = (level: "info" | "warn" | "error" | "debug") => (message: string) =>
    logger[level]({ cron: "rescan" }, message);
  return { info: log("debug"), warn: log("debug"), error: log("error"), debug: log("debug") };
}
