import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Db, openDatabase } from "../../src/db/client.ts";
import type { Envelope, OutgoingTransport } from "../../src/outbox/transport.ts";
import { OutboxWorker, outboxCounts } from "../../src/outbox/worker.ts";
import { waitFor } from "../servers/ports.ts";
import { type PostgresServer, startPostgres } from "../servers/postgres.ts";

let postgres: PostgresServer;
const clients: Db[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const client of clients) await client.$disconnect();
  await postgres?.stop();
});

/** A relay taking `delayMs` per message (a slow or distant one), counting what it accepts. */
function slowRelay(delayMs: number, sends: Map<string, number>): OutgoingTransport {
  return {
    kind: "smtp",
    async send(envelope: Envelope) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      sends.set(envelope.messageId, (sends.get(envelope.messageId) ?? 0) + 1);
      return "250 accepted";
    },
    abort() {},
    close() {},
  };
}

describe("an outbox shared by two daemons on PostgreSQL", () => {
  it("sends each email once even when sends outlast their lease and the other daemon takes them", async () => {
    const db = await openDatabase(postgres.url);
    const other = await openDatabase(postgres.url);
    clients.push(db, other);
    for (let i = 0; i < 16; i++) {
      await db.outboxMessage.create({
        data: {
          messageId: `<slow-${i}@example.test>`,
          kind: "result",
          envelopeFrom: "no-reply@example.test",
          recipients: "jeanne.martin@editeur.fr",
          content: { create: { raw: Buffer.from(`Subject: ${i}\r\n\r\nx\r\n`) } },
        },
      });
    }
    const sends = new Map<string, number>();
    const logger = pino({ level: "silent" });
    // 16 rows in one pass over 4 lanes of 1 s each: the last ones start 3 s after their lease of 1.5 s.
    const worker = (client: Db) =>
      new OutboxWorker(client, { transport: slowRelay(1_000, sends), logger, leaseMs: 1_500, pollMs: 100 });
    const first = worker(db);
    first.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = worker(other);
    second.start();
    try {
      await waitFor("every email sent", async () => (await outboxCounts(db)).sent === 16, 30_000);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    expect(sends.size).toBe(16);
    expect([...sends.values()].filter((n) => n > 1)).toEqual([]);
  }, 60_000);
});
