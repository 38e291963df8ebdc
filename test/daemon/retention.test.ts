import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { purgeRawContent } from "../../src/daemon/retention.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { requestEmail } from "../helpers/reply-handler.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await database.close();
});

describe("raw content retention", () => {
  it("purges the bytes of old handled messages and sent replies, keeping their records and anything still pending", async () => {
    const { db } = database;
    const old = new Date("2026-01-10T10:00:00Z");
    const raw = new Uint8Array(Buffer.from(requestEmail("r1")));
    const make = (uid: string, status: string, receivedAt: Date) =>
      db.inboundMessage.create({
        data: { mailbox: "submissions", uidValidity: "1", uid, contentHash: uid, status, raw, receivedAt },
      });
    const handled = await make("1", "processed", old);
    const retrying = await make("2", "claimed", old);
    const recent = await make("3", "processed", new Date("2026-04-01T10:00:00Z"));
    await db.outboxMessage.create({
      data: {
        messageId: "<a@x>",
        kind: "result",
        envelopeFrom: "no-reply@example.test",
        recipients: "a@b.test",
        raw,
        status: "sent",
        createdAt: old,
      },
    });
    await db.outboxMessage.create({
      data: {
        messageId: "<b@x>",
        kind: "result",
        envelopeFrom: "no-reply@example.test",
        recipients: "a@b.test",
        raw,
        createdAt: old,
      },
    });

    const summary = await purgeRawContent(db, 30, new Date("2026-04-02T00:00:00Z"));
    expect(summary).toEqual({ inbound: 1, outbox: 1 });
    const rows = await db.inboundMessage.findMany({ orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.id, r.status, r.raw === null])).toEqual([
      [handled.id, "processed", true],
      [retrying.id, "claimed", false],
      [recent.id, "processed", false],
    ]);
    const outbox = await db.outboxMessage.findMany({ orderBy: { id: "asc" } });
    expect(outbox.map((o) => o.raw.length > 0)).toEqual([false, true]);
  });
});
