import { simpleParser } from "mailparser";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAccessPolicy } from "../../src/access/policy.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Daemon } from "../../src/daemon/daemon.ts";
import { createPipeline } from "../../src/daemon/pipeline.ts";
import type { Db } from "../../src/db/client.ts";
import { createRenderer } from "../../src/render/renderer.ts";
import { recomputeTicket } from "../../src/support/tickets.ts";
import { testDaemon } from "../helpers/daemon.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { importSmallDataset } from "../helpers/datasets.ts";
import { buildMail, calculationBody } from "../helpers/mail.ts";
import { type DovecotServer, startDovecot } from "../servers/dovecot.ts";
import { type SmtpSink, startSmtpSink } from "../servers/smtp-sink.ts";

// The SPEC §4 and §8 flows end to end: requests appended over IMAP to real Dovecot mailboxes, the
// real pipeline, replies accepted by a real SMTP server.
const ORG = "editeur-ris.fr";
const CLAIRE = `claire.petit@${ORG}`;
const JEANNE = `jeanne.martin@${ORG}`;
const config = loadConfig({ TRANCHE_CONFIG: "" }, "/nonexistent");

let dovecot: DovecotServer;
let sink: SmtpSink;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let daemon: Daemon;

const DATASET_2023 = {
  finess: [
    ["920000650", "Hôpital Foch", 52_000, 1_800],
    ["750712184", "Clinique des Pins", 12_000, 0],
  ] as [string, string, number, number][],
  am: [["751234567", "radiologie", 6_100]] as [string, "radiologie" | "medecine_nucleaire", number][],
};

beforeAll(async () => {
  dovecot = await startDovecot();
  sink = await startSmtpSink({ tls: dovecot.tls });
  database = await createTestDatabase();
  db = database.db;
  await importSmallDataset(db, database.dir, "SAE 2023", DATASET_2023);
  const handler = createPipeline({
    config,
    logger: pino({ level: "silent" }),
    renderer: await createRenderer(),
    policy: loadAccessPolicy(config, process.cwd()),
    rateLimits: { senderPerHour: 60, organisationPerHour: 300 },
  });
  daemon = testDaemon(db, dovecot, sink, handler);
  await daemon.start();
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await sink?.close();
  await database?.close();
  await dovecot?.destroy();
});

/** Appends a message and waits for `count` more replies; returns them, parsed. */
async function exchange(user: "calcul" | "contact", raw: Buffer, count: number) {
  const before = sink.received.length;
  await dovecot.append(user, raw);
  await sink.waitForCount(before + count);
  // Nothing more than expected arrives for this message.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(sink.received.length).toBe(before + count);
  return Promise.all(
    sink.received.slice(before).map(async (mail) => ({ mail, parsed: await simpleParser(mail.raw) })),
  );
}

function request(from: string, reference: string) {
  return buildMail({
    from,
    subject: `Calcul de tranche — ${reference}`,
    body: calculationBody({
      reference,
      activity: "Radiologie",
      finessRadio: "920000650; 750712184",
      amRadio: "751234567",
    }),
  });
}

describe("contact@ workflows through the daemon", () => {
  it("grants access on an email request, then answers a calculation from that address", async () => {
    const refused = await exchange("calcul", request(JEANNE, "CH avant accès"), 1);
    expect(refused[0]!.parsed.subject).toContain("Adresse non autorisée");

    const granted = await exchange(
      "contact",
      buildMail({
        from: CLAIRE,
        to: "contact@example.test",
        subject: "Demande d'accès au service",
        body: `Bonjour,\n\nMerci d'autoriser l'accès au service pour ${JEANNE}.\n\nCordialement,\nClaire Petit`,
      }),
      2,
    );
    expect(granted.map((g) => g.mail.recipients[0]).sort()).toEqual([CLAIRE, JEANNE]);
    expect(granted[0]!.parsed.subject).toContain("Accès au service accordé");

    const [result] = await exchange("calcul", request(JEANNE, "Centre d'imagerie du Parc"), 1);
    expect(result!.mail.recipients).toEqual([JEANNE]);
    // 52 000 + 12 000 + 6 100 = 70 100 annual exams.
    expect(result!.parsed.text).toContain("La tranche de financement calculée est = D");
    expect(await db.calculation.count()).toBe(1);
  });

  it("links a reply to a result email to its calculation, and recompute shows what a new dataset changes", async () => {
    const calculation = await db.calculation.findFirstOrThrow();
    const [ack] = await exchange(
      "contact",
      buildMail({
        from: JEANNE,
        to: "contact@example.test",
        subject: "RE: Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations",
        inReplyTo: calculation.resultMessageId!,
        body: "Bonjour,\n\nLa Clinique des Pins a plus d'examens que cela, merci de vérifier.\n\nJeanne Martin",
      }),
      1,
    );
    expect(ack!.parsed.subject).toMatch(/Votre demande \[T-\d{6}\] a bien été reçue/);
    const ticket = await db.ticket.findFirstOrThrow({ include: { calculations: true } });
    expect(ticket.category).toBe("dispute");
    expect(ticket.calculations).toMatchObject([{ calculationId: calculation.id, linkedBy: "in-reply-to" }]);

    await importSmallDataset(db, database.dir, "SAE 2024", {
      ...DATASET_2023,
      finess: [DATASET_2023.finess[0]!, ["750712184", "Clinique des Pins", 80_000, 0]],
    });
    const [replay] = await recomputeTicket(db, ticket.id, { nuclearCoefficient: 5 });
    // The clinic's 12 000 exams became 80 000: 138 100 in all, tranche D → E.
    expect(replay!.diff).toMatchObject({
      changed: true,
      tranche: { before: "D", after: "E" },
      total: { before: 70_100, after: 138_100 },
    });
    expect(replay!.diff.identifiers).toMatchObject([
      { value: "750712184", countsBefore: { radiology: 12_000 }, countsAfter: { radiology: 80_000 } },
    ]);
  });

  it("refuses the next calculation once the address is revoked by email", async () => {
    const revoked = await exchange(
      "contact",
      buildMail({
        from: CLAIRE,
        to: "contact@example.test",
        subject: "Suppression d'accès",
        body: `Bonjour,\n\nPouvez-vous supprimer l'accès de ${JEANNE} ? Elle a quitté la société.\n\nClaire`,
      }),
      2,
    );
    expect(revoked[0]!.parsed.subject).toContain("Accès au service supprimé");
    const [after] = await exchange("calcul", request(JEANNE, "CH après révocation"), 1);
    expect(after!.parsed.subject).toContain("Adresse non autorisée");
    expect(await db.calculation.count()).toBe(1);
  });

  it("grants an access asked beside a question and acknowledges the question's ticket, in one message", async () => {
    const paul = `paul.roux@${ORG}`;
    const replies = await exchange(
      "contact",
      buildMail({
        from: CLAIRE,
        to: "contact@example.test",
        subject: "Accès pour Paul",
        body: `Bonjour,\n\nMerci d'autoriser l'accès pour ${paul}. Par ailleurs, pourriez-vous me dire quand les résultats de mars seront disponibles ?\n\nCordialement,\nClaire Petit`,
      }),
      3,
    );
    const byKind = (subject: string) => replies.filter((r) => r.parsed.subject?.includes(subject));
    expect(
      byKind("Accès au service accordé")
        .map((r) => r.mail.recipients[0])
        .sort(),
    ).toEqual([CLAIRE, paul]);
    const [ack] = byKind("a bien été reçue");
    expect(ack!.mail.recipients).toEqual([CLAIRE]);
    const ticket = await db.ticket.findFirstOrThrow({ where: { sender: CLAIRE } });
    expect(ticket.category).toBe("question");
    expect(ack!.parsed.subject).toContain(`[T-${String(ticket.id).padStart(6, "0")}]`);
  });
});
