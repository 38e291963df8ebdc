import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Db, openDatabase } from "../../src/db/client.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import type { Envelope } from "../../src/outbox/transport.ts";
import { OutboxWorker } from "../../src/outbox/worker.ts";
import { recordingTransport } from "../helpers/recording-transport.ts";
import { type PostgresServer, startPostgres } from "../servers/postgres.ts";

const OUTBOX_CONTENT = "20261201210000_outbox_content";
const TICKET_AUTHENTICATED = "20261202060000_ticket_authenticated";
const reply = "Subject: =?UTF-8?B?UsOpc3VsdGF0?=\r\n\r\nLa tranche de financement calculée est : B\r\n";

let dir: string;
let postgres: PostgresServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tranche-migrate-"));
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(["sqlite", "postgresql"] as const)("upgrading a %s database", (provider) => {
  it("keeps the replies waiting to be sent when their bytes move to OutboxContent", async () => {
    const url = provider === "sqlite" ? `file:${join(dir, "upgrade.db")}` : postgres.url;
    const db: Db = await openDatabase(url, { migrate: false });
    try {
      await applyMigrations(db, provider, { before: OUTBOX_CONTENT });
      // A reply queued by the previous version, its bytes still in its row.
      await db.$executeRawUnsafe(
        `INSERT INTO "OutboxMessage" ("messageId", "kind", "envelopeFrom", "recipients", "raw", "status", "attempts", "nextAttemptAt", "createdAt") VALUES ('<attente@tranche.example.fr>', 'result', 'no-reply@example.test', 'jeanne.martin@editeur-ris.fr', $1, 'pending', 0, $2, $2)`,
        Buffer.from(reply),
        new Date(Date.now() - 1000),
      );
      expect((await applyMigrations(db, provider))[0]).toBe(OUTBOX_CONTENT);

      const sent: Envelope[] = [];
      const worker = new OutboxWorker(db, {
        transport: recordingTransport(sent),
        logger: pino({ level: "silent" }),
      });
      expect(await worker.sendDue()).toBe(1);
      await worker.stop();
      expect(sent.map((e) => [e.messageId, e.recipients, e.raw.toString()])).toEqual([
        ["<attente@tranche.example.fr>", ["jeanne.martin@editeur-ris.fr"], reply],
      ]);
      expect(await db.outboxMessage.findFirstOrThrow()).toMatchObject({ status: "sent", attempts: 1 });
    } finally {
      await db.$disconnect();
    }
  });
});

describe("a SQLite database migrated while another process writes", () => {
  it("waits for the other process's lock instead of failing on it", async () => {
    const url = `file:${join(dir, "busy.db")}`;
    const db: Db = await openDatabase(url, { migrate: false });
    await applyMigrations(db, "sqlite", { before: TICKET_AUTHENTICATED });
    await db.$disconnect();
    // Another process (the daemon, an import) writes for a second and a half, lock held.
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const D = require("libsql"); const db = new D(${JSON.stringify(url.slice(5))}); db.exec("BEGIN IMMEDIATE"); db.exec(\`INSERT INTO "Dataset" ("label", "importedAt", "active") VALUES ('SAE 2024', '2026-06-01T00:00:00.000+00:00', 0)\`); console.log("held"); setTimeout(() => { db.exec("COMMIT"); db.close(); }, 1500);`,
      ],
      { cwd: join(import.meta.dirname, "..", ".."), stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
    // Prisma's deferred transaction read first, then could not take the lock: « database is locked ».
    const upgraded = await openDatabase(url);
    const applied = await upgraded.$queryRawUnsafe<{ migration_name: string }[]>(
      `SELECT "migration_name" FROM "_prisma_migrations" WHERE "migration_name" = '${TICKET_AUTHENTICATED}'`,
    );
    expect(applied).toHaveLength(1);
    expect(await upgraded.dataset.count()).toBe(1);
    await upgraded.$disconnect();
  });
});
