import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
    expect(dry).toEqual({
      cutoff: daysAgo(90),
      dryRun: true,
      inbound: 1,
      outbox: 1,
      // No mail root given: the database only.
      receivedFiles: 0,
      sentFiles: 0,
      skippedFolders: [],
    });
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

  it("leaves no copy of the purged content in the SQLite file or its write-ahead log", async () => {
    // A body small enough to sit in a table page, and one spilling onto overflow pages.
    const bodies = [
      "Dr Martin, N°AM 751234567 (secret-court)",
      `secret-long ${"N°AM 751234567 ".repeat(800)}`,
    ];
    for (const [i, body] of bodies.entries()) {
      const id = await insertInbound(db, {
        messageId: `<old-${i}@editeur.fr>`,
        from: "marie@editeur.fr",
        subject: "Calcul",
        raw: rawEmail("marie@editeur.fr", "Calcul", `<old-${i}@editeur.fr>`, body),
        receivedAt: daysAgo(120),
      });
      await outbox(`<out-${i}@example.test>`, id, "sent", daysAgo(120));
      // The daemon updates the row after the claim: SQLite rewrites it, raw content included.
      await db.inboundMessage.update({
        where: { id },
        data: { summary: JSON.stringify({ decision: "ticket" }) },
      });
    }

    expect(await purgeRawContent(db, { retentionDays: 90, now })).toMatchObject({ inbound: 2, outbox: 2 });

    const path = test.url.slice("file:".length);
    // The files (named, not dumped) that still hold any of the purged text.
    const holding = [path, `${path}-wal`].filter(
      (file) =>
        existsSync(file) &&
        /secret-(court|long)|tranche de financement/.test(readFileSync(file).toString("latin1")),
    );
    expect(holding.map((file) => file.slice(path.length - "test.db".length))).toEqual([]);
  });

  it("runs daily through node-cron, purging the mail files too and logging counts only", async () => {
    await inbound("<old@editeur.fr>", daysAgo(200));
    const mailRoot = mkdtempSync(join(tmpdir(), "tranche-retention-"));
    const logged: [object, string][] = [];
    const log = (object: object, message: string) => logged.push([object, message]);
    try {
      mkdirSync(join(mailRoot, "contact", "cur"), { recursive: true });
      mkdirSync(join(mailRoot, "sent"), { recursive: true });
      for (const path of [
        join(mailRoot, "contact", "cur", "1.M1.host:2,S"),
        join(mailRoot, "sent", "1.eml"),
      ]) {
        writeFileSync(path, "FINESS radiologie : 920000650");
        utimesSync(path, daysAgo(200), daysAgo(200));
      }
      const task = scheduleRetention(db, {
        retentionDays: 90,
        mailRoot,
        now: () => now,
        logger: { info: log, warn: log, error: log, debug: () => {} },
      });
      try {
        expect(task.getPattern()).toBe("17 3 * * *");
        await task.execute();
      } finally {
        await task.destroy();
      }
      expect(readdirSync(join(mailRoot, "contact", "cur"))).toEqual([]);
    } finally {
      rmSync(mailRoot, { recursive: true, force: true });
    }
    expect(logged).toContainEqual([
      { cutoff: daysAgo(90).toISOString(), inbound: 1, outbox: 0, receivedFiles: 1, sentFiles: 1 },
      "retention: raw message content purged",
    ]);
    expect(JSON.stringify(logged)).not.toContain("920000650");
  });

  it("warns when a mail folder is reached through a symlink and so is not purged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tranche-retention-"));
    const logged: [object, string][] = [];
    const log = (object: object, message: string) => logged.push([object, message]);
    try {
      mkdirSync(join(dir, "mail"));
      mkdirSync(join(dir, "elsewhere"));
      symlinkSync(join(dir, "elsewhere"), join(dir, "mail", "sent"));
      const task = scheduleRetention(db, {
        retentionDays: 90,
        mailRoot: join(dir, "mail"),
        now: () => now,
        logger: { info: log, warn: log, error: log, debug: () => {} },
      });
      try {
        await task.execute();
      } finally {
        await task.destroy();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(logged).toContainEqual([
      { folders: ["sent"] },
      "retention: mail folders reached through a symlink were not purged",
    ]);
  });
});
