import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { resultRecipientRevoked } from "../access/store.ts";
import { requireStartTls } from "../config/clear-text.ts";
import type { Config } from "../config/schema.ts";
import type { Db } from "../db/client.ts";
import { MAX_HEADER_BYTES, rawBudget } from "../intake/intake.ts";
import type { Mailbox } from "../intake/types.ts";
import { ImapSource } from "../mailbox/imap.ts";
import { MaildirSource } from "../mailbox/maildir.ts";
import type { MailboxSource, SizeLimit } from "../mailbox/source.ts";
import { SentJournal } from "../outbox/journal.ts";
import { fileTransport, type OutgoingTransport, smtpTransport } from "../outbox/transport.ts";
import { OutboxWorker } from "../outbox/worker.ts";
import { NoDatasetError } from "../reference/datasets.ts";
import { writeDemoDataset } from "../reference/demo.ts";
import { importReferenceData } from "../reference/import.ts";
import { Daemon } from "./daemon.ts";
import type { MessageHandler } from "./handler.ts";

/** The mailbox sources the configuration asks for: IMAP when a URL is set, else a local Maildir. */
export function mailboxSources(config: Config): MailboxSource[] {
  const ca = config.tlsCaFile ? [readFileSync(config.tlsCaFile)] : undefined;
  // Past what intake parses, only the header is read (it answers such a message as too large).
  const sizeLimit: SizeLimit = { maxBytes: rawBudget(config), headBytes: MAX_HEADER_BYTES };
  const urls: Record<Mailbox, string | undefined> = {
    contact: config.contactImapUrl,
    submissions: config.submissionsImapUrl,
  };
  return (Object.entries(urls) as [Mailbox, string | undefined][]).map(([mailbox, url]) =>
    url
      ? new ImapSource({
          mailbox,
          url,
          requireStartTls: requireStartTls(url, config.allowClearText),
          ...(ca ? { ca } : {}),
          backoffMinMs: config.reconnectMinMs,
          backoffMaxMs: config.reconnectMaxMs,
          sizeLimit,
        })
      : new MaildirSource(mailbox, join(resolve(config.mailRoot), mailbox), { sizeLimit }),
  );
}

/** SMTP when a URL is set, else `.eml` files in `<mailRoot>/sent`. */
export function outgoingTransport(config: Config): OutgoingTransport {
  const ca = config.tlsCaFile ? [readFileSync(config.tlsCaFile)] : undefined;
  return config.smtpUrl
    ? smtpTransport(config.smtpUrl, {
        requireStartTls: requireStartTls(config.smtpUrl, config.allowClearText),
        ...(ca ? { ca } : {}),
      })
    : fileTransport(join(resolve(config.mailRoot), "sent"));
}

/** The daemon of the configuration; `prepare` runs once it holds its lock (see DaemonOptions). */
export function createDaemon(
  db: Db,
  config: Config,
  handler: MessageHandler,
  logger: Logger,
  prepare?: () => Promise<void>,
): Daemon {
  const outbox = new OutboxWorker(db, {
    transport: outgoingTransport(config),
    logger: logger.child({ component: "outbox" }),
    retryMinMs: config.smtpRetryMinMs,
    retryMaxMs: config.smtpRetryMaxMs,
    leaseMs: config.smtpLeaseMs,
    stopGraceMs: config.stopGraceMs,
    journal: new SentJournal(join(resolve(config.mailRoot), ".outbox-sent.journal")),
    withhold: (email) => resultRecipientRevoked(db, email),
  });
  return new Daemon({
    db,
    handler,
    sources: mailboxSources(config),
    outbox,
    logger,
    maxAttempts: config.maxAttempts,
    rescanCron: config.rescanCron,
    retentionDays: config.retentionDays,
    mailRoot: resolve(config.mailRoot),
    http: { host: config.httpHost, port: config.httpPort },
    ...(prepare ? { prepare } : {}),
  });
}

/**
 * A fresh clone starts on an empty database: on the embedded defaults (local Maildir folders, no
 * IMAP) the demo reference data is loaded so that requests get answers. Against real mailboxes a
 * synthetic answer would be a wrong tranche: the daemon refuses to start until data is imported.
 */
export async function ensureReferenceData(db: Db, config: Config, logger: Logger): Promise<void> {
  if ((await db.dataset.count()) > 0) return;
  if (config.contactImapUrl || config.submissionsImapUrl) throw new NoDatasetError();
  const dir = mkdtempSync(join(tmpdir(), "tranche-demo-"));
  try {
    writeDemoDataset(dir);
    const summary = await importReferenceData(db, dir, { label: "démo (chargée au premier démarrage)" });
    logger.warn({ datasetId: summary.datasetId }, "empty database: demo reference data loaded");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
