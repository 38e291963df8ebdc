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

function worker(sent: Envelope[]) {
  return new OutboxWorker(db, {
    transport: recordingTransport(sent),
    logger: pino({ level: "silent" }),
  });
}

describe("replies handed to the daemon's own outbox worker", () => {
  it("are queued leased to it, sent from memory, then recorded as sent", async () => {
    const rows = await enqueueEmails(db, [email(1), email(2)], null, { leaseMs: 60_000 });
    // Leased: no pass over the table would take them.
    const stored = await db.outboxMessage.findMany({ orderBy: { id: "asc" } });
    expect(stored.map((r) => [r.status, r.attempts, r.nextAttemptAt > new Date()])).toEqual([
      ["pending", 1, true],
      ["pending", 1, true],
    ]);
    const sent: Envelope[] = [];
    const outbox = worker(sent);
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
    });
    await outbox.stop();
  });

  it("are due again at once when the worker stops before sending them", async () => {
    const outbox = worker([]);
    outbox.handOff(await enqueueEmails(db, [email(3)], null, { leaseMs: 60_000 }));
    await outbox.stop();
    const row = await db.outboxMessage.findFirstOrThrow();
    expect([row.status, row.attempts, row.nextAttemptAt <= new Date()]).toEqual(["pending", 0, true]);
    expect(outbox.roomForHandOff()).toBe(0);
  });
});
