import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { domainToUnicode } from "node:url";
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { grantAccess, resultRecipientRevoked, revokeAccess } from "../../src/access/store.ts";
import type { Db } from "../../src/db/client.ts";
import { SentJournal } from "../../src/outbox/journal.ts";
import { enqueueEmails, type OutgoingEmail } from "../../src/outbox/outgoing.ts";
import { fileTransport, smtpTransport } from "../../src/outbox/transport.ts";
import { OutboxWorker, type OutboxWorkerOptions, outboxCounts } from "../../src/outbox/worker.ts";
import { composeMessage } from "../../src/render/compose.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { freePort, waitFor } from "../servers/ports.ts";
import { type SmtpSink, startSmtpSink } from "../servers/smtp-sink.ts";
import { createTestCertificate, type TestCertificate } from "../servers/tls.ts";

const logger = pino({ level: "silent" });
let certDir: string;
let tls: TestCertificate;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let sink: SmtpSink | null = null;
let worker: OutboxWorker | null = null;

beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), "tranche-cert-"));
  tls = createTestCertificate(certDir);
});
afterAll(() => rmSync(certDir, { recursive: true, force: true }));
beforeEach(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterEach(async () => {
  await worker?.stop();
  worker = null;
  await sink?.close();
  sink = null;
  await database.close();
});

/** Result emails as the daemon composes them, to be queued by enqueueEmails. */
async function composed(n: number, to = "jeanne.martin@editeur.example.test"): Promise<OutgoingEmail[]> {
  const emails: OutgoingEmail[] = [];
  for (let i = 0; i < n; i++) {
    const message = await composeMessage({
      email: {
        subject: "Ségur Numérique - Imagerie - Calcul de la tranche",
        text: "Bonjour,",
        html: "<p>Bonjour,</p>",
      },
      from: "no-reply@example.test",
      to,
      replyTo: "contact@example.test",
      inReplyTo: null,
    });
    emails.push({
      kind: "result",
      messageId: message.messageId,
      envelopeFrom: "no-reply@example.test",
      recipients: [to],
      raw: message.raw,
    });
  }
  return emails;
}

async function queue(n: number, to = "jeanne.martin@editeur.example.test"): Promise<string[]> {
  const emails = await composed(n, to);
  for (const email of emails) {
    await db.outboxMessage.create({
      data: {
        messageId: email.messageId,
        kind: email.kind,
        envelopeFrom: email.envelopeFrom,
        recipients: email.recipients.join(","),
        content: { create: { raw: new Uint8Array(email.raw) } },
      },
    });
  }
  return emails.map((email) => email.messageId);
}

function smtpWorker(url: string, options: { requireStartTls?: boolean } = {}): OutboxWorker {
  return new OutboxWorker(db, {
    transport: smtpTransport(url, { ca: [tls.cert], ...options }),
    logger,
    retryMinMs: 50,
    retryMaxMs: 400,
    pollMs: 100,
  });
}

/**
 * One queued reply the relay's content filter is stuck on (it answers that DATA only once
 * released), and a worker, not started, that sends to the relay through the journal.
 */
async function oneReplyHeldBy(relay: SmtpSink, options: Partial<OutboxWorkerOptions>) {
  const [hung] = await queue(1);
  const held = relay.hold(hung!);
  const holding = new OutboxWorker(db, {
    transport: smtpTransport(relay.url, { ca: [tls.cert] }),
    logger,
    pollMs: 100,
    journal: new SentJournal(join(database.dir, "journal")),
    ...options,
  });
  return { hung: hung!, held, holding };
}

describe("the outbox", () => {
  it("retries after a 451 and delivers once the server recovers, keeping each answer", async () => {
    sink = await startSmtpSink({ tls });
    sink.inject({ at: "rcpt", code: 451, times: 2 });
    const [id] = await queue(1);
    worker = smtpWorker(sink.url);
    worker.start();
    await sink.waitForCount(1);
    await waitFor(
      "row marked sent",
      async () => (await db.outboxMessage.findFirst({ where: { status: "sent" } })) !== null,
    );
    const row = await db.outboxMessage.findFirstOrThrow();
    expect(row.attempts).toBe(3);
    expect(row.lastResponse).toMatch(/^250/);
    expect(sink.received.map((m) => m.messageId)).toEqual([id]);
  });

  it("delivers the stored bytes unchanged, on the envelope of the row", async () => {
    sink = await startSmtpSink({ tls });
    const [id] = await queue(1, "jeanne.martin@editeur.example.test,direction@editeur.example.test");
    worker = smtpWorker(sink.url);
    worker.start();
    await sink.waitForCount(1);
    const row = await db.outboxMessage.findFirstOrThrow({
      where: { messageId: id! },
      include: { content: true },
    });
    const [mail] = sink.received;
    expect(mail!.raw.equals(Buffer.from(row.content!.raw))).toBe(true);
    expect(mail!.envelopeFrom).toBe("no-reply@example.test");
    expect(mail!.recipients).toEqual([
      "jeanne.martin@editeur.example.test",
      "direction@editeur.example.test",
    ]);
    expect(mail!.messageId).toBe(id);
  });

  it("delivers to an address at an internationalised domain (normalised as nodemailer does)", async () => {
    sink = await startSmtpSink({ tls });
    await queue(1, "jeanne@éditeur-radiologie.fr");
    worker = smtpWorker(sink.url);
    worker.start();
    await sink.waitForCount(1);
    // The relay reads the punycode or SMTPUTF8 form back as the same address.
    expect(
      sink.received[0]!.recipients.map((a) => a.replace(/@(.*)$/, (_, d) => `@${domainToUnicode(d)}`)),
    ).toEqual(["jeanne@éditeur-radiologie.fr"]);
  });

  it("makes an email whose content is gone a dead letter instead of sending it empty", async () => {
    sink = await startSmtpSink({ tls });
    await db.outboxMessage.create({
      data: {
        messageId: "<sans-contenu@example.test>",
        kind: "result",
        envelopeFrom: "no-reply@example.test",
        recipients: "jeanne.martin@editeur.example.test",
      },
    });
    worker = smtpWorker(sink.url);
    await worker.sendDue();
    const row = await db.outboxMessage.findFirstOrThrow();
    expect([row.status, row.lastResponse]).toEqual([
      "dead",
      "not sent: the email's content is gone (purged)",
    ]);
    expect(sink.received).toEqual([]);
  });

  it("withholds a result that waited while its recipient's access was revoked, and sends the rest", async () => {
    sink = await startSmtpSink({ tls });
    const operator = { decidedBy: "operator:test", now: new Date() };
    await grantAccess(db, "jeanne.martin@editeur.example.test", operator);
    await grantAccess(db, "paul.durand@editeur.example.test", operator);
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    const waited = async (kind: string, to: string, createdAt: Date) => {
      const messageId = `<${kind}-${to.split("@")[0]}@example.test>`;
      const raw = Buffer.from(`Message-ID: ${messageId}\r\nSubject: ${kind}\r\n\r\nBonjour,\r\n`);
      await db.outboxMessage.create({
        data: {
          messageId,
          kind,
          envelopeFrom: "no-reply@example.test",
          recipients: to,
          createdAt,
          content: { create: { raw: new Uint8Array(raw) } },
        },
      });
      return messageId;
    };
    // Queued two hours ago, while the relay was down; Jeanne left the company since.
    const revoked = await waited("result", "jeanne.martin@editeur.example.test", twoHoursAgo);
    const ack = await waited("ticket-ack", "jeanne.martin@editeur.example.test", twoHoursAgo);
    const stillAuthorised = await waited("result", "paul.durand@editeur.example.test", twoHoursAgo);
    await revokeAccess(db, "jeanne.martin@editeur.example.test", operator);
    worker = new OutboxWorker(db, {
      transport: smtpTransport(sink.url, { ca: [tls.cert] }),
      logger,
      withhold: (email) => resultRecipientRevoked(db, email),
    });
    await worker.sendDue();
    expect(sink.received.map((m) => m.messageId).sort()).toEqual([ack, stillAuthorised].sort());
    const row = await db.outboxMessage.findUniqueOrThrow({ where: { messageId: revoked } });
    expect([row.status, row.lastResponse]).toEqual([
      "dead",
      "non envoyé : jeanne.martin@editeur.example.test n'est plus autorisé (accès supprimé depuis le calcul)",
    ]);
  });

  it("makes a refused email (550) a dead letter with the server's answer, and sends the others", async () => {
    sink = await startSmtpSink({ tls });
    sink.inject({ at: "data", code: 550, times: 1 });
    await queue(1, "refused@editeur.example.test");
    await queue(2);
    worker = smtpWorker(sink.url);
    worker.start();
    await sink.waitForCount(2);
    await waitFor("all rows final", async () => (await outboxCounts(db)).pending === 0);
    expect(await outboxCounts(db)).toEqual({ pending: 0, sent: 2, dead: 1 });
    const dead = await db.outboxMessage.findFirstOrThrow({ where: { status: "dead" } });
    expect(dead.lastResponse).toMatch(/^550/);
    expect(dead.attempts).toBe(1);
  });

  it("keeps every email while the relay refuses our login (535), and sends them once it is fixed", async () => {
    sink = await startSmtpSink({ tls });
    await queue(3);
    worker = smtpWorker(sink.url.replace(":sink-pw@", ":stale-password@"));
    worker.start();
    await waitFor("refused twice", async () =>
      (await db.outboxMessage.findMany()).every((row) => row.attempts >= 2),
    );
    expect(await outboxCounts(db)).toEqual({ pending: 3, sent: 0, dead: 0 });
    expect((await db.outboxMessage.findFirstOrThrow()).lastResponse).toMatch(/^535/);
    await worker.stop();
    worker = smtpWorker(sink.url);
    worker.start();
    await sink.waitForCount(3);
    await waitFor("all sent", async () => (await outboxCounts(db)).sent === 3);
  });

  // Postfix delays its client, HELO and sender restrictions to RCPT TO (smtpd_delay_reject = yes):
  // a relay that no longer lets us send refuses every recipient, each in words about us.
  it.each([
    [
      "relaying is denied (no login in the URL, or our address left mynetworks)",
      "5.7.1 <jeanne.martin@editeur.example.test>: Relay access denied",
      554,
    ],
    [
      "our sender is not the login's (smtpd_sender_login_maps)",
      "5.7.1 <no-reply@example.test>: Sender address rejected: not owned by user daemon",
      553,
    ],
    [
      "our sender's domain is unknown to it",
      "5.1.8 <no-reply@example.test>: Sender address rejected: Domain not found",
      550,
    ],
    [
      "our login may no longer send as no-reply@ (Microsoft 365, at the end of DATA)",
      "5.7.60 SMTP; Client does not have permissions to send as this sender",
      550,
      "data",
    ],
    [
      "our mailbox may not send as no-reply@ (Microsoft 365's older words, at the end of DATA)",
      "5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message Cannot submit message.",
      554,
      "data",
    ],
    [
      "our sender identity is not verified in the region (Amazon SES, at the end of DATA)",
      "Message rejected: Email address is not verified. The following identities failed the check in region EU-WEST-3: no-reply@example.test",
      554,
      "data",
    ],
    [
      "our account's sending is paused (Amazon SES)",
      "Message rejected: Sending paused for this account. For more information, please check the inbox of the email address associated with your AWS account.",
      554,
      "data",
    ],
    [
      "our sender is not a verified Sender Identity (SendGrid)",
      "The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved. Visit https://sendgrid.com/docs/for-developers/sending-email/sender-identity/ to see the Sender Identity requirements",
      550,
      "data",
    ],
    [
      "our sending domain is a sandbox (Mailgun)",
      "Sandbox subdomains are for test purposes only. Please add your own domain or add the address to authorized recipients in Account Settings.",
      554,
      "data",
    ],
    [
      "our sender domain is not verified (SMTP2GO)",
      "From header sender domain not verified (example.test)",
      550,
      "data",
    ],
  ] as const)(
    "keeps every email while the relay refuses them all because %s, and sends them once it is fixed",
    async (_why, words, code, at: "rcpt" | "data" = "rcpt") => {
      sink = await startSmtpSink({ tls });
      sink.inject({ at, code, times: Infinity, message: words });
      await queue(3);
      worker = smtpWorker(sink.url);
      worker.start();
      await waitFor("refused twice", async () =>
        (await db.outboxMessage.findMany()).every((row) => row.attempts >= 2),
      );
      expect(await outboxCounts(db)).toEqual({ pending: 3, sent: 0, dead: 0 });
      expect((await db.outboxMessage.findFirstOrThrow()).lastResponse).toBe(`${code} ${words}`);
      sink.clearFaults();
      await sink.waitForCount(3);
      await waitFor("all sent", async () => (await outboxCounts(db)).sent === 3);
    },
  );

  // The words are read without the address they quote: « relay@… » is a recipient, not relaying.
  it.each(["parti@editeur.example.test", "relay-sortant@editeur.example.test"])(
    "still makes a dead letter of an email its relay refuses for its recipient %s alone (5.1.1 at RCPT)",
    async (to) => {
      sink = await startSmtpSink({ tls });
      sink.inject({
        at: "rcpt",
        code: 550,
        times: 1,
        message: `5.1.1 <${to}>: Recipient address rejected: User unknown in local recipient table`,
      });
      await queue(1, to);
      await queue(2);
      worker = smtpWorker(sink.url);
      worker.start();
      await sink.waitForCount(2);
      await waitFor("all rows final", async () => (await outboxCounts(db)).pending === 0);
      expect(await outboxCounts(db)).toEqual({ pending: 0, sent: 2, dead: 1 });
      expect((await db.outboxMessage.findFirstOrThrow({ where: { status: "dead" } })).lastResponse).toMatch(
        /^550 5\.1\.1 .*User unknown/,
      );
    },
  );

  // About the recipient whatever the words say of senders or authentication: a Microsoft 365 group
  // or mailbox that takes mail from its own organisation only (RESOLVER.RST, Exchange's recipient
  // restrictions) refuses that recipient, not us.
  it.each([
    ["5.7.1 RESOLVER.RST.AuthRequired; authentication required", 550, "rcpt"],
    [
      "5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required; Sender was not authenticated, sending to group denied",
      550,
      "rcpt",
    ],
    ["Message rejected: Address blacklisted.", 554, "data"],
  ] as const)(
    "still makes a dead letter of an email its relay refuses for that recipient alone: %s",
    async (words, code, at) => {
      sink = await startSmtpSink({ tls });
      sink.inject({ at, code, times: 1, message: words });
      await queue(1, "direction@clinique-du-parc.example.test");
      await queue(2);
      worker = smtpWorker(sink.url);
      worker.start();
      await sink.waitForCount(2);
      await waitFor("all rows final", async () => (await outboxCounts(db)).pending === 0);
      expect(await outboxCounts(db)).toEqual({ pending: 0, sent: 2, dead: 1 });
      const dead = await db.outboxMessage.findFirstOrThrow({ where: { status: "dead" } });
      expect([dead.recipients, dead.lastResponse]).toEqual([
        "direction@clinique-du-parc.example.test",
        `${code} ${words}`,
      ]);
    },
  );

  it("keeps every email, and never sends its password, while STARTTLS is required and the relay offers none", async () => {
    sink = await startSmtpSink({ tls, starttls: false });
    await queue(2);
    worker = smtpWorker(sink.url, { requireStartTls: true });
    worker.start();
    await waitFor("tried twice", async () =>
      (await db.outboxMessage.findMany()).every((row) => row.attempts >= 2),
    );
    await worker.stop();
    expect(await outboxCounts(db)).toEqual({ pending: 2, sent: 0, dead: 0 });
    expect(sink.logins).toBe(0);
    expect(sink.received).toEqual([]);
    const row = await db.outboxMessage.findFirstOrThrow();
    expect(row.lastResponse).toMatch(
      /^Error upgrading connection with STARTTLS: 500 .+: not logging in without TLS \(use smtps:\/\/, or TRANCHE_ALLOW_CLEAR_TEXT=true\)/,
    );
    // Where clear text is allowed (a relay on this machine, or the operator's choice), they go.
    worker = smtpWorker(sink.url);
    worker.start();
    await sink.waitForCount(2);
    expect(sink.received.every((mail) => !mail.secure && mail.user === "daemon")).toBe(true);
  });

  it("keeps every email while the relay URL names a user without a password, and sends them once it is fixed", async () => {
    sink = await startSmtpSink({ tls });
    await queue(2);
    // `smtp://daemon:${SMTP_PASSWORD}@…` with the variable unset, say.
    worker = smtpWorker(sink.url.replace(":sink-pw@", ":@"));
    worker.start();
    await waitFor("tried twice", async () =>
      (await db.outboxMessage.findMany()).every((row) => row.attempts >= 2),
    );
    await worker.stop();
    expect(await outboxCounts(db)).toEqual({ pending: 2, sent: 0, dead: 0 });
    expect((await db.outboxMessage.findFirstOrThrow()).lastResponse).toMatch(/Missing credentials/);
    worker = smtpWorker(sink.url);
    worker.start();
    await sink.waitForCount(2);
  });

  it("tries one login per lane, not one per queued email, while the relay refuses it", async () => {
    sink = await startSmtpSink({ tls });
    await queue(16);
    worker = smtpWorker(sink.url.replace(":sink-pw@", ":stale-password@"));
    worker.start();
    await waitFor("every email tried once", async () =>
      (await db.outboxMessage.findMany()).every((row) => row.attempts >= 1),
    );
    await worker.stop();
    // Four lanes: at most four refused logins for the sixteen emails of the pass (it was sixteen).
    expect(sink.failedLogins).toBeLessThanOrEqual(4);
    expect((await db.outboxMessage.findMany()).every((row) => row.lastResponse?.startsWith("535"))).toBe(
      true,
    );
  });

  it("makes an email whose envelope nodemailer refuses a dead letter, and sends the others of its pass", async () => {
    sink = await startSmtpSink({ tls });
    const [bad] = await queue(4);
    await db.outboxMessage.update({ where: { messageId: bad! }, data: { recipients: "" } });
    worker = smtpWorker(sink.url);
    worker.start();
    await sink.waitForCount(3);
    await waitFor("all recorded", async () => {
      const counts = await outboxCounts(db);
      return counts.sent === 3 && counts.dead === 1 ? counts : null;
    });
    expect(sink.received.map((m) => m.messageId)).not.toContain(bad);
  });

  it("marks an email sent in the database when the send journal cannot be written, never sending it again", async () => {
    sink = await startSmtpSink({ tls });
    await queue(2);
    // A full disk under the mail root.
    class FullDisk extends SentJournal {
      override record(): Promise<void> {
        return Promise.reject(
          Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }),
        );
      }
    }
    worker = new OutboxWorker(db, {
      transport: smtpTransport(sink.url, { ca: [tls.cert] }),
      logger,
      pollMs: 100,
      leaseMs: 200,
      journal: new FullDisk(join(database.dir, "journal")),
    });
    worker.start();
    await waitFor("both marked sent", async () => (await outboxCounts(db)).sent === 2);
    // Past several lease periods: nothing goes out again, and the process is still up.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(sink.received).toHaveLength(2);
  });

  it("loses nothing while the SMTP server is down and drains the queue when it comes back", async () => {
    const port = await freePort();
    const ids = await queue(30);
    worker = smtpWorker(`smtp://daemon:sink-pw@127.0.0.1:${port}`);
    worker.start();
    await waitFor(
      "failed attempts recorded",
      async () => (await db.outboxMessage.count({ where: { attempts: { gte: 2 } } })) > 0,
    );
    const failed = await db.outboxMessage.findFirstOrThrow({ where: { attempts: { gte: 1 } } });
    expect(failed.status).toBe("pending");
    expect(failed.lastResponse).toMatch(/ECONNECTION|ECONNREFUSED/);
    sink = await startSmtpSink({ tls, port });
    await sink.waitForCount(30, 20_000);
    await waitFor("queue drained", async () => (await outboxCounts(db)).sent === 30);
    expect(new Set(sink.received.map((m) => m.messageId))).toEqual(new Set(ids));
  });

  it("sends the emails that waited on a relay outage as soon as one email gets through again, not each at the end of its own backoff", async () => {
    const port = await freePort();
    const waiting = await queue(3);
    worker = new OutboxWorker(db, {
      transport: smtpTransport(`smtp://daemon:sink-pw@127.0.0.1:${port}`, { ca: [tls.cert] }),
      logger,
      // Production's first retry: each waits 15–30 s after its first refused attempt.
      retryMinMs: 30_000,
      pollMs: 100,
    });
    worker.start();
    await waitFor("each refused once", async () =>
      (await db.outboxMessage.findMany()).every((row) => row.attempts === 1 && row.lastResponse),
    );
    sink = await startSmtpSink({ tls, port });
    // The relay is back; a reply decided now goes out at once…
    const [fresh] = await queue(1);
    await sink.waitForCount(1, 5_000);
    expect(sink.received[0]!.messageId).toBe(fresh);
    // …and so do the three queued during the outage, without waiting out their retry delay.
    await sink.waitForCount(4, 5_000);
    expect(new Set(sink.received.map((m) => m.messageId))).toEqual(new Set([...waiting, fresh]));
  });

  it("waits for a relay that takes over half a minute to accept a message, instead of sending it again", async () => {
    // A before-queue content filter under load (RFC 5321 §4.5.3.2.6: wait ten minutes for it).
    sink = await startSmtpSink({ tls, dataReplyDelayMs: 32_000 });
    const [id] = await queue(1);
    worker = smtpWorker(sink.url);
    worker.start();
    await sink.waitForCount(1, 60_000);
    await waitFor("marked sent", async () => (await outboxCounts(db)).sent === 1);
    const row = await db.outboxMessage.findFirstOrThrow();
    expect([row.attempts, row.lastResponse]).toEqual([1, expect.stringMatching(/^250 /)]);
    expect(sink.received.map((m) => m.messageId)).toEqual([id]);
  }, 90_000);

  it("sends the replies handed over while the relay holds one unanswered, and records that one sent once it answers", async () => {
    sink = await startSmtpSink({ tls });
    // Shorter than the relay holds the message: the lease must outlast it all the same.
    const { hung, held, holding } = await oneReplyHeldBy(sink, { leaseMs: 600 });
    // Released at the end whatever happens: a worker waiting on it would hold up the test's stop.
    try {
      worker = holding;
      worker.start();
      await held.arrived;
      const owner = worker.leaseOwner;
      const leasedUntil = (await db.outboxMessage.findUniqueOrThrow({ where: { messageId: hung } }))
        .nextAttemptAt;
      const rows = await enqueueEmails(db, await composed(6), null, new Date(), {
        lease: { ms: 60_000, owner },
      });
      worker.handOff(rows);
      await sink.waitForCount(6, 30_000);
      expect(new Set(sink.received.map((m) => m.messageId))).toEqual(new Set(rows.map((r) => r.messageId)));
      await waitFor(
        "the replies handed over recorded as sent",
        async () => (await outboxCounts(db)).sent === 6,
      );
      // Still in flight, past its first lease: kept leased, so that no pass (of this worker or another
      // one sharing the database) takes it again as abandoned.
      await waitFor("lease of the held reply renewed", async () => {
        const row = await db.outboxMessage.findUniqueOrThrow({ where: { messageId: hung } });
        return row.nextAttemptAt > leasedUntil && row.nextAttemptAt > new Date();
      });
      const other = new OutboxWorker(db, { transport: smtpTransport(sink.url, { ca: [tls.cert] }), logger });
      expect(await other.sendDue()).toBe(0);
      await other.stop();
      expect(await db.outboxMessage.findUniqueOrThrow({ where: { messageId: hung } })).toMatchObject({
        status: "pending",
        leasedBy: owner,
      });
    } finally {
      held.release();
    }
    await waitFor("the held reply recorded as sent", async () => (await outboxCounts(db)).sent === 7);
    expect(await db.outboxMessage.findUniqueOrThrow({ where: { messageId: hung } })).toMatchObject({
      attempts: 1,
      lastResponse: expect.stringMatching(/^250 /),
      leasedBy: null,
    });
    await worker.stop();
    worker = null;
    expect(sink.received.filter((m) => m.messageId === hung)).toHaveLength(1);
    expect(sink.received).toHaveLength(7);
  }, 60_000);

  it("stops within its grace while the relay holds a reply, which stays queued and goes at the next start", async () => {
    // A content filter stuck on one message when the operator stops the daemon: waiting for it (up to
    // the ten-minute socket timeout) outlasts any supervisor's patience, which then kills the process.
    sink = await startSmtpSink({ tls });
    const { hung, held, holding } = await oneReplyHeldBy(sink, { stopGraceMs: 200 });
    try {
      worker = holding;
      worker.start();
      await held.arrived;
      // Resolves although the relay still holds the reply: the hold is released only below.
      await worker.stop();
      worker = null;
      const row = await db.outboxMessage.findUniqueOrThrow({ where: { messageId: hung } });
      expect(row).toMatchObject({ status: "pending", attempts: 1, leasedBy: null });
      expect(row.lastResponse).toBeTruthy();
    } finally {
      // The relay, its client gone before it answered, keeps nothing (had it kept the message, the
      // reply would go twice: the price of not waiting ten minutes, as a supervisor's kill would).
      sink.inject({ at: "data", code: 451, times: 1 });
      held.release();
    }
    expect(sink.received).toHaveLength(0);
    await db.outboxMessage.updateMany({ data: { nextAttemptAt: new Date() } });
    worker = smtpWorker(sink.url);
    worker.start();
    await sink.waitForCount(1, 10_000);
    await waitFor("sent at the next start", async () => (await outboxCounts(db)).sent === 1);
    expect(sink.received.map((m) => m.messageId)).toEqual([hung]);
  });

  it("does not send again what the relay accepted just before a crash (send journal)", async () => {
    sink = await startSmtpSink({ tls });
    const [accepted, waiting] = await queue(2);
    const journal = new SentJournal(join(database.dir, "journal"));
    await journal.record(accepted!);
    await journal.close();
    worker = new OutboxWorker(db, {
      transport: smtpTransport(sink.url, { ca: [tls.cert] }),
      logger,
      pollMs: 100,
      journal: new SentJournal(join(database.dir, "journal")),
    });
    worker.start();
    await sink.waitForCount(1);
    await waitFor("both rows sent", async () => (await outboxCounts(db)).sent === 2);
    expect(sink.received.map((m) => m.messageId)).toEqual([waiting]);
    const reconciled = await db.outboxMessage.findUniqueOrThrow({ where: { messageId: accepted! } });
    expect(reconciled.lastResponse).toContain("send journal");
    // Cleared once reconciled; what is sent afterwards stays listed until the journal has grown.
    expect(readFileSync(join(database.dir, "journal"), "utf8")).toBe(`${waiting}\n`);
  });

  it("sends each email once when two workers share the database (a rolling deploy)", async () => {
    sink = await startSmtpSink({ tls });
    const ids = await queue(60);
    const second = smtpWorker(sink.url);
    worker = smtpWorker(sink.url);
    worker.start();
    second.start();
    try {
      await waitFor("all sent", async () => (await outboxCounts(db)).sent === 60);
    } finally {
      await second.stop();
    }
    expect(sink.received.map((m) => m.messageId).sort()).toEqual([...ids].sort());
  });

  it("writes .eml files when no SMTP server is configured", async () => {
    const dir = join(database.dir, "sent");
    const [id] = await queue(1);
    worker = new OutboxWorker(db, { transport: fileTransport(dir), logger, pollMs: 100 });
    worker.start();
    await waitFor("row marked sent", async () => (await outboxCounts(db)).sent === 1);
    const files = readdirSync(dir).filter((f) => f.endsWith(".eml"));
    expect(files).toHaveLength(1);
    const content = readFileSync(join(dir, files[0]!), "utf8");
    expect(content).toContain(`Message-ID: ${id}`);
    expect(content).toMatch(/^X-Envelope-To: <jeanne\.martin@editeur\.example\.test>/m);
  });
});
