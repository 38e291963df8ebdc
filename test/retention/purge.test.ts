import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../src/db/client.ts";
import { purgeRawContent, scheduleRetention } from "../../src/retention/purge.ts";
import { insertInbound, rawEmail } from "../helpers/contact.ts";
import { createTestDatabase } from "../helpers/database.ts";

const now = new Date("2026-11-20T10:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 24 * 60 * 60 * 1000);

let test: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
beforeEach(async () => {
  test = await createTestDatabase();
  db = test.db;
});
afterEach(() => test.close());

async function inbound(id: string, receivedAt: Date) {
  return insertInbound(db, {
    messageId: id,
    from: "marie@editeur.fr",
    subject: "Calcul",
    raw: rawEmail("marie@editeur.fr", "Calcul", id, "FINESS radiologie : 920000650"),
    receivedAt,
  });
}

async function outbox(id: string, inboundMessageId: number, status: string, createdAt: Date) {
  await db.outboxMessage.create({
    data: {
      messageId: id,
      inboundMessageId,
      kind: "result",
      envelopeFrom: "no-reply@example.test",
      recipients: "marie@editeur.fr",
      content: {
        create: { raw: Buffer.from("Subject: résultat\r\n\r\nLa tranche de financement calculée est = B") },
      },
      status,
      createdAt,
    },
  });
}

describe("the retention purge", () => {
  it("removes raw content past the retention, keeps metadata, recent and unsent mail", async () => {
    const old = await inbound("<old@editeur.fr>", daysAgo(91));
    const recent = await inbound("<recent@editeur.fr>", daysAgo(89));
    await outbox("<out-sent@example.test>", old, "sent", daysAgo(91));
    await outbox("<out-pending@example.test>", old, "pending", daysAgo(91));
    await outbox("<out-recent@example.test>", recent, "sent", daysAgo(1));

    const dry = await purgeRawContent(db, { retentionDays: 90, now, dryRun: true });
    expect(dry).toEqual({ cutoff: daysAgo(90), dryRun: true, inbound: 1, outbox: 1 });
    expect((await db.inboundMessage.findUniqueOrThrow({ where: { id: old } })).raw).not.toBeNull();

    expect(await purgeRawContent(db, { retentionDays: 90, now })).toMatchObject({ inbound: 1, outbox: 1 });
    const purged = await db.inboundMessage.findUniqueOrThrow({ where: { id: old } });
    expect(purged).toMatchObject({
      raw: null,
      messageId: "<old@editeur.fr>",
      fromAddress: "marie@editeur.fr",
    });
    expect((await db.inboundMessage.findUniqueOrThrow({ where: { id: recent } })).raw).not.toBeNull();
    const sent = await db.outboxMessage.findMany({ orderBy: { id: "asc" }, include: { content: true } });
    expect(sent.map((m) => [m.messageId, m.content !== null])).toEqual([
      ["<out-sent@example.test>", false],
      ["<out-pending@example.test>", true],
      ["<out-recent@example.test>", true],
    ]);

    // Nothing left to purge: a second run counts nothing.
    expect(await purgeRawContent(db, { retentionDays: 90, now })).toMatchObject({ inbound: 0, outbox: 0 });
  });

  it("runs daily through node-cron, logging counts only", async () => {
    await inbound("<old@editeur.fr>", daysAgo(200));
    const logged: [object, string][] = [];
    const log = (object: object, message: string) => logged.push([object, message]);
    const task = scheduleRetention(db, {
      retentionDays: 90,
      now: () => now,
      logger: { info: log, warn: log, error: log, debug: () => {} },
    });
    try {
      expect(task.getPattern()).toBe("17 3 * * *");
      await task.execute();
    } finally {
      await task.destroy();
    }
    expect(logged).toContainEqual([
      { cutoff: daysAgo(90).toISOString(), inbound: 1, outbox: 0 },
      "retention: raw message content purged",
    ]);
    expect(JSON.stringify(logged)).not.toContain("920000650");
  });
});
