import cron, { type ScheduledTask } from "node-cron";
import type { DbOrTx } from "../db/transaction.ts";

export interface PurgeSummary {
  /** Messages older than this lose their raw content. */
  cutoff: Date;
  inbound: number;
  outbox: number;
  dryRun: boolean;
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * SPEC §9: raw message content (the inbound email, and outgoing emails already sent or given up)
 * is removed after `retentionDays`. What the service needs is kept: message metadata, calculations
 * (inputs, results, dataset versions), access decisions and their audit trail, tickets. Outgoing
 * mail still waiting to be sent is never touched. An outgoing email's content is its OutboxContent row.
 */
export async function purgeRawContent(
  db: DbOrTx,
  options: { retentionDays: number; now: Date; dryRun?: boolean },
): Promise<PurgeSummary> {
  const cutoff = new Date(options.now.getTime() - options.retentionDays * DAY);
  const inboundWhere = { receivedAt: { lt: cutoff }, raw: { not: null } };
  const outboxWhere = { outbox: { status: { in: ["sent", "dead"] }, createdAt: { lt: cutoff } } };
  const dryRun = options.dryRun ?? false;
  if (dryRun) {
    return {
      cutoff,
      dryRun,
      inbound: await db.inboundMessage.count({ where: inboundWhere }),
      outbox: await db.outboxContent.count({ where: outboxWhere }),
    };
  }
  const inbound = await db.inboundMessage.updateMany({ where: inboundWhere, data: { raw: null } });
  const outbox = await db.outboxContent.deleteMany({ where: outboxWhere });
  return { cutoff, dryRun, inbound: inbound.count, outbox: outbox.count };
}

/** The subset of a pino logger the job uses: counts only, never content. */
export interface RetentionLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
  debug(object: object, message: string): void;
}

/** Every day at 03:17 (server time), away from the hour when other jobs run. */
export const RETENTION_SCHEDULE = "17 3 * * *";

/**
 * Schedules the daily purge for the daemon; `stop()` the returned task on shutdown. node-cron's own
 * messages go to the given logger (otherwise it prints coloured lines to the console).
 */
export function scheduleRetention(
  db: DbOrTx,
  options: { retentionDays: number; logger: RetentionLogger; expression?: string; now?: () => Date },
): ScheduledTask {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  return cron.schedule(
    options.expression ?? RETENTION_SCHEDULE,
    async () => {
      try {
        const summary = await purgeRawContent(db, { retentionDays: options.retentionDays, now: now() });
        logger.info(
          { cutoff: summary.cutoff.toISOString(), inbound: summary.inbound, outbox: summary.outbox },
          "retention: raw message content purged",
        );
      } catch (error) {
        logger.error({ err: error }, "retention: purge failed");
      }
    },
    {
      name: "retention-purge",
      noOverlap: true,
      logger: {
        info: (message) => logger.info({ job: "retention-purge" }, message),
        warn: (message) => logger.warn({ job: "retention-purge" }, message),
        error: (message, err) => logger.error({ job: "retention-purge", err }, String(message)),
        debug: (message, err) => logger.debug({ job: "retention-purge", err }, String(message)),
      },
    },
  );
}
