import type { Logger } from "pino";
import type { Db } from "../db/client.ts";
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
}

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
 * recorded in `lastResponse`. One worker per database: two would send the same rows.
 */
export class OutboxWorker {
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private woken = false;
  lastErrorAt: Date | null = null;

  constructor(
    private readonly db: Db,
    private readonly options: OutboxWorkerOptions,
  ) {
    this.retryMinMs = options.retryMinMs ?? 30_000;
    this.retryMaxMs = options.retryMaxMs ?? 3_600_000;
    this.batchSize = options.batchSize ?? 50;
    this.pollMs = options.pollMs ?? 5_000;
  }

  start(): void {
    this.loop ??= this.run();
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
    this.options.transport.close();
  }

  /** One pass over the rows due now; returns how many were attempted. */
  async sendDue(): Promise<number> {
    const due = await this.db.outboxMessage.findMany({
      where: { status: "pending", nextAttemptAt: { lte: new Date() } },
      orderBy: { id: "asc" },
      take: this.batchSize,
    });
    await Promise.all(due.map((row) => this.sendOne(row)));
    return due.length;
  }

  private async sendOne(row: {
    id: number;
    messageId: string;
    envelopeFrom: string;
    recipients: string;
    raw: Uint8Array;
    attempts: number;
  }): Promise<void> {
    const attempts = row.attempts + 1;
    try {
      const response = await this.options.transport.send({
        id: row.id,
        messageId: row.messageId,
        envelopeFrom: row.envelopeFrom,
        recipients: row.recipients.split(",").filter(Boolean),
        raw: Buffer.from(row.raw),
      });
      await this.db.outboxMessage.update({
        where: { id: row.id },
        data: { status: "sent", attempts, sentAt: new Date(), lastResponse: response.slice(0, 1000) },
      });
      this.options.logger.info({ outboxId: row.id, messageId: row.messageId, response }, "email sent");
    } catch (error) {
      const permanent = error instanceof SendError && error.permanent;
      const response =
        error instanceof SendError ? error.response : String((error as Error)?.message ?? error);
      const ceiling = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** (attempts - 1));
      const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      this.lastErrorAt = new Date();
      await this.db.outboxMessage.update({
        where: { id: row.id },
        data: permanent
          ? { status: "dead", attempts, lastResponse: response }
          : { attempts, lastResponse: response, nextAttemptAt: new Date(Date.now() + delay) },
      });
      this.options.logger.warn(
        { outboxId: row.id, messageId: row.messageId, response, attempts, permanent },
        permanent ? "email refused: dead letter" : "email not sent yet: will retry",
      );
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      let attempted = 0;
      try {
        attempted = await this.sendDue();
      } catch (error) {
        this.lastErrorAt = new Date();
        this.options.logger.error({ err: error }, "outbox pass failed");
      }
      if (this.stopping) break;
      if (attempted === this.batchSize || this.woken) continue;
      await this.sleepUntilDue();
    }
  }

  private async sleepUntilDue(): Promise<void> {
    const next = await this.db.outboxMessage
      .findFirst({
        where: { status: "pending" },
        orderBy: { nextAttemptAt: "asc" },
        select: { nextAttemptAt: true },
      })
      .catch(() => null);
    const untilDue = next ? next.nextAttemptAt.getTime() - Date.now() : this.pollMs;
    const delay = Math.max(10, Math.min(this.pollMs, untilDue));
    if (this.woken || this.stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
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
