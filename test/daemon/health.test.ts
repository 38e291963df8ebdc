import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Daemon } from "../../src/daemon/daemon.ts";
import { ImapSource } from "../../src/mailbox/imap.ts";
import type { MailboxSource, SourceStatus } from "../../src/mailbox/source.ts";
import { fileTransport, smtpTransport } from "../../src/outbox/transport.ts";
import { OutboxWorker } from "../../src/outbox/worker.ts";
import { maildirTestDaemon } from "../helpers/daemon.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { replyHandler } from "../helpers/reply-handler.ts";
import { freePort, waitFor } from "../servers/ports.ts";
import { type SmtpSink, startSmtpSink } from "../servers/smtp-sink.ts";
import { createTestCertificate } from "../servers/tls.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let root: string;
let daemon: Daemon | null = null;
let sink: SmtpSink | null = null;

beforeEach(async () => {
  database = await createTestDatabase();
  root = mkdtempSync(join(tmpdir(), "tranche-health-"));
});
afterEach(async () => {
  await daemon?.stop();
  daemon = null;
  await sink?.close();
  sink = null;
  await database.close();
  rmSync(root, { recursive: true, force: true });
});

describe("watching the daemon", () => {
  it("serves /healthz and Prometheus /metrics, and `tranche status` reads the same state", async () => {
    const { db } = database;
    const port = await freePort();
    daemon = maildirTestDaemon(db, root, { rescanCron: "*/5 * * * *", http: { host: "127.0.0.1", port } });
    await daemon.start();
    await db.outboxMessage.create({
      data: {
        messageId: "<dead-1@example.test>",
        kind: "result",
        envelopeFrom: "no-reply@example.test",
        recipients: "refused@editeur.example.test",
        content: { create: { raw: new Uint8Array(Buffer.from("Subject: x\r\n\r\nx\r\n")) } },
        status: "dead",
        attempts: 1,
        lastResponse: "550 5.1.1 User unknown",
      },
    });
    await waitFor(
      "states saved",
      async () => (await db.mailboxState.count({ where: { state: "idle" } })) === 2,
    );

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: "ok",
      mailboxes: { contact: "idle", submissions: "idle" },
    });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('tranche_outbox_messages{status="dead"} 1');
    expect(metrics).toContain('tranche_mailbox_state{mailbox="submissions",state="idle"} 1');

    const { stdout } = await promisify(execFile)(process.execPath, ["bin/tranche.js", "status"], {
      env: { ...process.env, DATABASE_URL: database.url },
    });
    expect(stdout).toContain("Démon : en marche sur cette base");
    expect(stdout).toMatch(/submissions\s+maildir\s+idle/);
    expect(stdout).toContain("File d'envoi : 0 en attente, 0 envoyés, 1 refusés");
    expect(stdout).toContain("550 5.1.1 User unknown");
  });

  it("answers 503 on /healthz once a mailbox has been unreachable for a while, saying which and why — not for one quiet in IDLE", async () => {
    let report: (status: SourceStatus) => void = () => {};
    const quietSource: MailboxSource = {
      mailbox: "contact",
      kind: "imap",
      start: (_consume, onStatus) => {
        report = onStatus;
        onStatus({ state: "idle" });
      },
      rescan: () => {},
      stop: async () => {},
    };
    const { db } = database;
    const port = await freePort();
    // Nothing listens on this port: the submission mailbox keeps reconnecting.
    const closed = await freePort();
    const logger = pino({ level: "silent" });
    daemon = new Daemon({
      db,
      handler: replyHandler(),
      sources: [
        // An IMAP connection in IDLE: it said « idle » once and, with no mail, says nothing more.
        quietSource,
        new ImapSource({
          mailbox: "submissions",
          url: `imap://calcul:pw@127.0.0.1:${closed}/INBOX`,
          backoffMinMs: 50,
        }),
      ],
      outbox: new OutboxWorker(db, { transport: fileTransport(join(root, "sent")), logger }),
      logger,
      maxAttempts: 3,
      rescanCron: "",
      http: { host: "127.0.0.1", port },
      unhealthyAfterMs: 300,
    });
    await daemon.start();
    const health = await waitFor("unhealthy", async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      const body = (response.status === 503 ? await response.json() : null) as {
        unreachable?: Record<string, string | null>;
      } | null;
      // Its first connection attempt may still be under way on a loaded machine.
      return body?.unreachable?.submissions ? body : null;
    });
    expect(health).toMatchObject({
      status: "mailbox unreachable",
      mailboxes: { contact: "idle", submissions: expect.stringMatching(/^(?:backoff|connecting)$/) },
      unreachable: { submissions: expect.stringMatching(/ECONNREFUSED/) },
    });
    expect(Object.keys((health as { unreachable: object }).unreachable)).toEqual(["submissions"]);
    // Hours in IDLE, then a dropped connection: unreachable only once it has stayed down a while.
    report({ state: "backoff", error: "connection closed" });
    const body = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { unreachable: object };
    expect(Object.keys(body.unreachable)).toEqual(["submissions"]);
  });

  it("answers 503 on /healthz for a mailbox that connects every time and fails every scan (its Processed folder refusing the messages)", async () => {
    const refusal = "MOVE to Processed: Command failed: [NOPERM] Permission denied";
    let cycling: NodeJS.Timeout | undefined;
    // What an IMAP source reports, session after session, when the server refuses its MOVE.
    const failingSource: MailboxSource = {
      mailbox: "contact",
      kind: "imap",
      start: (_consume, onStatus) => {
        const cycle: SourceStatus[] = [
          { state: "connecting" },
          { state: "connected" },
          { state: "connected", error: refusal },
          { state: "backoff", error: refusal },
        ];
        let step = 0;
        cycling = setInterval(() => onStatus(cycle[step++ % cycle.length]!), 10);
      },
      rescan: () => {},
      stop: async () => clearInterval(cycling),
    };
    const { db } = database;
    const port = await freePort();
    const logger = pino({ level: "silent" });
    daemon = new Daemon({
      db,
      handler: replyHandler(),
      sources: [failingSource],
      outbox: new OutboxWorker(db, { transport: fileTransport(join(root, "sent")), logger }),
      logger,
      maxAttempts: 3,
      rescanCron: "",
      http: { host: "127.0.0.1", port },
      unhealthyAfterMs: 300,
    });
    await daemon.start();
    const health = await waitFor("unhealthy", async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      return response.status === 503 ? ((await response.json()) as object) : null;
    });
    expect(health).toMatchObject({ status: "mailbox unreachable", unreachable: { contact: refusal } });
  });

  it("answers 503 on /healthz while the relay refuses every reply (a stale password), with its answer, and 200 once one goes out", async () => {
    const { db } = database;
    // A port per daemon: fetch keeps its connection to the first one's server.
    let port = 0;
    const tls = createTestCertificate(root);
    sink = await startSmtpSink({ tls });
    const logger = pino({ level: "silent" });
    const stale = sink.url.replace(":sink-pw@", ":mot-de-passe-perime@");
    const outbox = (url: string) =>
      new OutboxWorker(db, {
        transport: smtpTransport(url, { ca: [tls.cert] }),
        logger,
        retryMinMs: 50,
        retryMaxMs: 200,
        pollMs: 50,
      });
    const start = async (worker: OutboxWorker) => {
      port = await freePort();
      daemon = maildirTestDaemon(db, root, {
        http: { host: "127.0.0.1", port },
        outbox: worker,
        unhealthyAfterMs: 300,
      });
      await daemon.start();
    };
    await db.outboxMessage.create({
      data: {
        messageId: "<resultat-1@example.test>",
        kind: "result",
        envelopeFrom: "no-reply@example.test",
        recipients: "jeanne.martin@editeur.example.test",
        content: {
          create: { raw: new Uint8Array(Buffer.from("Subject: Calcul de la tranche\r\n\r\nBonjour,\r\n")) },
        },
      },
    });
    await start(outbox(stale));
    const health = await waitFor("unhealthy", async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      return response.status === 503 ? ((await response.json()) as object) : null;
    });
    expect(health).toMatchObject({
      status: "relay refusing",
      relay: { response: expect.stringMatching(/^535 /) },
    });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^tranche_outbox_relay_refusing_since_timestamp_seconds [1-9]/m);
    await daemon!.stop();
    // Fixed, then the relay refuses to relay for us (Postfix's words at RCPT), then takes them again.
    sink.inject({
      at: "rcpt",
      code: 554,
      times: Infinity,
      message: "5.7.1 <jeanne.martin@editeur.example.test>: Relay access denied",
    });
    await start(outbox(sink.url));
    await waitFor("unhealthy again", async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      const body =
        response.status === 503 ? ((await response.json()) as { relay?: { response: string } }) : null;
      return body?.relay?.response.startsWith("554 5.7.1") ? body : null;
    });
    sink.clearFaults();
    await sink.waitForCount(1);
    await waitFor("healthy", async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200);
  });
});
