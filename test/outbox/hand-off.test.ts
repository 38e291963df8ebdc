import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../src/db/client.ts";
import { enqueueEmails, type OutgoingEmail } from "../../src/outbox/outgoing.ts";
import type { Envelope } from "../../src/outbox/transport.ts";
import { OutboxWorker } from "../../src/outbox/worker.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { recordingTransport } from "../helpers/recording-transport.ts";
import { waitFor } from "../servers/ports.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
beforeEach(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterEach(async () => database.close());

const email = (i: number): OutgoingEmail => ({
  kind: "result",
  messageId: `<handed-${i}@example.test>`,
  envelopeFrom: "no-reply@example.test",
  recipients: [`jeanne.martin${i}@editeur-ris.fr`],
  raw: Buffer.from(`Subject: ${i}\r\n\r\nRésultat ${i}\r\n`),
});

const leaseOf = (outbox: OutboxWorker) => ({ ms: 60_000, owner: outbox.leaseOwner });

function worker(sent: Envelope[]) {
  return new OutboxWorker(db, {
    transport: recordingTransport(sent),
    logger: pino({ level: "silent" }),
  });
}

describe("replies handed to the daemon's own outbox worker", () => {
  it("are queued leased to it, sent from memory, then recorded as sent", async () => {
    const sent: Envelope[] = [];
    const outbox = worker(sent);
    const rows = await enqueueEmails(db, [email(1), email(2)], null, new Date(), { lease: leaseOf(outbox) });
    // Leased: no pass over the table would take them.
    const stored = await db.outboxMessage.findMany({ orderBy: { id: "asc" } });
    expect(stored.map((r) => [r.status, r.attempts, r.nextAttemptAt > new Date(), r.leasedBy])).toEqual([
      ["pending", 1, true, outbox.leaseOwner],
      ["pending", 1, true, outbox.leaseOwner],
    ]);
    expect(await outbox.sendDue()).toBe(0);
    outbox.handOff(rows);
    expect(await outbox.sendDue()).toBe(2);
    expect(sent.map((e) => e.messageId)).toEqual(["<handed-1@example.test>", "<handed-2@example.test>"]);
    await waitFor(
      "recorded as sent",
      async () => (await db.outboxMessage.count({ where: { status: "sent" } })) === 2,
    );
    expect(await db.outboxMessage.findFirstOrThrow()).toMatchObject({
      attempts: 1,
      lastResponse: "250 2.0.0 queued",
      leasedBy: null,
    });
    await outbox.stop();
  });

  it("are due again at once when the worker stops before sending them", async () => {
    const outbox = worker([]);
    outbox.handOff(await enqueueEmails(db, [email(3)], null, new Date(), { lease: leaseOf(outbox) }));
    await outbox.stop();
    const row = await db.outboxMessage.findFirstOrThrow();
    expect([row.status, row.attempts, row.nextAttemptAt <= new Date(), row.leasedBy]).toEqual([
      "pending",
      0,
      true,
      null,
    ]);
    expect(outbox.roomForHandOff()).toBe(0);
  });
});

describe("emails a crashed daemon had leased", () => {
  it("are sent at once by a worker told their holder is gone, not when the lease expires", async () => {
    const crashed = worker([]);
    await enqueueEmails(db, [email(4), email(5)], null, new Date(), { lease: leaseOf(crashed) });
    const sent: Envelope[] = [];
    const next = worker(sent);
    expect(await next.sendDue()).toBe(0);
    expect(await next.reclaimLeases()).toBe(2);
    expect(await next.sendDue()).toBe(2);
    expect(sent.map((e) => e.messageId)).toEqual(["<handed-4@example.test>", "<handed-5@example.test>"]);
    await next.stop();
    // The attempt the crashed daemon was making counts, with the one that sent them.
    expect((await db.outboxMessage.findMany()).map((r) => [r.status, r.attempts])).toEqual([
      ["sent", 2],
      ["sent", 2],
    ]);
  });

  it("leave alone the worker's own leases and the emails waiting to be retried", async () => {
    const sent: Envelope[] = [];
    const outbox = worker(sent);
    await enqueueEmails(db, [email(6)], null, new Date(), { lease: leaseOf(outbox) });
    // A temporary failure earlier: due again in an hour, leased by nobody.
    const [retry] = await enqueueEmails(db, [email(7)], null, new Date());
    const later = new Date(Date.now() + 3_600_000);
    await db.outboxMessage.update({
      where: { id: retry!.id },
      data: { attempts: 1, lastResponse: "451 4.3.0 try again later", nextAttemptAt: later },
    });
    expect(await outbox.reclaimLeases()).toBe(0);
    expect(await outbox.sendDue()).toBe(0);
    expect(sent).toEqual([]);
    expect((await db.outboxMessage.findUniqueOrThrow({ where: { id: retry!.id } })).nextAttemptAt).toEqual(
      later,
    );
    await outbox.stop();
  });
});
