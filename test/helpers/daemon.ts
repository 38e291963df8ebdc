import { join } from "node:path";
import pino from "pino";
import { Daemon, type DaemonOptions } from "../../src/daemon/daemon.ts";
import type { MessageHandler } from "../../src/daemon/handler.ts";
import type { Db } from "../../src/db/client.ts";
import { ImapSource } from "../../src/mailbox/imap.ts";
import { MaildirSource } from "../../src/mailbox/maildir.ts";
import { fileTransport, smtpTransport } from "../../src/outbox/transport.ts";
import { OutboxWorker } from "../../src/outbox/worker.ts";
import type { DovecotServer } from "../servers/dovecot.ts";
import type { SmtpSink } from "../servers/smtp-sink.ts";
import { replyHandler } from "./reply-handler.ts";

/** An in-process daemon on Maildir folders under `root` (contact, submissions), replies as files in `<root>/sent`. */
export function maildirTestDaemon(
  db: Db,
  root: string,
  options: Partial<
    Pick<DaemonOptions, "rescanCron" | "http" | "prepare" | "handler" | "outbox" | "unhealthyAfterMs">
  > = {},
): Daemon {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  return new Daemon({
    db,
    handler: replyHandler(),
    sources: (["contact", "submissions"] as const).map(
      (m) => new MaildirSource(m, join(root, m), { pollMs: 1_000 }),
    ),
    outbox: new OutboxWorker(db, { transport: fileTransport(join(root, "sent")), logger }),
    logger,
    maxAttempts: 3,
    rescanCron: "",
    ...options,
  });
}

/** An in-process daemon on the test servers: contact@ and calcul@ over IMAP, replies to the sink. */
export function testDaemon(
  db: Db,
  dovecot: DovecotServer,
  sink: SmtpSink,
  handler: MessageHandler,
  maxAttempts = 3,
) {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const ca = [dovecot.tls.cert];
  const sources = [
    new ImapSource({
      mailbox: "contact",
      url: dovecot.imapUrl("contact"),
      ca,
      backoffMinMs: 100,
      backoffMaxMs: 1_000,
    }),
    new ImapSource({
      mailbox: "submissions",
      url: dovecot.imapUrl("calcul"),
      ca,
      backoffMinMs: 100,
      backoffMaxMs: 1_000,
    }),
  ];
  const outbox = new OutboxWorker(db, {
    transport: smtpTransport(sink.url, { ca }),
    logger,
    retryMinMs: 50,
    retryMaxMs: 500,
    pollMs: 200,
  });
  return new Daemon({
    db,
    handler,
    sources,
    outbox,
    logger,
    maxAttempts,
    rescanCron: "",
    http: { host: "127.0.0.1", port: 0 },
  });
}
