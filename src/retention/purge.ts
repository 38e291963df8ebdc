import { lstat, readdir, realpath, unlink } from "node:fs/promises";
import { join } from "node:path";
import cron, { type ScheduledTask } from "node-cron";
import { sqlOf } from "../db/sql.ts";
import type { DbOrTx } from "../db/transaction.ts";
import type { Mailbox } from "../intake/types.ts";

export interface PurgeSummary {
  /** Messages older than this lose their raw content. */
  cutoff: Date;
  inbound: number;
  outbox: number;
  /** Handled Maildir messages deleted under the mail root (cur/ of each mailbox and its sub-folders). */
  receivedFiles: number;
  /** `.eml` copies of sent mail deleted from `<mailRoot>/sent`. */
  sentFiles: number;
  /** Folders under the mail root left alone because a symlink leads there (relative paths). */
  skippedFolders: string[];
  dryRun: boolean;
}

const DAY = 24 * 60 * 60 * 1000;

const MAILBOXES: Mailbox[] = ["contact", "submissions"];

/**
 * Where the embedded Maildir source (src/mailbox/maildir.ts) files mail once handled: processed,
 * quarantined, failed. new/ and tmp/ are never listed: what is there has not been processed yet.
 */
const HANDLED_MAIL_FOLDERS = MAILBOXES.flatMap((mailbox) =>
  ["", ".Quarantine", ".Failed"].map((folder) => join(mailbox, folder, "cur")),
);

/** Where the file transport (src/outbox/transport.ts) writes each sent email. */
const SENT_FOLDER = "sent";

/**
 * SPEC §9: raw message content (the inbound email, and outgoing emails already sent or given up)
 * is removed after `retentionDays`. What the service needs is kept: message metadata, calculations
 * (inputs, results, dataset versions), access decisions and their audit trail, tickets. Outgoing
 * mail still waiting to be sent is never touched. An outgoing email's content is its OutboxContent row.
 *
 * With `mailRoot`, the copies the embedded defaults keep on disk go too (see purgeMailFiles).
 */
export async function purgeRawContent(
  db: DbOrTx,
  options: { retentionDays: number; now: Date; dryRun?: boolean; mailRoot?: string },
): Promise<PurgeSummary> {
  const cutoff = new Date(options.now.getTime() - options.retentionDays * DAY);
  const inboundWhere = { receivedAt: { lt: cutoff }, raw: { not: null } };
  const outboxWhere = { outbox: { status: { in: ["sent", "dead"] }, createdAt: { lt: cutoff } } };
  const dryRun = options.dryRun ?? false;
  let inbound: number;
  let outbox: number;
  if (dryRun) {
    inbound = await db.inboundMessage.count({ where: inboundWhere });
    outbox = await db.outboxContent.count({ where: outboxWhere });
  } else {
    inbound = (await db.inboundMessage.updateMany({ where: inboundWhere, data: { raw: null } })).count;
    outbox = (await db.outboxContent.deleteMany({ where: outboxWhere })).count;
    if (inbound + outbox > 0) await truncateWriteAheadLog(db);
  }
  const files = options.mailRoot
    ? await purgeMailFiles(options.mailRoot, cutoff, dryRun)
    : { receivedFiles: 0, sentFiles: 0, skippedFolders: [] };
  return { cutoff, dryRun, inbound, outbox, ...files };
}

/**
 * SQLite's write-ahead log still holds the pages as they were before the purge (the content itself)
 * until a checkpoint overwrites them: copy them into the database, whose freed pages are zeroed
 * (secure_delete, src/db/client.ts), and empty the log. Best effort: a reader still on an older
 * snapshot (the CLI) makes it return busy, and the next day's purge tries again. Not inside a
 * transaction (a checkpoint cannot run there), nor on PostgreSQL.
 */
async function truncateWriteAheadLog(db: DbOrTx): Promise<void> {
  if (!("$disconnect" in db) || sqlOf(db).provider !== "sqlite") return;
  await db.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
}

/**
 * The local mail folders of the embedded defaults (no IMAP URL: a Maildir per mailbox; no SMTP URL:
 * `.eml` files in `<mailRoot>/sent`) hold full raw copies: those last modified before `cutoff` are
 * deleted. They are looked at whatever the configuration says now, so that copies left from a time
 * on the embedded defaults go as well. A handled message's mtime is when it was handled (set by
 * maildir.ts on the move to cur/); a sent copy's is when it was written.
 *
 * Only regular files directly in those folders are deleted. The mail root itself may be a symlink; a
 * folder below it reached through one is skipped (and reported): deleting there could reach
 * unprocessed mail or files that are not the service's.
 */
async function purgeMailFiles(
  mailRoot: string,
  cutoff: Date,
  dryRun: boolean,
): Promise<Pick<PurgeSummary, "receivedFiles" | "sentFiles" | "skippedFolders">> {
  const summary = { receivedFiles: 0, sentFiles: 0, skippedFolders: [] as string[] };
  const root = await realpathIfAny(mailRoot);
  if (root === null) return summary;
  const purge = async (folder: string, accept: (name: string) => boolean): Promise<number> => {
    const expected = join(root, folder);
    const dir = await realpathIfAny(expected);
    if (dir === null) return 0;
    if (dir !== expected) {
      summary.skippedFolders.push(folder);
      return 0;
    }
    let count = 0;
    for (const name of await readdir(dir)) {
      // Dot-files are not messages (the file transport's `.<name>.tmp` while it writes, tool state).
      if (name.startsWith(".") || !accept(name)) continue;
      const path = join(dir, name);
      try {
        const stat = await lstat(path);
        if (!stat.isFile() || stat.mtimeMs >= cutoff.getTime()) continue;
        if (!dryRun) await unlink(path);
        count++;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error; // gone meanwhile
      }
    }
    return count;
  };
  for (const folder of HANDLED_MAIL_FOLDERS) summary.receivedFiles += await purge(folder, () => true);
  summary.sentFiles = await purge(SENT_FOLDER, (name) => name.endsWith(".eml"));
  return summary;
}

/** The path with every symlink resolved, or null when it does not exist. */
async function realpathIfAny(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
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
  options: {
    retentionDays: number;
    logger: RetentionLogger;
    /** The local mail folders to purge too (see purgeRawContent); undefined: the database only. */
    mailRoot?: string;
    expression?: string;
    now?: () => Date;
  },
): ScheduledTask {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  return cron.schedule(
    options.expression ?? RETENTION_SCHEDULE,
    async () => {
      try {
        const summary = await purgeRawContent(db, {
          retentionDays: options.retentionDays,
          now: now(),
          mailRoot: options.mailRoot,
        });
        logger.info(
          {
            cutoff: summary.cutoff.toISOString(),
            inbound: summary.inbound,
            outbox: summary.outbox,
            receivedFiles: summary.receivedFiles,
            sentFiles: summary.sentFiles,
          },
          "retention: raw message content purged",
        );
        if (summary.skippedFolders.length > 0) {
          logger.warn(
            { folders: summary.skippedFolders },
            "retention: mail folders reached through a symlink were not purged",
          );
        }
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
