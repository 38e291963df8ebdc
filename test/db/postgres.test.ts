import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAccessPolicy } from "../../src/access/policy.ts";
import { parseFreeMailList } from "../../src/access/rules.ts";
import {
  accessHistory,
  changeAccess,
  grantAccess,
  isAuthorised,
  revokeAccess,
} from "../../src/access/store.ts";
import { countRecentCalculations } from "../../src/calculations/rate-limit.ts";
import { findByPublicId } from "../../src/calculations/store.ts";
import { loadConfig } from "../../src/config/load.ts";
import { claimAndProcess } from "../../src/daemon/claim.ts";
import { createPipeline } from "../../src/daemon/pipeline.ts";
import { type Db, openDatabase } from "../../src/db/client.ts";
import { enqueueEmails } from "../../src/outbox/outgoing.ts";
import type { Envelope } from "../../src/outbox/transport.ts";
import { OutboxWorker } from "../../src/outbox/worker.ts";
import { ImportConnectionLostError } from "../../src/reference/bulk-session.ts";
import { calculate } from "../../src/reference/calculate.ts";
import { activeDataset } from "../../src/reference/datasets.ts";
import { importReferenceData, type RejectedRow } from "../../src/reference/import.ts";
import { createRenderer } from "../../src/render/renderer.ts";
import { importSmallDataset } from "../helpers/datasets.ts";
import { buildMail, calculationBody } from "../helpers/mail.ts";
import { recordingTransport } from "../helpers/recording-transport.ts";
import { type PostgresServer, startPostgres } from "../servers/postgres.ts";

let server: PostgresServer;
let db: Db;

beforeAll(async () => {
  server = await startPostgres();
  db = await openDatabase(server.url);
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await server?.stop();
});

/** The daemon's pipeline on the default configuration. */
async function defaultPipeline() {
  const config = loadConfig({ TRANCHE_CONFIG: "" }, "/nonexistent");
  return createPipeline({
    config,
    logger: pino({ level: "silent" }),
    renderer: await createRenderer(),
    policy: loadAccessPolicy(config, process.cwd()),
    rateLimits: { senderPerHour: 60, organisationPerHour: 300 },
  });
}

describe("PostgreSQL, through the same schema and migrations", () => {
  it("applies the committed migrations, as Prisma records them", async () => {
    const rows = await db.$queryRawUnsafe<{ migration_name: string }[]>(
      `SELECT "migration_name" FROM "_prisma_migrations" ORDER BY 1`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    // Opening again applies nothing twice.
    const again = await openDatabase(server.url);
    await again.$disconnect();
  });

  it("migrates a new database once when several processes open it at the same moment", async () => {
    await db.$executeRawUnsafe(`CREATE DATABASE "tranche_race"`);
    const url = server.url.replace(/\/[^/?]+(\?|$)/, "/tranche_race$1");
    // Without a lock one of four failed in three (« relation "Dataset" already exists »).
    const opened = await Promise.all(Array.from({ length: 4 }, () => openDatabase(url)));
    const rows = await opened[0]!.$queryRawUnsafe<{ migration_name: string }[]>(
      `SELECT "migration_name" FROM "_prisma_migrations"`,
    );
    const names = rows.map((r) => r.migration_name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThan(5);
    for (const client of opened) await client.$disconnect();
  });

  it("imports reference data and computes a tranche", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tranche-pg-data-"));
    writeFileSync(
      join(dir, "finess.csv"),
      "finess;raison_sociale;examens_radiologie;examens_medecine_nucleaire\n920000650;Hôpital Foch;52000;1800\n9200006;court;1;1\n",
    );
    writeFileSync(join(dir, "am.csv"), "numero_am;activite;actes\n751234567;radiologie;6100\n");
    const rejected: RejectedRow[] = [];
    const summary = await importReferenceData(db, dir, { label: "pg", onRejected: (r) => rejected.push(r) });
    rmSync(dir, { recursive: true, force: true });
    expect(summary.finess).toMatchObject({ imported: 1, rejected: 1 });
    expect(rejected.map((r) => r.line)).toEqual([3]);
    expect((await activeDataset(db)).label).toBe("pg");
    const { result } = await calculate(
      db,
      {
        activity: "mixte",
        finessRadio: ["920000650"],
        amRadio: ["751234567"],
        finessMn: ["920000650"],
        amMn: [],
      },
      { nuclearCoefficient: 5 },
    );
    expect(result).toMatchObject({ total: 52000 + 6100 + 5 * 1800, tranche: "D" });
  });

  it("leaves one dataset active when imports are committed at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tranche-pg-data-"));
    writeFileSync(
      join(dir, "finess.csv"),
      "finess;raison_sociale;examens_radiologie;examens_medecine_nucleaire\n920000650;Hôpital Foch;52000;1800\n",
    );
    writeFileSync(join(dir, "am.csv"), "numero_am;activite;actes\n751234567;radiologie;6100\n");
    await Promise.all(
      ["SAE 2024 a", "SAE 2024 b", "SAE 2024 c", "SAE 2024 d"].map((label) =>
        importReferenceData(db, dir, { label }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
    expect(await db.dataset.count({ where: { active: true } })).toBe(1);
  });

  it("says an import lost its connection (server restarted), the active version unchanged", async () => {
    const before = await activeDataset(db);
    const dir = mkdtempSync(join(tmpdir(), "tranche-pg-data-"));
    writeFileSync(
      join(dir, "finess.csv"),
      "finess;raison_sociale;examens_radiologie;examens_medecine_nucleaire\n920000650;Hôpital Foch;52000;1800\n",
    );
    const rows = Array.from({ length: 300_000 }, (_, i) => `${String(751_000_000 + i)};radiologie;10`);
    writeFileSync(join(dir, "am.csv"), `numero_am;activite;actes\n${rows.join("\n")}\n`);
    const importing = importReferenceData(db, dir, { label: "SAE 2025 interrompu" });
    const outcome = importing.then(
      () => null,
      (error: unknown) => error,
    );
    // Its session ended by the server, as a restart or an administrator would.
    let terminated = 0;
    for (let i = 0; i < 500 && terminated === 0; i++) {
      const [row] = await db.$queryRawUnsafe<{ n: number }[]>(
        `SELECT COUNT(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE 'INSERT INTO "%Staging"%'`,
      );
      terminated = row?.n ?? 0;
      if (!terminated) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(terminated).toBe(1);
    const error = await outcome;
    rmSync(dir, { recursive: true, force: true });
    expect(error).toBeInstanceOf(ImportConnectionLostError);
    expect((error as Error).message).toMatch(
      /^connexion à PostgreSQL perdue pendant l'import \(.+\) : rien n'a été importé, la version active reste inchangée$/,
    );
    expect((await activeDataset(db)).id).toBe(before.id);
  });

  it("grants, changes and revokes access, with the audit trail", async () => {
    const operator = { decidedBy: "operator:test", now: new Date("2026-11-20T10:00:00Z") };
    expect(await grantAccess(db, "Jean.Dupont@editeur.fr", operator)).toBe("granted");
    expect(await isAuthorised(db, "jean.dupont@editeur.fr")).toBe(true);
    expect((await changeAccess(db, "jean.dupont@editeur.fr", "j.dupont@editeur.fr", operator)).outcome).toBe(
      "changed",
    );
    expect(await revokeAccess(db, "j.dupont@editeur.fr", operator)).toBe("revoked");
    expect(await isAuthorised(db, "jean.dupont@editeur.fr")).toBe(false);
    expect((await accessHistory(db, "j.dupont@editeur.fr")).map((e) => e.action)).toEqual([
      "change",
      "revoke",
    ]);
  });

  it("answers a calculation request end to end: claim, pipeline, outbox, rate limit counted", async () => {
    const now = new Date();
    await grantAccess(db, "claire.petit@editeur-pg.fr", { decidedBy: "operator:test", now });
    const pipeline = await defaultPipeline();
    const raw = buildMail({
      from: "claire.petit@editeur-pg.fr",
      subject: "Calcul",
      body: calculationBody({ reference: "CH Foch", activity: "Radiologie", finessRadio: "920000650" }),
    });
    const claim = await claimAndProcess(
      db,
      pipeline,
      { mailbox: "submissions", uidValidity: "9", uid: "1", raw },
      { maxAttempts: 3 },
    );
    expect(claim).toMatchObject({ committed: true, queued: 1, disposition: "processed" });
    const calculation = await db.calculation.findFirstOrThrow({
      where: { sender: "claire.petit@editeur-pg.fr" },
    });
    expect(calculation).toMatchObject({ organisation: "editeur-pg.fr", tranche: "C", total: 52000n });
    expect(calculation.publicId).toMatch(/^TR-\d{4}-\d{6}$/);
    expect(
      await countRecentCalculations(
        db,
        "claire.petit@editeur-pg.fr",
        new Date(),
        parseFreeMailList("gmail.com"),
      ),
    ).toEqual({
      sender: 1,
      organisation: 1,
    });

    const sent: Envelope[] = [];
    const worker = new OutboxWorker(db, {
      transport: recordingTransport(sent),
      logger: pino({ level: "silent" }),
    });
    expect(await worker.sendDue()).toBe(1);
    expect(sent.map((e) => e.recipients)).toEqual([["claire.petit@editeur-pg.fr"]]);
    expect(sent[0]!.messageId).toBe(calculation.resultMessageId);
    expect(
      await db.outboxMessage.findFirstOrThrow({ where: { messageId: sent[0]!.messageId } }),
    ).toMatchObject({ status: "sent", attempts: 1, lastResponse: "250 2.0.0 queued" });
    expect(await worker.sendDue()).toBe(0);
  });

  it("records and answers a calculation whose total passes 2^31, each count within the data's own columns", async () => {
    await db.$executeRawUnsafe(`CREATE DATABASE "tranche_big_total"`);
    const big = await openDatabase(server.url.replace(/\/[^/?]+(\?|$)/, "/tranche_big_total$1"));
    const dir = mkdtempSync(join(tmpdir(), "tranche-big-total-"));
    try {
      await importSmallDataset(big, dir, "SAE national", {
        finess: [["920000650", "Plateau national de médecine nucléaire", 100_000, 500_000_000]],
        am: [["131234568", "medecine_nucleaire", 1_200]],
      });
      await grantAccess(big, "claire.petit@editeur-pg.fr", { decidedBy: "operator:test", now: new Date() });
      const pipeline = await defaultPipeline();
      const raw = buildMail({
        from: "claire.petit@editeur-pg.fr",
        subject: "Calcul",
        body: calculationBody({
          reference: "Plateau national",
          activity: "Médecine nucléaire",
          finessMn: "920000650",
        }),
      });
      const claim = await claimAndProcess(
        big,
        pipeline,
        { mailbox: "submissions", uidValidity: "1", uid: "1", raw },
        { maxAttempts: 1 },
      );
      // A 32-bit column refused the total (22003): the request was parked unanswered.
      expect(claim).toMatchObject({ committed: true, queued: 1, disposition: "processed" });
      const row = await big.calculation.findFirstOrThrow();
      expect(await findByPublicId(big, row.publicId)).toMatchObject({ tranche: "H", total: 2_500_000_000 });
    } finally {
      await big.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leases each outbox row to one of two workers sharing the database", async () => {
    const other = await openDatabase(server.url);
    try {
      await enqueueEmails(
        db,
        Array.from({ length: 40 }, (_, i) => ({
          kind: "ticket-ack",
          messageId: `<lease-${i}@example.test>`,
          envelopeFrom: "no-reply@example.test",
          recipients: [`r${i}@editeur.fr`],
          raw: Buffer.from(`Subject: ${i}\r\n\r\nx\r\n`),
        })),
        null,
        new Date(),
      );
      const sent: Envelope[] = [];
      const worker = (client: Db) =>
        new OutboxWorker(client, {
          transport: recordingTransport(sent, { delayMs: 2 }),
          logger: pino({ level: "silent" }),
          batchSize: 7,
        });
      const [a, b] = [worker(db), worker(other)];
      const drain = async (w: OutboxWorker) => {
        while ((await w.sendDue()) > 0);
      };
      await Promise.all([drain(a), drain(b)]);
      const leaseIds = sent.map((e) => e.messageId).filter((id) => id.startsWith("<lease-"));
      expect(leaseIds).toHaveLength(40);
      expect(new Set(leaseIds).size).toBe(40);
    } finally {
      await other.$disconnect();
    }
  });
});
