import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../helpers/database.ts";
import { requestEmail } from "../helpers/reply-handler.ts";
import { type DovecotServer, startDovecot } from "../servers/dovecot.ts";
import { waitFor } from "../servers/ports.ts";
import { type SmtpSink, startSmtpSink } from "../servers/smtp-sink.ts";

let dovecot: DovecotServer;
let sink: SmtpSink;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
/** The daemon process running now, killed in afterAll should the test fail while it runs. */
let current: ChildProcess | null = null;

beforeAll(async () => {
  dovecot = await startDovecot();
  sink = await startSmtpSink({ tls: dovecot.tls });
  database = await createTestDatabase();
});
afterAll(async () => {
  if (current && current.exitCode === null && current.signalCode === null) {
    current.kill("SIGKILL");
    await exited(current);
  }
  await sink?.close();
  await database?.close();
  await dovecot?.destroy();
});

function startDaemon(): ChildProcess {
  current = spawn(process.execPath, ["bin/run-ts.js", "test/daemon/daemon-entry.ts"], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      TRANCHE_MAIL_ROOT: database.dir,
      TRANCHE_CONTACT_IMAP_URL: dovecot.imapUrl("contact"),
      TRANCHE_SUBMISSIONS_IMAP_URL: dovecot.imapUrl("calcul"),
      TRANCHE_SMTP_URL: sink.url,
      TRANCHE_TLS_CA_FILE: dovecot.tls.certPath,
      TRANCHE_HTTP_PORT: "0",
      TRANCHE_RECONNECT_MIN_MS: "100",
      TRANCHE_SMTP_RETRY_MIN_MS: "100",
      // Each kill counts an attempt for the messages it interrupted; ten kills could spend a
      // message's three. This test is about exactly once; parking is claim.test.ts's poison test.
      TRANCHE_MAX_ATTEMPTS: "100",
      // The default lease (2 min), longer than the test allows: what a killed daemon had leased must
      // go at the next start (it holds the database's daemon lock), not when the lease expires.
      TRANCHE_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return current;
}

/** Resolves when the child has printed "ready" (connections being opened), rejects if it exits first. */
const ready = (child: ChildProcess) =>
  new Promise<void>((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("ready\n")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`daemon exited (${code}) before being ready`)));
  });

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });

describe("the daemon killed at random moments", () => {
  it("answers every request of a backlog once after ten SIGKILLs and restarts", async () => {
    const total = 300;
    for (const user of ["calcul", "contact"] as const) {
      const client = await dovecot.client(user);
      for (let i = 0; i < total / 2; i++) await client.append("INBOX", requestEmail(`${user}-${i}`));
      await client.logout();
    }
    const progress: string[] = [];
    for (let kill = 0; kill < 10; kill++) {
      const child = startDaemon();
      // Claims are committed a batch at a time: progress counts claims and replies, so that kills
      // land among the sends too, not only between two batches of claims.
      const done = async () => (await database.db.inboundMessage.count()) + sink.received.length;
      // Small steps (≈ 40 of the 600 claims and replies, jitter included: the daemon handles a few
      // hundred a second), so that the ten kills spread over the whole backlog.
      const target = Math.min(2 * total, (await done()) + 1 + Math.floor(Math.random() * 40));
      await ready(child);
      // In the middle of the claims, moves and sends: after a random amount of progress, plus jitter.
      await waitFor("progress", async () => (await done()) >= target, 30_000);
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      child.kill("SIGKILL");
      await exited(child);
      progress.push(`${sink.received.length}/${await database.db.inboundMessage.count()}`);
    }
    const last = startDaemon();
    await ready(last);
    await sink.waitForCount(total, 60_000);
    await waitFor(
      "every claim final",
      async () => (await database.db.inboundMessage.count({ where: { status: "processed" } })) === total,
      30_000,
    );
    await waitFor(
      "outbox drained",
      async () => (await database.db.outboxMessage.count({ where: { status: "pending" } })) === 0,
      30_000,
    );
    last.kill("SIGTERM");
    expect(await exited(last)).toBe(0);

    const replies = new Map<string, Set<string>>();
    const deliveries = new Map<string, number>();
    for (const mail of sink.received) {
      const request = mail.inReplyTo ?? "?";
      replies.set(request, (replies.get(request) ?? new Set()).add(mail.messageId ?? "?"));
      deliveries.set(request, (deliveries.get(request) ?? 0) + 1);
    }
    const histogram: Record<number, number> = {};
    for (const n of deliveries.values()) histogram[n] = (histogram[n] ?? 0) + 1;
    console.log(
      `${total} requests, ten SIGKILLs (replies / claims by then: ${progress.join(", ")}): SMTP deliveries per request ${JSON.stringify(histogram)}`,
    );
    // Every request got exactly one reply (one Message-ID, one outbox row); a kill between the relay's
    // 250 and the row marked sent can only repeat the delivery of that same message.
    expect(replies.size).toBe(total);
    expect([...replies.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(await database.db.outboxMessage.count()).toBe(total);
    expect(await database.db.inboundMessage.count()).toBe(total);
  }, 120_000);
});
