import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantAccess, listAuthorised } from "../../src/access/store.ts";
import { recordCalculation } from "../../src/calculations/store.ts";
import { contentHash, headerHints } from "../../src/daemon/claim.ts";
import type { CalculationRequest } from "../../src/engine/types.ts";
import { enqueueEmails } from "../../src/outbox/outgoing.ts";
import { calculate } from "../../src/reference/calculate.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { importSmallDataset } from "../helpers/datasets.ts";
import { MAIL_FIXTURES } from "../helpers/intake.ts";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let datasetId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  await grantAccess(database.db, "jean.dupont@editeur-radiologie.fr", {
    decidedBy: "operator:test",
    now: new Date(),
  });
  await grantAccess(database.db, "claire.martin@editeur-radiologie.fr", {
    decidedBy: "operator:test",
    now: new Date(),
  });
  datasetId = await importSmallDataset(database.db, database.dir, "SAE 2023", {
    finess: [["920000650", "CH de Nanterre", 14_000, 0]],
    am: [["751234567", "radiologie", 900]],
  });
});
afterAll(() => database.close());

async function inspect(...args: string[]) {
  return inspectWith({}, ...args);
}

async function inspectWith(settings: Record<string, string>, ...args: string[]) {
  const { TRANCHE_CONFIG: _ignored, ...env } = process.env;
  return run(process.execPath, ["bin/tranche.js", "inspect", ...args], {
    cwd: ROOT,
    env: { ...env, DATABASE_URL: database.url, ...settings },
  });
}

describe("tranche inspect", () => {
  it("prints exactly one JSON object for a calculation request answered with a result", async () => {
    const { stdout } = await inspect(join(MAIL_FIXTURES, "calc-outlook-html-only-table.eml"), "--json");
    expect(stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(stdout)).toEqual({
      messageId: "<calc-outlook-html-only-table.7@editeur-radiologie.fr>",
      from: "claire.martin@editeur-radiologie.fr",
      authenticated: true,
      kind: "calculation",
      automatedReason: null,
      calculation: {
        recipient: null,
        reference: "Polyclinique Saint-Jean",
        activity: "mixte",
        activityInferred: false,
        finessRadio: ["130856255", "690515291"],
        amRadio: [],
        finessMn: ["130856255"],
        amMn: [],
        strayNumbers: [],
        hiddenRows: [],
        hiddenColumns: [],
      },
      access: null,
      support: null,
      unreadable: null,
      decision: "reply-result",
      earlier: [],
    });
  });

  it("names where the service already read the message, and a copy of it in the other mailbox", async () => {
    const file = join(MAIL_FIXTURES, "calc-thunderbird-plain-mixte.eml");
    const raw = readFileSync(file);
    const hints = headerHints(raw);
    const common = { messageId: hints.messageId, fromAddress: hints.from, subject: hints.subject };
    await database.db.inboundMessage.create({
      data: {
        ...common,
        mailbox: "submissions",
        uidValidity: "1700000001",
        uid: "42",
        contentHash: contentHash(raw),
        status: "processed",
        decision: "reply-result",
        receivedAt: new Date("2026-11-30T09:15:00Z"),
      },
    });
    // The copy sent to contact@ in Cc: other bytes (its own Received: lines), the same Message-ID and From.
    await database.db.inboundMessage.create({
      data: {
        ...common,
        mailbox: "contact",
        uidValidity: "1700000002",
        uid: "7",
        contentHash: contentHash(Buffer.concat([Buffer.from("Received: from mx2\r\n"), raw])),
        status: "processed",
        decision: "duplicate-copy",
        receivedAt: new Date("2026-11-30T09:15:02Z"),
      },
    });
    const { stdout } = await inspect(file);
    expect(stdout).toContain(
      "Déjà reçu par le service (le daemon ne traite pas deux fois un message, ni ne répond deux fois à une copie) :\n" +
        "  submissions UID 42 : processed (reply-result), reçu le 2026-11-30T09:15:00.000Z\n" +
        "  contact UID 7 : processed (duplicate-copy), reçu le 2026-11-30T09:15:02.000Z\n",
    );
    expect(stdout).toContain("Décision pour un nouveau message : réponse avec le résultat du calcul");
    const json = JSON.parse((await inspect(file, "--json")).stdout);
    expect(json.earlier).toEqual([
      {
        mailbox: "submissions",
        uid: "42",
        status: "processed",
        decision: "reply-result",
        receivedAt: "2026-11-30T09:15:00.000Z",
      },
      {
        mailbox: "contact",
        uid: "7",
        status: "processed",
        decision: "duplicate-copy",
        receivedAt: "2026-11-30T09:15:02.000Z",
      },
    ]);
  });

  it("decides from the database: an unknown sender is told how to ask for access", async () => {
    const { stdout } = await inspect(join(MAIL_FIXTURES, "calc-unauthorised-sender.eml"), "--json");
    expect(JSON.parse(stdout)).toMatchObject({ kind: "calculation", decision: "reply-unauthorised" });
  });

  it("reads an access request from the contact mailbox without applying it", async () => {
    const { stdout } = await inspect(
      join(MAIL_FIXTURES, "access-change-remplacer.eml"),
      "--mailbox",
      "contact",
      "--json",
    );
    expect(JSON.parse(stdout)).toMatchObject({
      kind: "access",
      access: {
        action: "change",
        email: "jean.dupont@editeur-radiologie.fr",
        newEmail: "j.dupont@editeur-radiologie.fr",
      },
      decision: "access-changed",
    });
    const emails = (await listAuthorised(database.db)).map((row) => row.email);
    expect(emails).toEqual(["claire.martin@editeur-radiologie.fr", "jean.dupont@editeur-radiologie.fr"]);
  });

  it("names the automated reason of an out-of-office", async () => {
    const { stdout } = await inspect(
      join(MAIL_FIXTURES, "ooo-exchange-french.eml"),
      "--mailbox",
      "contact",
      "--json",
    );
    expect(JSON.parse(stdout)).toMatchObject({
      kind: "automated",
      automatedReason: "out-of-office",
      decision: "ignore-automated",
    });
  });

  it("prints a French summary without --json", async () => {
    const { stdout } = await inspect(join(MAIL_FIXTURES, "spoofed-dmarc-fail.eml"));
    expect(stdout).toContain("Authentifié : non");
    expect(stdout).toContain("Décision : mis de côté sans réponse : expéditeur non authentifié");
  });

  it("says a sender over the rate limit would get a ticket, not a result, as the daemon does", async () => {
    const request: CalculationRequest = {
      activity: "radiologie",
      finessRadio: ["920000650"],
      amRadio: [],
      finessMn: [],
      amMn: [],
    };
    const { result } = await calculate(database.db, request, { nuclearCoefficient: 5 });
    await recordCalculation(
      database.db,
      {
        request,
        activityInferred: false,
        result,
        datasetId,
        sender: "claire.martin@editeur-radiologie.fr",
        recipient: "claire.martin@editeur-radiologie.fr",
        reference: "Polyclinique Saint-Jean",
        inboundMessageId: null,
      },
      new Date(),
    );
    const limited = { TRANCHE_RATE_LIMIT_SENDER_PER_HOUR: "1" };
    const file = join(MAIL_FIXTURES, "calc-outlook-html-only-table.eml");
    const { stdout: json } = await inspectWith(limited, file, "--json");
    expect(JSON.parse(json)).toMatchObject({ kind: "calculation", decision: "ticket-rate-limited" });
    const { stdout: text } = await inspectWith(limited, file);
    expect(text).toContain(
      "Décision : ticket pour le support, sans calcul : limite de 1 calculs par heure atteinte pour cet expéditeur (1 dans la dernière heure)",
    );
    // Under the limit, the same request is answered.
    const { stdout: allowed } = await inspect(file, "--json");
    expect(JSON.parse(allowed)).toMatchObject({ decision: "reply-result" });
  });

  it("says a message past the hourly cap of replies to its sender would be filed unanswered, as the daemon does", async () => {
    const file = join(MAIL_FIXTURES, "calc-unauthorised-sender.eml");
    const sender = "paul.leroy@editeur-radiologie.fr";
    // Two « adresse non autorisée » replies sent to him in the last hour.
    const replies = [1, 2].map((n) => ({
      kind: "unauthorised",
      messageId: `<unauthorised-${n}@example.test>`,
      envelopeFrom: "no-reply@example.test",
      recipients: [sender],
      raw: Buffer.from(`Subject: Ségur Numérique - Imagerie - Adresse non autorisée\r\n\r\nBonjour\r\n`),
    }));
    await enqueueEmails(database.db, replies, null, new Date(Date.now() - 10 * 60 * 1000));
    const capped = { TRANCHE_RATE_LIMIT_REPLIES_PER_RECIPIENT_PER_HOUR: "2" };
    const { stdout: json } = await inspectWith(capped, file, "--json");
    expect(JSON.parse(json)).toMatchObject({ kind: "calculation", decision: "ticket-reply-limited" });
    const { stdout: text } = await inspectWith(capped, file);
    expect(text).toContain(
      "Décision : ticket pour le support, sans réponse : limite de 2 réponses d'aide ou d'adresse non autorisée par heure atteinte pour cette adresse (2 dans la dernière heure)",
    );
    // Under the cap, the same message is answered.
    const { stdout: answered } = await inspectWith(
      { TRANCHE_RATE_LIMIT_REPLIES_PER_RECIPIENT_PER_HOUR: "3" },
      file,
      "--json",
    );
    expect(JSON.parse(answered)).toMatchObject({ decision: "reply-unauthorised" });
  });

  it("refuses an unknown mailbox with a usage error", async () => {
    const failure = await inspect(join(MAIL_FIXTURES, "other-thanks.eml"), "--mailbox", "spam").catch(
      (e) => e,
    );
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain("contact ou submissions");
  });

  it("says in one line that a folder is no message, without a stack trace", async () => {
    const failure = await inspect(MAIL_FIXTURES).catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toBe(`tranche : ${MAIL_FIXTURES} n'est pas un fichier (un .eml attendu)\n`);
  });
});
