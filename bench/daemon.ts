// The mail daemon against the real test servers (private Dovecot, in-process SMTP sink), in one run:
// end-to-end latency append → reply accepted with IDLE, backlog throughput against the floor (the
// same messages only fetched and re-sent, no processing), peak RSS.
// Standalone: node bin/run-ts.js bench/daemon.ts
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import nodemailer from "nodemailer";
import type { Daemon } from "../src/daemon/daemon.ts";
import { testDaemon } from "../test/helpers/daemon.ts";
import { createTestDatabase } from "../test/helpers/database.ts";
import { replyHandler, requestEmail } from "../test/helpers/reply-handler.ts";
import { type DovecotServer, startDovecot } from "../test/servers/dovecot.ts";
import { type SmtpSink, startSmtpSink } from "../test/servers/smtp-sink.ts";

const LATENCY_SAMPLES = 40;
const BACKLOG = 1_000;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function appendBacklog(dovecot: DovecotServer, prefix: string): Promise<void> {
  const client = await dovecot.client("calcul");
  for (let i = 0; i < BACKLOG; i++) await client.append("INBOX", requestEmail(`${prefix}-${i}`));
  await client.logout();
}

/** The floor: fetch every message of the backlog and send each one on unchanged. */
async function floor(dovecot: DovecotServer, sink: SmtpSink): Promise<number> {
  const started = performance.now();
  const client = await dovecot.client("calcul");
  await client.mailboxOpen("INBOX");
  const messages = await client.fetchAll("1:*", { uid: true, source: true }, { uid: true });
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: sink.port,
    auth: { user: "daemon", pass: "sink-pw" },
    tls: { ca: [dovecot.tls.cert] },
    pool: true,
    maxConnections: 2,
  });
  const target = sink.received.length + messages.length;
  await Promise.all(
    messages.map((m) =>
      transport.sendMail({
        envelope: { from: "no-reply@example.test", to: ["requester@example.test"] },
        raw: m.source!,
      }),
    ),
  );
  await sink.waitForCount(target, 120_000);
  const elapsed = performance.now() - started;
  transport.close();
  await client.messageDelete("1:*", { uid: true });
  await client.logout();
  return elapsed;
}

export async function benchDaemon(): Promise<void> {
  const dovecot = await startDovecot();
  const sink = await startSmtpSink({ tls: dovecot.tls });
  const database = await createTestDatabase();
  let daemon: Daemon | null = null;
  try {
    // Latency: one request at a time into an idle mailbox.
    daemon = testDaemon(database.db, dovecot, sink, replyHandler());
    await daemon.start();
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const before = sink.received.length;
      const started = performance.now();
      await dovecot.append("calcul", requestEmail(`lat-${i}`));
      await sink.waitForCount(before + 1);
      latencies.push(performance.now() - started);
    }
    await daemon.stop();
    daemon = null;

    // Floor, then the daemon on an identical backlog.
    await appendBacklog(dovecot, "floor");
    const floorMs = await floor(dovecot, sink);
    await appendBacklog(dovecot, "backlog");
    const before = sink.received.length;
    const started = performance.now();
    daemon = testDaemon(database.db, dovecot, sink, replyHandler());
    await daemon.start();
    await sink.waitForCount(before + BACKLOG, 300_000);
    const daemonMs = performance.now() - started;
    await daemon.stop();
    daemon = null;

    const rssMb = process.resourceUsage().maxRSS / 1024;
    console.log("daemon (Dovecot IMAP IDLE → claim → reply → SMTP sink, SQLite)");
    console.log(
      `  latency append → reply accepted, ${LATENCY_SAMPLES} requests: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
    );
    console.log(
      `  backlog of ${BACKLOG}: daemon ${(daemonMs / 1000).toFixed(2)} s (${((BACKLOG * 1000) / daemonMs).toFixed(0)}/s), floor fetch + re-send ${(floorMs / 1000).toFixed(2)} s (${((BACKLOG * 1000) / floorMs).toFixed(0)}/s): ratio ${(daemonMs / floorMs).toFixed(1)}×`,
    );
    console.log(`  peak RSS ${rssMb.toFixed(0)} MB (bench process: daemon, SMTP sink and clients)`);
  } finally {
    await daemon?.stop();
    await sink.close();
    await database.close();
    await dovecot.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await benchDaemon();
