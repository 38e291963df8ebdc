import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimAndProcess,
  claimAndProcessAll,
  contentHash,
  headerHints,
  parkUnread,
  UNREAD_CONTENT,
} from "../../src/daemon/claim.ts";
import type { InboundMessageRef, MessageHandler } from "../../src/daemon/handler.ts";
import { type Db, openDatabase } from "../../src/db/client.ts";
import { enqueueEmails } from "../../src/outbox/outgoing.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { replyHandler, requestEmail } from "../helpers/reply-handler.ts";
import { type PostgresServer, startPostgres } from "../servers/postgres.ts";
import { startTcpProxy } from "../servers/tcp-proxy.ts";

let sqlite: Awaited<ReturnType<typeof createTestDatabase>>;
let postgres: PostgresServer;
const clients: Db[] = [];

beforeAll(async () => {
  sqlite = await createTestDatabase();
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const client of clients) await client.$disconnect();
  await sqlite?.close();
  await postgres?.stop();
});

const message = (uid: string, uidValidity = "7"): InboundMessageRef => ({
  mailbox: "submissions",
  uidValidity,
  uid,
  raw: Buffer.from(requestEmail(`claim-${uid}`)),
});

describe.each(["sqlite", "postgresql"] as const)("claims on %s", (provider) => {
  const open = async () => {
    const db = await openDatabase(provider === "sqlite" ? sqlite.url : postgres.url);
    clients.push(db);
    return db;
  };

  it("counts failed attempts with the error, then parks the message; its rows never half-written", async () => {
    const db = await open();
    const handler = replyHandler({ fail: () => true });
    const outcomes = [];
    for (let i = 0; i < 3; i++)
      outcomes.push(await claimAndProcess(db, handler, message("2"), { maxAttempts: 3 }));
    expect(outcomes.map((o) => o.disposition)).toEqual(["retry", "retry", "failed"]);
    const row = await db.inboundMessage.findUniqueOrThrow({
      where: { mailbox_uidValidity_uid: { mailbox: "submissions", uidValidity: "7", uid: "2" } },
    });
    expect([row.status, row.attempts]).toEqual(["failed", 3]);
    expect(row.lastError).toContain("handler failure");
    expect(await db.outboxMessage.count({ where: { inboundMessageId: row.id } })).toBe(0);
    // Parked: never handled again.
    const later = await claimAndProcess(db, replyHandler(), message("2"), { maxAttempts: 3 });
    expect([later.committed, later.disposition]).toEqual([false, "failed"]);
  });

  it("commits a batch together, rolling back only the message whose handler fails halfway", async () => {
    const db = await open();
    const reply = replyHandler();
    // Writes its reply to the outbox, then fails: the write must not survive.
    const handler: MessageHandler = async (m, tx) => {
      const outcome = await reply(m, tx);
      if (m.uid === "b2") {
        await enqueueEmails(tx, outcome.outgoing, m.inboundId, outcome.at);
        throw new Error("handler failure after writing");
      }
      return outcome;
    };
    const results = await claimAndProcessAll(db, handler, [message("b1"), message("b2"), message("b3")], {
      maxAttempts: 3,
    });
    expect(results.map((r) => [r.committed, r.disposition])).toEqual([
      [true, "processed"],
      [false, "retry"],
      [true, "processed"],
    ]);
    const rows = await db.inboundMessage.findMany({
      where: { uid: { in: ["b1", "b2", "b3"] } },
      orderBy: { uid: "asc" },
      include: { _count: { select: { outbox: true } } },
    });
    expect(rows.map((r) => [r.uid, r.status, r.attempts, r._count.outbox])).toEqual([
      ["b1", "processed", 1, 1],
      ["b2", "claimed", 1, 0],
      ["b3", "processed", 1, 1],
    ]);
    expect(rows[1]!.lastError).toContain("handler failure after writing");
  });

  it("leases to the caller's worker the replies it has room for, whole messages only, and queues the rest due", async () => {
    const db = await open();
    const reply = replyHandler();
    // h2 fails: it takes no room, which goes to h3.
    const handler: MessageHandler = async (m, tx) => {
      if (m.uid === "h2") throw new Error("handler failure");
      return reply(m, tx);
    };
    const batch = ["h1", "h2", "h3", "h4"].map((uid) => message(uid));
    const results = await claimAndProcessAll(db, handler, batch, {
      maxAttempts: 3,
      handOff: { lease: { ms: 60_000, owner: "this-worker" }, room: 2 },
    });
    expect(results.map((r) => [r.committed, r.queued, r.handedOff?.length ?? 0])).toEqual([
      [true, 1, 1],
      [false, 0, 0],
      [true, 1, 1],
      [true, 1, 0],
    ]);
    const rows = await db.outboxMessage.findMany({
      where: { inboundMessageId: { in: results.map((r) => r.inboundId!) } },
      orderBy: { id: "asc" },
    });
    // Leased ones wait for the caller; the other is due for any worker now.
    expect(rows.map((r) => [r.attempts, r.nextAttemptAt > new Date()])).toEqual([
      [1, true],
      [1, true],
      [0, false],
    ]);
    expect(results[0]!.handedOff![0]!.id).toBe(rows[0]!.id);
  });

  it("recognises a message handled under an older UIDVALIDITY by its content, and only files it", async () => {
    const db = await open();
    await claimAndProcess(db, replyHandler(), message("3"), { maxAttempts: 3 });
    const moved = await claimAndProcess(
      db,
      replyHandler(),
      { ...message("3"), uidValidity: "8", uid: "1" },
      { maxAttempts: 3 },
    );
    expect([moved.committed, moved.disposition]).toEqual([false, "processed"]);
    expect(await db.outboxMessage.count({ where: { inbound: { uid: "3" } } })).toBe(1);
  });

  /** A message whose FETCH ended the IMAP session every time: given up on by the source, unread. */
  const unread = (uid: string) => ({
    mailbox: "submissions" as const,
    uidValidity: "70",
    uid,
    attempts: 3,
    error: `UID ${uid}: the server ends the connection each time it is fetched (3 times): moved to Failed, unanswered`,
  });

  it("parks a message its source could never read as failed, with why, and never answers it under that key", async () => {
    const db = await open();
    const id = await parkUnread(db, unread("50"));
    const row = await db.inboundMessage.findUniqueOrThrow({ where: { id: id! } });
    expect([row.status, row.attempts, row.lastError, row.raw, row.contentHash]).toEqual([
      "failed",
      3,
      unread("50").error,
      null,
      UNREAD_CONTENT,
    ]);
    // Read after all under its key (left in place, then the daemon restarted): filed, unanswered.
    const later = await claimAndProcess(db, replyHandler(), message("50", "70"), { maxAttempts: 3 });
    expect([later.committed, later.disposition, later.inboundId]).toEqual([false, "failed", id]);
    // Under another key (moved back by support, or the mailbox recreated): answered, no unread row
    // taken for a handled twin of it.
    await parkUnread(db, unread("51"));
    const back = await claimAndProcess(db, replyHandler(), message("51", "71"), { maxAttempts: 3 });
    expect([back.committed, back.disposition]).toEqual([true, "processed"]);
  });

  it("keeps answered a message whose reads began failing after, and parks one an attempt had claimed", async () => {
    const db = await open();
    const answered = await claimAndProcess(db, replyHandler(), message("52", "70"), { maxAttempts: 3 });
    expect(await parkUnread(db, unread("52"))).toBeNull();
    const kept = await db.inboundMessage.findUniqueOrThrow({ where: { id: answered.inboundId! } });
    expect([kept.status, kept.lastError]).toEqual(["processed", null]);
    const failing = replyHandler({ fail: () => true });
    const tried = await claimAndProcess(db, failing, message("53", "70"), { maxAttempts: 3 });
    expect(tried.disposition).toBe("retry");
    expect(await parkUnread(db, unread("53"))).toBe(tried.inboundId);
    const parked = await db.inboundMessage.findUniqueOrThrow({ where: { id: tried.inboundId! } });
    expect([parked.status, parked.attempts, parked.lastError, parked.contentHash]).toEqual([
      "failed",
      1,
      unread("53").error,
      contentHash(message("53").raw),
    ]);
  });
});

// Two daemons on one database is a PostgreSQL deployment (SQLite is one daemon per file).
describe("claims on SQLite whose transaction times out", () => {
  it("never lets a handler that outlives its transaction write into the next one", async () => {
    const db = await openDatabase(sqlite.url);
    clients.push(db);
    const base = replyHandler();
    const slow: MessageHandler = async (m, tx) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      return base(m, tx);
    };
    const late = message("t1", "9");
    // A first attempt failed: the message's row exists, and the second attempt updates it.
    const failing: MessageHandler = async () => {
      throw new Error("DNS timeout");
    };
    await claimAndProcessAll(db, failing, [late], { maxAttempts: 3 });
    const attempt = claimAndProcessAll(db, slow, [late], { maxAttempts: 3, transactionTimeoutMs: 300 });
    // Another transaction (the outbox worker recording sends, say) opens after the timeout and is
    // still open when the slow handler's outbox rows are written.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await db.$transaction(async (tx) => {
      await tx.mailboxState.upsert({
        where: { mailbox: "contact" },
        create: { mailbox: "contact", source: "test", state: "idle" },
        update: { state: "idle" },
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    const [first] = await attempt;
    expect(first!.committed).toBe(false);
    const outboxOf = () => db.outboxMessage.count({ where: { inbound: { uid: "t1", uidValidity: "9" } } });
    expect(await outboxOf()).toBe(0);
    // Its next attempt answers it, once.
    const [second] = await claimAndProcessAll(db, base, [late], { maxAttempts: 3 });
    expect(second!.committed).toBe(true);
    expect(await outboxOf()).toBe(1);
  });
});

describe("a message that stops the process while it is handled", () => {
  it("is parked in Failed after the last attempt, alone; the others of its batch are answered", async () => {
    const db = await createTestDatabase();
    try {
      const runs: (string | null)[] = [];
      for (let run = 0; run < 4; run++) {
        const child = spawnSync(process.execPath, ["bin/run-ts.js", "test/daemon/poison-entry.ts"], {
          env: { ...process.env, DATABASE_URL: db.url },
          encoding: "utf8",
          timeout: 60_000,
        });
        runs.push(child.signal ?? child.stdout.trim());
      }
      // Killed in its batch, then alone twice (the first message answered meanwhile), then parked.
      expect(runs).toEqual(["SIGKILL", "SIGKILL", "SIGKILL", '["processed","failed","processed"]']);
      const rows = await db.db.inboundMessage.findMany({ orderBy: { uid: "asc" } });
      expect(rows.map((r) => [r.uid, r.status, r.attempts])).toEqual([
        ["1", "processed", 2],
        ["2", "failed", 3],
        ["3", "processed", 2],
      ]);
      expect(rows[1]!.lastError).toContain("stopped while handling it, 3 times");
      expect(await db.db.outboxMessage.count()).toBe(2);
    } finally {
      await db.close();
    }
  }, 120_000);
});

describe("the header hints kept for support", () => {
  it("reads the subject and sender as a reader sees them: encoded words decoded, raw UTF-8 kept", () => {
    const encoded = Buffer.from(
      "From: =?UTF-8?Q?Ren=C3=A9e_L=C3=A9vy?= <renee@editeur.fr>\r\nSubject: =?UTF-8?Q?Demande_d=27acc=C3=A8s?=\r\nMessage-ID: <a@editeur.fr>\r\n\r\nCorps\r\n",
    );
    expect(headerHints(encoded)).toEqual({
      messageId: "<a@editeur.fr>",
      from: "Renée Lévy <renee@editeur.fr>",
      subject: "Demande d'accès",
    });
    const raw8bit = Buffer.from("Subject: Demande d'accès\r\n\r\nCorps en Latin-1 : \xe9\r\n", "utf8");
    expect(headerHints(Buffer.concat([raw8bit, Buffer.from([0xe9])])).subject).toBe("Demande d'accès");
    expect(headerHints(Buffer.from("Subject: Re\xe7u\r\n\r\n", "latin1")).subject).toBe("Reçu");
    // Control characters hidden in encoded words never reach a terminal.
    const hostile = Buffer.from(
      "From: =?UTF-8?Q?=1B]0;owned=07=1B[2J?= <a@b.fr>\r\nSubject: =?UTF-8?Q?a=0Ab?=\r\n\r\n",
    );
    expect(headerHints(hostile)).toMatchObject({ from: " ]0;owned [2J <a@b.fr>", subject: "a b" });
  });
});

/**
 * Daemon A's claims of `failing` then `held`: its handler fails on the first, then holds the
 * transaction open on the second until `release()`.
 */
function failingThenHolding(a: Db, failing: InboundMessageRef, held: InboundMessageRef) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const base = replyHandler();
  const handler: MessageHandler = async (m, tx) => {
    if (m.uid === failing.uid) throw new Error("transient failure in A");
    await released;
    return base(m, tx);
  };
  return { results: claimAndProcessAll(a, handler, [failing, held], { maxAttempts: 3 }), release };
}

describe("claims on PostgreSQL shared by two daemons", () => {
  it("lets only one of two daemons racing on the same message answer it", async () => {
    const [a, b] = [await openDatabase(postgres.url), await openDatabase(postgres.url)];
    clients.push(a, b);
    const handler = replyHandler();
    const results = await Promise.all([
      claimAndProcess(a, handler, message("1"), { maxAttempts: 3 }),
      claimAndProcess(b, handler, message("1"), { maxAttempts: 3 }),
    ]);
    expect(results.filter((r) => r.committed)).toHaveLength(1);
    expect(results.every((r) => r.disposition === "processed" || r.disposition === "retry")).toBe(true);
    expect(await a.outboxMessage.count({ where: { inbound: { uid: "1", uidValidity: "7" } } })).toBe(1);
    // The loser's next scan only files it.
    const again = await claimAndProcess(b, handler, message("1"), { maxAttempts: 3 });
    expect([again.committed, again.disposition]).toEqual([false, "processed"]);
  });

  it("leaves to the other daemon a message it is working on, then answers it once its attempt failed", async () => {
    const [a, b] = [await openDatabase(postgres.url), await openDatabase(postgres.url)];
    clients.push(a, b);
    const failing = message("w1", "10");
    const base = replyHandler();
    const daemonA = failingThenHolding(a, failing, message("w2", "10"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A's attempt is under way (its transaction is open): B does not take the message.
    const byB = await claimAndProcess(b, base, failing, { maxAttempts: 3 });
    expect([byB.committed, byB.disposition]).toEqual([false, "retry"]);
    daemonA.release();
    await daemonA.results;
    const row = await a.inboundMessage.findUniqueOrThrow({
      where: { mailbox_uidValidity_uid: { mailbox: "submissions", uidValidity: "10", uid: "w1" } },
    });
    expect([row.status, row.attempts, row.attemptedAt]).toEqual(["claimed", 1, null]);
    // A's attempt is over: B's next scan answers it, once.
    expect((await claimAndProcess(b, base, failing, { maxAttempts: 3 })).committed).toBe(true);
    expect(await a.outboxMessage.count({ where: { inbound: { uid: "w1", uidValidity: "10" } } })).toBe(1);
  });

  it("never sets back to claimed a message another daemon answered after this one's attempt failed", async () => {
    const [a, b] = [await openDatabase(postgres.url), await openDatabase(postgres.url)];
    clients.push(a, b);
    const failing = message("f1", "8");
    const base = replyHandler();
    // Daemon B answers the first message meanwhile: it takes A for gone (its claim transactions
    // time out after 100 ms, so an attempt older than 200 ms is a dead daemon's), and A's savepoint
    // has rolled back.
    const daemonA = failingThenHolding(a, failing, message("f2", "8"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const byB = await claimAndProcess(b, base, failing, { maxAttempts: 3, transactionTimeoutMs: 100 });
    expect(byB.committed).toBe(true);
    daemonA.release();
    const [first] = await daemonA.results;
    expect(first!.disposition).toBe("retry");
    const row = await a.inboundMessage.findUniqueOrThrow({
      where: { mailbox_uidValidity_uid: { mailbox: "submissions", uidValidity: "8", uid: "f1" } },
    });
    expect(row.status).toBe("processed");
    // Its next scan only files it: one reply in all.
    const again = await claimAndProcess(a, base, failing, { maxAttempts: 3 });
    expect(again.committed).toBe(false);
    expect(await a.outboxMessage.count({ where: { inbound: { uid: "f1", uidValidity: "8" } } })).toBe(1);
  });
});

describe("a PostgreSQL outage in the middle of a batch", () => {
  it("tries again at once the attempts it interrupted, leaving them to nobody else meanwhile", async () => {
    const server = new URL(postgres.url);
    const proxy = await startTcpProxy(Number(server.port));
    const throughProxy = new URL(postgres.url);
    throughProxy.port = String(proxy.port);
    const [a, b] = [await openDatabase(throughProxy.href), await openDatabase(postgres.url)];
    clients.push(a, b);
    const interrupted = new Map<number, number>();
    const request = message("o1", "11");
    const base = replyHandler();
    // The database goes down while A handles the message: neither its work nor the failure can be
    // recorded, and its attempt stays counted, under way as far as the table shows.
    const cutting: MessageHandler = async (m, tx) => {
      proxy.cut();
      return base(m, tx);
    };
    await expect(
      claimAndProcessAll(a, cutting, [request], { maxAttempts: 3, interrupted }),
    ).rejects.toThrow();
    proxy.restore();
    try {
      // Another daemon takes it for A's, under way: left alone.
      const byB = await claimAndProcess(b, base, request, { maxAttempts: 3 });
      expect([byB.committed, byB.disposition]).toEqual([false, "retry"]);
      // A knows it is not: answered at its next scan, not minutes later, and once.
      const [byA] = await claimAndProcessAll(a, base, [request], { maxAttempts: 3, interrupted });
      expect([byA!.committed, byA!.disposition]).toEqual([true, "processed"]);
      expect(await b.outboxMessage.count({ where: { inbound: { uid: "o1", uidValidity: "11" } } })).toBe(1);
      expect(interrupted.size).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});
