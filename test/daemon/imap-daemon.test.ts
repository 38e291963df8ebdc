import { chmodSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Daemon } from "../../src/daemon/daemon.ts";
import type { Db } from "../../src/db/client.ts";
import { runTranche } from "../helpers/cli.ts";
import { testDaemon } from "../helpers/daemon.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { replyHandler, requestEmail } from "../helpers/reply-handler.ts";
import { type DovecotServer, startDovecot } from "../servers/dovecot.ts";
import { waitFor } from "../servers/ports.ts";
import { type SmtpSink, startSmtpSink } from "../servers/smtp-sink.ts";

let dovecot: DovecotServer;
let sink: SmtpSink;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let daemon: Daemon | null = null;
let run = 0;

beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.destroy();
});
beforeEach(async () => {
  run++;
  database = await createTestDatabase();
  db = database.db;
  sink = await startSmtpSink({ tls: dovecot.tls });
});
afterEach(async () => {
  await daemon?.stop();
  daemon = null;
  await sink.close();
  await database.close();
});

/** Replies received per request Message-ID. */
function repliesPerRequest(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of sink.received)
    counts.set(mail.inReplyTo ?? "?", (counts.get(mail.inReplyTo ?? "?") ?? 0) + 1);
  return counts;
}

async function appendMany(user: "calcul" | "contact", ids: string[]): Promise<void> {
  const client = await dovecot.client(user);
  for (const id of ids) await client.append("INBOX", requestEmail(id));
  await client.logout();
}

async function inboxCount(user: "calcul" | "contact", folder = "INBOX"): Promise<number> {
  const client = await dovecot.client(user);
  const status = await client.status(folder, { messages: true });
  await client.logout();
  return status ? (status.messages ?? 0) : 0;
}

describe("the IMAP daemon", () => {
  it("answers a request appended to either mailbox through SMTP, threaded, once", async () => {
    daemon = testDaemon(db, dovecot, sink, replyHandler());
    await daemon.start();
    await waitFor(
      "both mailboxes idle",
      async () => (await db.mailboxState.count({ where: { state: "idle" } })) === 2,
    );
    const appendedAt = Date.now();
    await dovecot.append("calcul", requestEmail(`a${run}`));
    await dovecot.append("contact", requestEmail(`b${run}`, "requester2@editeur.example.test"));
    await sink.waitForCount(2);
    console.log(`IDLE: append → reply accepted in ${Date.now() - appendedAt} ms (two mailboxes)`);

    const byReply = new Map(sink.received.map((m) => [m.inReplyTo, m]));
    const first = byReply.get(`<req-a${run}@editeur.example.test>`)!;
    expect(first.recipients).toEqual(["requester@editeur.example.test"]);
    expect(first.envelopeFrom).toBe("no-reply@example.test");
    expect([first.secure, first.user]).toEqual([true, "daemon"]);
    const head = first.raw.toString("utf8").split("\r\n\r\n")[0]!;
    expect(head).toMatch(/^Auto-Submitted: auto-replied$/m);
    expect(head).toMatch(/^References: <req-a\d+@editeur\.example\.test>$/m);
    expect(byReply.get(`<req-b${run}@editeur.example.test>`)!.recipients).toEqual([
      "requester2@editeur.example.test",
    ]);

    await waitFor(
      "messages filed",
      async () => (await inboxCount("calcul", "Processed")) >= 1 && (await inboxCount("calcul")) === 0,
    );
    const rows = await db.inboundMessage.findMany();
    expect(rows.map((r) => [r.mailbox, r.status]).sort()).toEqual([
      ["contact", "processed"],
      ["submissions", "processed"],
    ]);
    const outbox = await db.outboxMessage.findMany();
    expect(outbox.every((o) => o.status === "sent" && o.lastResponse?.startsWith("250"))).toBe(true);
    expect(await daemon.metrics()).toMatch(/tranche_outbox_messages\{status="sent"\} 2/);
  });

  it("answers a backlog of 500 exactly once, across a Dovecot restart mid-way", async () => {
    const ids = Array.from({ length: 500 }, (_, i) => `bl${run}-${i}`);
    await appendMany("calcul", ids);
    daemon = testDaemon(db, dovecot, sink, replyHandler());
    await daemon.start();
    await sink.waitForCount(150, 60_000);
    await dovecot.stop();
    await dovecot.start();
    await sink.waitForCount(500, 60_000);
    await waitFor("inbox emptied", async () => (await inboxCount("calcul")) === 0, 30_000);
    const counts = repliesPerRequest();
    expect(counts.size).toBe(500);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(await db.inboundMessage.count({ where: { status: "processed" } })).toBe(500);
    const state = await db.mailboxState.findUnique({ where: { mailbox: "submissions" } });
    expect(state?.lastConnectedAt).toBeTruthy();
  }, 120_000);

  it("sends no second reply when the mailbox is recreated with a new UIDVALIDITY", async () => {
    daemon = testDaemon(db, dovecot, sink, replyHandler());
    await daemon.start();
    await dovecot.append("contact", requestEmail(`u${run}`));
    await sink.waitForCount(1);
    await daemon.stop();
    daemon = null;
    // The same message comes back in a reset INBOX: new UIDVALIDITY, UIDs from 1 again.
    let client = await dovecot.client("contact");
    const before = (await client.mailboxOpen("INBOX")).uidValidity;
    await client.mailboxOpen("Processed");
    const processed = (await client.fetchAll("1:*", { source: true, envelope: true }, { uid: true })).filter(
      (m) => m.envelope?.messageId === `<req-u${run}@editeur.example.test>`,
    );
    await client.logout();
    expect(processed).toHaveLength(1);
    await dovecot.stop();
    const maildir = join(dovecot.dir, "mail", "contact", "Maildir");
    for (const file of readdirSync(maildir)) {
      if (file === "dovecot-uidlist" || file.startsWith("dovecot.index")) rmSync(join(maildir, file));
    }
    await dovecot.start();
    client = await dovecot.client("contact");
    expect((await client.mailboxOpen("INBOX")).uidValidity).not.toBe(before);
    await client.append("INBOX", processed[0]!.source!);
    await client.append("INBOX", requestEmail(`v${run}`));
    await client.logout();

    daemon = testDaemon(db, dovecot, sink, replyHandler());
    await daemon.start();
    await sink.waitForCount(2);
    await waitFor("inbox emptied", async () => (await inboxCount("contact")) === 0);
    const counts = repliesPerRequest();
    expect(counts.get(`<req-u${run}@editeur.example.test>`)).toBe(1);
    expect(counts.get(`<req-v${run}@editeur.example.test>`)).toBe(1);
    expect(await db.inboundMessage.count({ where: { mailbox: "contact" } })).toBe(2);
  });

  it("recreates a filing folder another client deleted, and files the message there", async () => {
    daemon = testDaemon(db, dovecot, sink, replyHandler());
    await daemon.start();
    await waitFor(
      "both mailboxes idle",
      async () => (await db.mailboxState.count({ where: { state: "idle" } })) === 2,
    );
    const other = await dovecot.client("calcul");
    await other.mailboxDelete("Processed");
    await other.logout();
    await dovecot.append("calcul", requestEmail(`refiled${run}`));
    await sink.waitForCount(1);
    await waitFor("moved to the recreated Processed", async () => (await inboxCount("calcul")) === 0);
    expect(await inboxCount("calcul", "Processed")).toBe(1);
    expect(repliesPerRequest().get(`<req-refiled${run}@editeur.example.test>`)).toBe(1);
  });

  it("parks a message whose processing keeps failing in Failed, with its error, after the last attempt", async () => {
    daemon = testDaemon(db, dovecot, sink, replyHandler({ fail: (s) => s.includes("poison") }), 3);
    await daemon.start();
    await dovecot.append("calcul", requestEmail(`poison${run}`));
    await dovecot.append("calcul", requestEmail(`ok${run}`));
    await sink.waitForCount(1);
    for (let i = 0; i < 3; i++) {
      daemon.rescan();
      if ((await inboxCount("calcul", "Failed")) === 1) break;
      await waitFor(
        "another attempt",
        async () =>
          (await db.inboundMessage.findFirst({ where: { subject: { contains: "poison" } } }))!.attempts > i,
      );
    }
    await waitFor("parked in Failed", async () => (await inboxCount("calcul", "Failed")) === 1);
    const row = await db.inboundMessage.findFirstOrThrow({ where: { subject: { contains: "poison" } } });
    expect(row.status).toBe("failed");
    expect(row.attempts).toBe(3);
    expect(row.lastError).toContain("handler failure");
    expect(sink.received).toHaveLength(1);
  });

  it("records a message whose FETCH ends the connection each time as failed, shown by tranche status", async () => {
    const ids = [`avant${run}`, `illisible${run}`, `apres${run}`];
    const uids: number[] = [];
    for (const id of ids) uids.push(await dovecot.append("contact", requestEmail(id)));
    // (No Failed folder yet when this test runs alone: the daemon creates it.)
    const failedBefore = await inboxCount("contact", "Failed").catch(() => 0);
    // Its file unreadable on the server: Dovecot ends the session at each FETCH of it.
    const inbox = join(dovecot.dir, "mail", "contact", "Maildir", "new");
    const unreadable = readdirSync(inbox).find((name) =>
      readFileSync(join(inbox, name), "utf8").includes(`<req-illisible${run}@`),
    );
    chmodSync(join(inbox, unreadable!), 0);
    daemon = testDaemon(db, dovecot, sink, replyHandler());
    await daemon.start();
    const row = await waitFor(
      "the unreadable one recorded",
      () => db.inboundMessage.findFirst({ where: { mailbox: "contact", status: "failed" } }),
      30_000,
    );
    const error = `UID ${uids[1]}: the server ends the connection each time it is fetched (3 times): moved to Failed, unanswered`;
    expect([row.uid, row.uidValidity, row.attempts, row.lastError]).toEqual([
      String(uids[1]),
      expect.stringMatching(/^\d+$/),
      3,
      error,
    ]);
    expect(await inboxCount("contact", "Failed")).toBe(failedBefore + 1);
    await sink.waitForCount(2);
    const { stdout } = runTranche(["status"], { DATABASE_URL: database.url });
    expect(stdout.split("\n")).toContain(`  #${row.id} contact failed (3 essai(s)) «  » : ${error}`);
  }, 60_000);
});
