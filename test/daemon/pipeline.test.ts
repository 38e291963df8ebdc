import ExcelJS from "exceljs";
import { simpleParser } from "mailparser";
import MailComposer from "nodemailer/lib/mail-composer";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAccessPolicy } from "../../src/access/policy.ts";
import { grantAccess } from "../../src/access/store.ts";
import { replayCalculation } from "../../src/calculations/replay.ts";
import { recentCalculationsOf } from "../../src/calculations/store.ts";
import { loadConfig } from "../../src/config/load.ts";
import { claimAndProcess, headerHints } from "../../src/daemon/claim.ts";
import type { HandlerOutcome, MessageHandler } from "../../src/daemon/handler.ts";
import { createPipeline } from "../../src/daemon/pipeline.ts";
import type { Db } from "../../src/db/client.ts";
import type { Mailbox } from "../../src/intake/types.ts";
import { enqueueEmails } from "../../src/outbox/outgoing.ts";
import { createRenderer } from "../../src/render/renderer.ts";
import { ACKNOWLEDGED_TICKETS_PER_HOUR, formatTicketNumber, getTicket } from "../../src/support/tickets.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { importSmallDataset } from "../helpers/datasets.ts";
import { buildMail, calculationBody } from "../helpers/mail.ts";

const ORG = "editeur-ris.fr";
const JEANNE = `jeanne.martin@${ORG}`;
const config = loadConfig({ TRANCHE_CONFIG: "", TRANCHE_RATE_LIMIT_SENDER_PER_HOUR: "3" }, "/nonexistent");

let db: Db;
let close: () => Promise<void>;
let dir: string;
let pipeline: MessageHandler;
let handle: (raw: Buffer, mailbox?: Mailbox) => Promise<HandlerOutcome>;
let uid = 0;

/** As the daemon does: claim the message, then run the pipeline and queue its replies in the same transaction. */
function handleWith(handler: MessageHandler) {
  return (raw: Buffer, mailbox: Mailbox = "submissions") =>
    db.$transaction(async (tx) => {
      uid++;
      const inbound = await tx.inboundMessage.create({
        data: {
          mailbox,
          uidValidity: "1",
          uid: String(uid),
          contentHash: `h${uid}`,
          messageId: headerHints(raw).messageId,
          fromAddress: headerHints(raw).from,
          status: "claimed",
        },
      });
      const outcome = await handler(
        { mailbox, uidValidity: "1", uid: String(uid), raw, inboundId: inbound.id },
        tx,
      );
      await tx.inboundMessage.update({ where: { id: inbound.id }, data: { status: outcome.status } });
      await enqueueEmails(tx, outcome.outgoing, inbound.id, outcome.at);
      return outcome;
    });
}

beforeAll(async () => {
  ({ db, close, dir } = await createTestDatabase());
  await importSmallDataset(db, dir, "SAE 2023", {
    finess: [
      ["920000650", "Hôpital Foch", 52_000, 1_800],
      ["750712184", "Clinique des Pins", 12_000, 0],
    ],
    am: [
      ["751234567", "radiologie", 6_100],
      ["921234567", "medecine_nucleaire", 2_400],
    ],
  });
  pipeline = createPipeline({
    config,
    logger: pino({ level: "silent" }),
    renderer: await createRenderer(),
    policy: loadAccessPolicy(config, process.cwd()),
    rateLimits: { senderPerHour: 3, organisationPerHour: 100 },
    now: () => new Date("2026-11-23T09:12:00Z"),
  });
  handle = handleWith(pipeline);
});
afterAll(async () => close());

/** A request whose order form is « Commande Foch.xlsx », authenticated, its reference in the text. */
async function workbookRequest(from: string, reference: string, book: ExcelJS.Workbook): Promise<Buffer> {
  const auth = `mx.example.test; spf=pass smtp.mailfrom=${ORG}; dkim=pass header.d=${ORG}; dmarc=pass header.from=${ORG}`;
  return new MailComposer({
    from,
    to: "calcul@example.test",
    subject: `Bon de commande ${reference}`,
    text: `Bonjour,\n\nRéférence : ${reference}\n\nLe bon de commande est en pièce jointe.\n`,
    attachments: [{ filename: "Commande Foch.xlsx", content: Buffer.from(await book.xlsx.writeBuffer()) }],
    headers: { "Authentication-Results": auth },
  })
    .compile()
    .build();
}

async function textOf(raw: Buffer) {
  const parsed = await simpleParser(raw);
  return { parsed, text: parsed.text ?? "" };
}

describe("the message pipeline", () => {
  it("answers an unauthorised sender with how to request access, and computes nothing", async () => {
    const outcome = await handle(
      buildMail({
        from: JEANNE,
        subject: "Calcul",
        body: calculationBody({ reference: "CH Lens", finessRadio: "920000650" }),
      }),
    );
    expect(outcome.decision).toBe("reply-unauthorised");
    expect(outcome.outgoing).toHaveLength(1);
    expect(outcome.outgoing[0]!.recipients).toEqual([JEANNE]);
    expect((await textOf(outcome.outgoing[0]!.raw)).text).toContain("contact@example.test");
    expect(await db.calculation.count()).toBe(0);
  });

  it("grants access asked by a colleague of the same company, confirmed to both", async () => {
    const outcome = await handle(
      buildMail({
        from: `claire.petit@mail.${ORG}`,
        to: "contact@example.test",
        subject: "Demande d'accès",
        body: `Bonjour,\n\nMerci d'autoriser l'accès au service pour ${JEANNE}.\n\nClaire Petit`,
      }),
      "contact",
    );
    expect(outcome.decision).toBe("access-granted");
    expect(outcome.outgoing.map((o) => [o.kind, o.recipients[0]])).toEqual([
      ["access-granted", `claire.petit@mail.${ORG}`],
      ["access-granted", JEANNE],
    ]);
    const events = await db.accessEvent.findMany({ where: { email: JEANNE } });
    expect(events).toMatchObject([{ action: "grant", decidedBy: "rule:same-organisation" }]);
  });

  it("answers an authorised request with the documented result email, threaded, and records it", async () => {
    const raw = buildMail({
      from: JEANNE,
      subject: "Demande de calcul",
      messageId: "<demande-42@editeur-ris.fr>",
      body: calculationBody({
        reference: "Centre d'imagerie du Parc",
        activity: "Mixte",
        finessRadio: "920 000 650; 750712184; 12345",
        amRadio: "751234567",
        finessMn: "920000650",
      }),
    });
    const outcome = await handle(raw);
    expect(outcome.decision).toBe("reply-result");
    const [reply] = outcome.outgoing;
    const { parsed, text } = await textOf(reply!.raw);
    expect(parsed.subject).toBe(
      "Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations",
    );
    expect(parsed.inReplyTo).toBe("<demande-42@editeur-ris.fr>");
    expect(parsed.headers.get("auto-submitted")).toBe("auto-replied");
    expect(parsed.from?.text).toBe("no-reply@example.test");
    // 52 000 + 12 000 + 6 100 + 5 × 1 800 = 79 100: tranche D.
    expect(text).toContain("La tranche de financement calculée est = D");
    expect(text).toContain("La référence : Centre d'imagerie du Parc");
    expect(text).toMatch(/\| No FINESS radiologie +\| 920000650; 750712184 \|/);
    expect(text).toMatch(/\| No FINESS radiologie +\| 12345 \|/);
    const calculation = await db.calculation.findFirstOrThrow({ where: { sender: JEANNE } });
    expect(calculation).toMatchObject({ tranche: "D", total: 79_100n, resultMessageId: reply!.messageId });
    expect(text).toContain(calculation.publicId);
    expect(outcome.summary).toMatchObject({ kind: "calculation", decision: "reply-result" });
    expect(text).not.toContain("dans aucun champ");
  });

  it("names in the result a known FINESS of the request that the list did not take, and only that one", async () => {
    const marie = `marie.lefebvre@${ORG}`;
    await grantAccess(db, marie, { decidedBy: "operator:test", now: new Date("2026-11-01T00:00:00Z") });
    const body = [
      "Bonjour,",
      "",
      "Merci de calculer la tranche pour le groupement (le Dr 751234567 exerce sur les deux sites).",
      "",
      "Référence : Groupement Foch-Pins",
      "Type d'activité : Radiologie",
      "AM radiologie : 751234567",
      "FINESS radiologie :",
      "920000650 Hôpital Foch",
      "",
      "Clinique des Pins : 750712184",
      "",
      "620100057 (site en projet)",
      "",
      "Cordialement,",
      "Marie Lefebvre",
      "Éditeur RIS SAS — SIREN 552 100 554",
      "12 rue des Lilas, 62300 Lens — Tél. 03 21 00 00 00",
    ].join("\n");
    const outcome = await handle(buildMail({ from: marie, subject: "Demande de calcul", body }));
    expect(outcome.decision).toBe("reply-result");
    const { parsed, text } = await textOf(outcome.outgoing[0]!.raw);
    // Computed on what was read, as before: 52 000 + 6 100 = 58 100, tranche C.
    expect(text).toMatch(/\| No FINESS radiologie +\| 920000650 \|/);
    expect(text).toContain("La tranche de financement calculée est = C");
    // 620100057 and the SIREN are unknown to the data, 751234567 was read: only the Pins are named.
    const note =
      "Numéro présent dans votre message mais lu dans aucun champ, non pris en compte dans le calcul : 750712184.";
    expect(text).toContain(`Données de référence utilisées : SAE 2023`);
    expect(text.indexOf(note)).toBeGreaterThan(text.indexOf("Données de référence utilisées"));
    expect(text.match(/dans aucun champ/g)).toHaveLength(1);
    expect(parsed.html).toContain("lu dans aucun champ, non pris en compte dans le calcul : 750712184.");
    // Support sees what intake set aside, known or not.
    expect(outcome.summary).toMatchObject({
      calculation: { strayNumbers: ["750712184", "620100057", "552100554"] },
    });
  });

  it("counts every establishment of a commented list split by blank lines, each written like the one above", async () => {
    const paul = `paul.roux@${ORG}`;
    await grantAccess(db, paul, { decidedBy: "operator:test", now: new Date("2026-11-01T00:00:00Z") });
    const body = [
      "Bonjour,",
      "",
      "Référence : Groupement Foch-Pins",
      "Type d'activité : Radiologie",
      "AM radiologie : 751234567",
      "FINESS radiologie :",
      "920000650 Hôpital Foch",
      "",
      "750712184 Clinique des Pins",
      "",
      "Cordialement,",
      "Paul Roux",
      "Tél. 03 21 00 00 00",
    ].join("\n");
    const outcome = await handle(buildMail({ from: paul, subject: "Demande de calcul", body }));
    expect(outcome.decision).toBe("reply-result");
    const { text } = await textOf(outcome.outgoing[0]!.raw);
    // The Pins were left out, only named below the result: 52 000 + 6 100 = 58 100 gave tranche C.
    expect(text).toMatch(/\| No FINESS radiologie +\| 920000650; 750712184 \|/);
    expect(text).toContain("La tranche de financement calculée est = D");
    expect(text).not.toContain("dans aucun champ");
  });

  it("answers once a request sent to calcul@ with contact@ in copy, but a reused Message-ID asking otherwise again", async () => {
    const paul = `paul.durand@${ORG}`;
    await grantAccess(db, paul, { decidedBy: "operator:test", now: new Date("2026-11-01T00:00:00Z") });
    const request = (finessRadio: string) =>
      buildMail({
        from: paul,
        to: "calcul@example.test",
        subject: "Demande de calcul",
        messageId: "<copie-7@editeur-ris.fr>",
        body: calculationBody({ reference: "Clinique des Pins", activity: "Radiologie", finessRadio }),
      });
    const first = await handle(request("750712184"), "submissions");
    expect(first.decision).toBe("reply-result");
    // The copy delivered to contact@: the same message, read there too.
    const copy = await handle(request("750712184"), "contact");
    expect(copy).toMatchObject({ status: "processed", decision: "duplicate-copy", outgoing: [] });
    // A client reusing Message-IDs: another request under the same one is answered.
    const other = await handle(request("920000650"), "contact");
    expect(other.decision).toBe("reply-result");
    expect(await db.calculation.count({ where: { sender: paul } })).toBe(2);
    // A copy answered with the help reply, or the unauthorised notice, is answered once too.
    const unreadable = buildMail({
      from: paul,
      subject: "Demande",
      messageId: "<copie-8@editeur-ris.fr>",
      body: "Référence : CH Lens\nType d'activité : Radiologie\nFINESS radiologie :\n",
    });
    expect((await handle(unreadable, "submissions")).decision).toBe("reply-help");
    expect(await handle(unreadable, "contact")).toMatchObject({ decision: "duplicate-copy", outgoing: [] });
    const stranger = buildMail({
      from: `inconnu@${ORG}`,
      subject: "Calcul",
      messageId: "<copie-9@editeur-ris.fr>",
      body: calculationBody({ reference: "CH Lens", finessRadio: "920000650" }),
    });
    expect((await handle(stranger, "submissions")).decision).toBe("reply-unauthorised");
    expect(await handle(stranger, "contact")).toMatchObject({ decision: "duplicate-copy", outgoing: [] });
  });

  it("decides and confirms once an access request sent to contact@ with calcul@ in copy", async () => {
    const nina = `nina.girard@${ORG}`;
    const request = (email: string) =>
      buildMail({
        from: JEANNE,
        to: "contact@example.test",
        subject: "Accès",
        messageId: "<copie-acces-1@editeur-ris.fr>",
        body: `Bonjour,\n\nMerci d'autoriser l'accès pour ${email}.\n\nJeanne Martin`,
      });
    expect((await handle(request(nina), "contact")).decision).toBe("access-granted");
    // The copy delivered to calcul@: no second decision, no « accès déjà accordé » email.
    expect(await handle(request(nina), "submissions")).toMatchObject({
      decision: "duplicate-copy",
      outgoing: [],
    });
    expect(await db.accessRequest.count({ where: { email: nina } })).toBe(1);
    // A client reusing Message-IDs: another address asked under the same one is decided.
    expect((await handle(request(`olivier.roy@${ORG}`), "submissions")).decision).toBe("access-granted");
  });

  it("answers an order form whose mixte row lists a practice's doctors once each, in the field of their activity", async () => {
    const sender = `luc.bernard@${ORG}`;
    await grantAccess(db, sender, { decidedBy: "operator:test", now: new Date() });
    const auth = `mx.example.test; spf=pass smtp.mailfrom=${ORG}; dkim=pass header.d=${ORG}; dmarc=pass header.from=${ORG}`;
    const raw = await new MailComposer({
      from: `Luc Bernard <${sender}>`,
      to: "calcul@example.test",
      subject: "Bon de commande Imagerie du Port",
      text: "Bonjour,\n\nRéférence : Imagerie du Port\n\nLe tableau est en pièce jointe.\n",
      attachments: [
        {
          filename: "bon-de-commande.csv",
          contentType: "text/csv",
          content:
            "Nom;FINESS géographique;RPPS;N° AM;Activité\n" +
            "Hôpital Foch;920000650;;;mixte\n" +
            'Cabinet du Port;;;"751234567; 921234567";mixte\n',
        },
      ],
      headers: { "Authentication-Results": auth },
    })
      .compile()
      .build();
    const outcome = await handle(raw);
    expect(outcome.decision).toBe("reply-result");
    const { text } = await textOf(outcome.outgoing[0]!.raw);
    const [valid, invalid] = text.split("Données invalides");
    expect(valid).toMatch(/\| No AM radiologie +\| 751234567 \|/);
    expect(valid).toMatch(/\| No AM médecine nucléaire +\| 921234567 \|/);
    expect(invalid).not.toContain("751234567");
    expect(invalid).not.toContain("921234567");
    // 52 000 + 6 100 + 5 × (1 800 + 2 400) = 79 100: tranche D.
    expect(text).toContain("La tranche de financement calculée est = D");
    // Replayed by support on the same data, the stored request gives the same answer.
    const stored = (await recentCalculationsOf(db, sender, 1))[0]!;
    const replay = await replayCalculation(db, stored, { nuclearCoefficient: 5 });
    expect(replay.result).toEqual(stored.result);
    expect(stored.result.total).toBe(79_100);
  });

  it("counts the rows an attached workbook hides and says so in the result, after the documented layout", async () => {
    const sender = `sophie.roux@${ORG}`;
    await grantAccess(db, sender, { decidedBy: "operator:test", now: new Date() });
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet("Commande");
    sheet.addRow(["Nom", "FINESS géographique", "RPPS", "N° AM", "Activité"]);
    sheet.addRow(["Hôpital Foch", 920000650, null, null, "radiologie"]);
    sheet.addRow(["Dr Girard (départ en retraite)", null, null, 751234567, "radiologie"]).hidden = true;
    const outcome = await handle(await workbookRequest(`Sophie Roux <${sender}>`, "Hôpital Foch", book));
    expect(outcome.decision).toBe("reply-result");
    const { parsed, text } = await textOf(outcome.outgoing[0]!.raw);
    expect(text).toMatch(/\| No AM radiologie +\| 751234567 \|/);
    const note =
      "Ligne masquée dans le tableau joint, lue et prise en compte dans le calcul : ligne 3 du tableau « Commande Foch.xlsx » (feuille « Commande »).";
    expect(text.indexOf(note)).toBeGreaterThan(text.indexOf("Données de référence utilisées"));
    expect(parsed.html).toContain("ligne 3 du tableau « Commande Foch.xlsx » (feuille « Commande »)");
    expect(outcome.summary).toMatchObject({
      calculation: { hiddenRows: [{ filename: "Commande Foch.xlsx", sheet: "Commande", rows: [3] }] },
    });
  });

  it("counts a column an attached workbook hides and says so in the result", async () => {
    const sender = `marc.leroy@${ORG}`;
    await grantAccess(db, sender, { decidedBy: "operator:test", now: new Date() });
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet("Commande");
    sheet.addRow(["Nom", "FINESS géographique", "N° AM", "Activité"]);
    sheet.addRow(["Hôpital Foch", 920000650, null, "radiologie"]);
    sheet.addRow(["Dr Girard", null, 751234567, "radiologie"]);
    sheet.getColumn(3).hidden = true;
    const outcome = await handle(await workbookRequest(`Marc Leroy <${sender}>`, "Hôpital Foch bis", book));
    expect(outcome.decision).toBe("reply-result");
    const { text } = await textOf(outcome.outgoing[0]!.raw);
    expect(text).toMatch(/\| No AM radiologie +\| 751234567 \|/);
    expect(text).toContain(
      "Colonne masquée dans le tableau joint, lue et prise en compte dans le calcul : colonne « C (N° AM) » du tableau « Commande Foch.xlsx » (feuille « Commande »).",
    );
  });

  it("sends the result to the requester, and says why, when the Email field names an address it may not go to", async () => {
    const body = calculationBody({ reference: "CH Lens", activity: "Radiologie", finessRadio: "920000650" });
    const outcome = await handle(
      buildMail({ from: JEANNE, subject: "Calcul", body: `Email : paul.martin@${ORG}\n${body}` }),
    );
    expect(outcome.decision).toBe("reply-result");
    expect(outcome.outgoing[0]!.recipients).toEqual([JEANNE]);
    const { text } = await textOf(outcome.outgoing[0]!.raw);
    expect(text).toContain(
      `Ce résultat vous est adressé : l'adresse indiquée dans le champ Email de la demande (paul.martin@${ORG}) n'est pas autorisée à recevoir des résultats`,
    );
  });

  it("links a reply to a result email to its calculation in a dispute ticket, and acknowledges it", async () => {
    const calculation = await db.calculation.findFirstOrThrow({ where: { sender: JEANNE } });
    const outcome = await handle(
      buildMail({
        from: JEANNE,
        to: "contact@example.test",
        subject: "RE: Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations",
        inReplyTo: calculation.resultMessageId!,
        body: "Bonjour,\n\nNous contestons ce calcul : le FINESS 750712184 a bien une activité de médecine nucléaire.\n\nCordialement",
      }),
      "contact",
    );
    expect(outcome.decision).toBe("ticket");
    const ticket = await db.ticket.findFirstOrThrow({
      where: { sender: JEANNE },
      include: { calculations: true },
    });
    expect(ticket).toMatchObject({ category: "dispute", sender: JEANNE });
    expect(ticket.calculations).toMatchObject([{ calculationId: calculation.id, linkedBy: "in-reply-to" }]);
    expect(outcome.outgoing.map((o) => o.kind)).toEqual(["ticket-ack"]);
    expect((await textOf(outcome.outgoing[0]!.raw)).text).toContain(calculation.publicId);
  });

  it("sends the expected format back when a request cannot be read", async () => {
    const outcome = await handle(
      buildMail({
        from: JEANNE,
        subject: "",
        body: calculationBody({ reference: "", activity: "cardiologie", finessRadio: "" }),
      }),
    );
    expect(outcome.decision).toBe("reply-help");
    const { text } = await textOf(outcome.outgoing[0]!.raw);
    expect(text).toContain("Référence :");
    expect(text).toContain("FINESS radiologie :");
  });

  it("answers two requests written in one message with help naming both, and calculates neither", async () => {
    const before = await db.calculation.count();
    const outcome = await handle(
      buildMail({
        from: JEANNE,
        subject: "Demandes de calcul Arras et Lens",
        body: [
          "Bonjour,",
          "",
          "Référence : CH Arras",
          "Type d'activité : Radiologie",
          "FINESS radiologie : 920000650",
          "",
          "Référence : CH Lens",
          "Type d'activité : Radiologie",
          "FINESS radiologie : 750712184",
          "",
          "Cordialement,",
          "Jeanne Martin",
        ].join("\n"),
      }),
    );
    expect(outcome.decision).toBe("reply-help");
    expect(await db.calculation.count()).toBe(before);
    const { text } = await textOf(outcome.outgoing[0]!.raw);
    expect(text).toContain(
      "plusieurs demandes, chacune avec sa référence et ses numéros (« CH Arras » et « CH Lens »)",
    );
  });

  it("never replies to an out-of-office", async () => {
    const outcome = await handle(
      buildMail({
        from: JEANNE,
        subject: "Réponse automatique : Calcul de la tranche",
        body: "Je suis absente jusqu'au 30 novembre.",
        headers: { "Auto-Submitted": "auto-replied" },
      }),
    );
    expect(outcome).toMatchObject({ status: "ignored", decision: "ignore-automated", outgoing: [] });
  });

  it("stops acknowledging a helpdesk that answers each acknowledgment with a new message, and files them all", async () => {
    // The supplier's own helpdesk: no Auto-Submitted, no threading, a new subject each time.
    const helpdesk = `assistance@${ORG}`;
    const accuse = (n: number) =>
      buildMail({
        from: helpdesk,
        fromName: "Assistance Éditeur RIS",
        to: "contact@example.test",
        subject: `Votre demande n° ${4711 + n} a bien été enregistrée`,
        body: `Bonjour,\n\nNous accusons réception de votre message, enregistré sous le numéro ${4711 + n}.\nNotre équipe vous répondra dans les meilleurs délais.\n\nL'assistance Éditeur RIS`,
      });
    let outcome = await handle(accuse(0), "contact");
    let received = 1;
    let acknowledgments = 0;
    while (outcome.outgoing.length > 0 && received < 3 * ACKNOWLEDGED_TICKETS_PER_HOUR) {
      acknowledgments += outcome.outgoing.length;
      outcome = await handle(accuse(received++), "contact");
    }
    expect(acknowledgments).toBe(ACKNOWLEDGED_TICKETS_PER_HOUR);
    expect(outcome.decision).toBe("ticket-joined");
    const filed = await db.inboundMessage.count({
      where: { ticketId: { not: null }, ticket: { sender: helpdesk } },
    });
    expect(filed).toBe(received);
  });

  it("sends one help reply, not one per turn, to an auto-responder answering it unthreaded on the submission inbox", async () => {
    const robot = `commandes@${ORG}`;
    await grantAccess(db, robot, { decidedBy: "operator:test", now: new Date("2026-11-01T00:00:00Z") });
    const first = await handle(
      buildMail({
        from: robot,
        subject: "Commande 2026-114",
        body: "Bonjour,\n\nMerci de calculer la tranche.\n",
      }),
    );
    expect(first.decision).toBe("reply-help");
    // Its robot mailbox answers to the address it wrote to, keeping our subject but no threading.
    const answer = await handle(
      buildMail({
        from: robot,
        subject: "RE: Ségur Numérique - Imagerie - Demande de calcul incomplète",
        body: "Bonjour,\n\nVotre message a bien été reçu par le service commandes. Il sera traité sous 48 heures.\n\nService commandes",
      }),
    );
    expect(answer.outgoing.map((o) => o.kind)).not.toContain("help");
    expect(answer.decision).toBe("ticket");
  });

  it("stops answering an unauthorised robot past the hourly cap of replies to its address, and files its messages in one ticket", async () => {
    // An order system exporting each new order to calcul@, without Auto-Submitted nor List-Id.
    const robot = "exports-commandes@clinique-des-pins.fr";
    const order = (n: number) =>
      buildMail({
        from: robot,
        fromName: "Logiciel de commandes",
        subject: `Commande n° 2026-${300 + n}`,
        body: calculationBody({ reference: `Commande 2026-${300 + n}`, finessRadio: "750712184" }),
      });
    const cap = config.rateLimitRepliesPerRecipientPerHour;
    const outcomes: HandlerOutcome[] = [];
    for (let n = 0; n < cap + 2; n++) outcomes.push(await handle(order(n)));

    expect(outcomes.slice(0, cap).map((o) => [o.decision, o.outgoing.map((e) => e.kind)])).toEqual(
      Array.from({ length: cap }, () => ["reply-unauthorised", ["unauthorised"]]),
    );
    for (const over of outcomes.slice(cap))
      expect(over).toMatchObject({ status: "processed", decision: "ticket-reply-limited", outgoing: [] });
    // Kept for support: both unanswered messages in one open ticket, not acknowledged.
    const filed = await db.inboundMessage.findMany({
      where: { ticket: { sender: robot } },
    });
    expect(filed).toHaveLength(2);
    expect(new Set(filed.map((m) => m.ticketId)).size).toBe(1);
    const ticket = await getTicket(db, filed[0]!.ticketId!);
    expect(ticket).toMatchObject({ status: "open", category: "other", sender: robot });
    expect(ticket.messages.flatMap((m) => m.sent)).toEqual([]);
  });

  it("caps help replies per address: a robot stops getting them, its colleague still does", async () => {
    const robot = `edi@${ORG}`;
    await grantAccess(db, robot, { decidedBy: "operator:test", now: new Date("2026-11-01T00:00:00Z") });
    const unreadable = (n: number, from: string) =>
      buildMail({
        from,
        subject: `Transmission EDI ${n}`,
        body: `Bonjour,\n\nVeuillez trouver ci-dessous la transmission n° ${n}.\n\nService EDI`,
      });
    const cap = config.rateLimitRepliesPerRecipientPerHour;
    const decisions: string[] = [];
    for (let n = 0; n <= cap; n++) decisions.push((await handle(unreadable(n, robot))).decision);
    expect(decisions).toEqual([...Array.from({ length: cap }, () => "reply-help"), "ticket-reply-limited"]);

    const colleague = `sophie.durand@${ORG}`;
    await grantAccess(db, colleague, { decidedBy: "operator:test", now: new Date("2026-11-01T00:00:00Z") });
    const answered = await handle(unreadable(cap + 1, colleague));
    expect(answered.decision).toBe("reply-help");
    expect(answered.outgoing.map((e) => e.recipients)).toEqual([[colleague]]);
  });

  it("counts the hourly reply cap on the decision's clock: capped 59 minutes after the replies, answered again after 61", async () => {
    let clock = new Date("2026-11-24T08:00:00Z");
    const clocked = handleWith(
      createPipeline({
        config,
        logger: pino({ level: "silent" }),
        renderer: await createRenderer(),
        policy: loadAccessPolicy(config, process.cwd()),
        rateLimits: { senderPerHour: 3, organisationPerHour: 100 },
        now: () => clock,
      }),
    );
    const robot = `gestion-commandes@${ORG}`;
    await grantAccess(db, robot, { decidedBy: "operator:test", now: new Date("2026-11-01T00:00:00Z") });
    const transmission = (n: number) =>
      buildMail({
        from: robot,
        subject: `Transmission n° ${n}`,
        body: `Bonjour,\n\nVeuillez trouver ci-dessous la transmission n° ${n}.\n\nService commandes`,
      });
    const cap = config.rateLimitRepliesPerRecipientPerHour;
    for (let n = 0; n < cap; n++) expect((await clocked(transmission(n))).decision).toBe("reply-help");

    clock = new Date("2026-11-24T08:59:00Z");
    expect(await clocked(transmission(cap))).toMatchObject({
      decision: "ticket-reply-limited",
      outgoing: [],
    });
    clock = new Date("2026-11-24T09:01:00Z");
    const answered = await clocked(transmission(cap + 1));
    expect(answered.decision).toBe("reply-help");
    expect(answered.outgoing.map((e) => e.recipients)).toEqual([[robot]]);
  });

  it("grants each colleague of a list, each confirmed, and keeps the others for support in one ticket", async () => {
    const paul = `hugo.marchand@${ORG}`;
    const lea = `lea.blanc@${ORG}`;
    const outcome = await handle(
      buildMail({
        from: JEANNE,
        to: "contact@example.test",
        subject: "Accès pour l'équipe",
        body: `Bonjour,\n\nMerci d'ouvrir un accès aux personnes suivantes :\n- Hugo Marchand : ${paul}\n- Léa Blanc : ${lea}\n- ${"marc.noir@autre-editeur.fr"}\n- nina.perrin@gmail.com\n\nJeanne Martin`,
      }),
      "contact",
    );
    expect(outcome.decision).toBe("access-granted+access-granted+access-pending+access-pending");
    expect(outcome.outgoing.map((o) => [o.kind, o.recipients[0]])).toEqual([
      ["access-granted", JEANNE],
      ["access-granted", paul],
      ["access-granted", JEANNE],
      ["access-granted", lea],
      ["access-pending", JEANNE],
      ["access-pending", JEANNE],
    ]);
    for (const email of [paul, lea])
      expect(await db.authorisedAddress.count({ where: { email, revokedAt: null } }), email).toBe(1);
    const requests = await db.accessRequest.findMany({
      where: { requester: JEANNE, inboundMessageId: { not: null } },
      orderBy: { id: "asc" },
      select: { email: true, status: true, reason: true, inboundMessageId: true },
    });
    expect(requests.slice(-4)).toMatchObject([
      { email: paul, status: "approved" },
      { email: lea, status: "approved" },
      { email: "marc.noir@autre-editeur.fr", status: "pending", reason: "other-organisation" },
      { email: "nina.perrin@gmail.com", status: "pending", reason: "free-mail" },
    ]);
    const tickets = await db.ticket.findMany({ where: { sender: JEANNE, category: "access-review" } });
    expect(tickets).toHaveLength(1);
  });

  it("keeps every address of a forged sender's list pending in one ticket, unanswered", async () => {
    const outcome = await handle(
      buildMail({
        from: `pdg@${ORG}`,
        to: "contact@example.test",
        subject: "Accès",
        auth: "fail",
        body: `Merci d'autoriser l'accès pour a.pirate@${ORG} et b.pirate@${ORG}`,
      }),
      "contact",
    );
    expect(outcome).toMatchObject({ status: "quarantined", outgoing: [] });
    expect(await db.ticket.count({ where: { sender: `pdg@${ORG}` } })).toBe(1);
    expect(
      await db.accessRequest.findMany({
        where: { requester: `pdg@${ORG}` },
        select: { email: true, status: true },
        orderBy: { id: "asc" },
      }),
    ).toEqual([
      { email: `a.pirate@${ORG}`, status: "pending" },
      { email: `b.pirate@${ORG}`, status: "pending" },
    ]);
  });

  it("answers a request sent to contact@ and files the question written beside it as a ticket, acknowledged", async () => {
    const sender = `helene.faure@${ORG}`;
    await grantAccess(db, sender, { decidedBy: "operator:test", now: new Date("2026-11-01T00:00:00Z") });
    const outcome = await handle(
      buildMail({
        from: sender,
        to: "contact@example.test",
        subject: "Calcul CH Foch",
        body: "Bonjour,\n\nRéférence : Hôpital Foch\nType d'activité : Radiologie\nFINESS radiologie : 920000650\n\nPar ailleurs, pourriez-vous me dire si les FINESS juridiques doivent aussi être indiqués ?\n\nHélène Faure",
      }),
      "contact",
    );
    expect(outcome.decision).toBe("reply-result+ticket");
    expect(outcome.outgoing.map((o) => [o.kind, o.recipients[0]])).toEqual([
      ["result", sender],
      ["ticket-ack", sender],
    ]);
    expect(await db.ticket.findMany({ where: { sender }, select: { category: true } })).toEqual([
      { category: "question" },
    ]);
  });

  it("grants the access a new colleague asks for beside a request to contact@, then answers the request", async () => {
    const sender = `bruno.lemaire@${ORG}`;
    const outcome = await handle(
      buildMail({
        from: sender,
        to: "contact@example.test",
        subject: "Accès et première demande",
        body: "Bonjour,\n\nJe souhaite obtenir un accès au service. Voici ma première demande :\nRéférence : Hôpital Foch\nType d'activité : Radiologie\nFINESS radiologie : 920000650\n\nBruno Lemaire",
      }),
      "contact",
    );
    expect(outcome.decision).toBe("access-granted+reply-result");
    expect(outcome.outgoing.map((o) => [o.kind, o.recipients[0]])).toEqual([
      ["access-granted", sender],
      ["result", sender],
    ]);
    expect(await db.authorisedAddress.count({ where: { email: sender, revokedAt: null } })).toBe(1);
  });

  it("never answers a forged sender, and shows the message to support without acknowledging it", async () => {
    const outcome = await handle(
      buildMail({
        from: `directeur@${ORG}`,
        to: "contact@example.test",
        subject: "Accès",
        auth: "fail",
        body: "Merci d'autoriser l'accès pour pirate@gmail.com",
      }),
      "contact",
    );
    expect(outcome).toMatchObject({ status: "quarantined", outgoing: [] });
    expect(await db.ticket.count({ where: { sender: `directeur@${ORG}`, category: "access-review" } })).toBe(
      1,
    );
    expect(await db.authorisedAddress.count({ where: { email: "pirate@gmail.com" } })).toBe(0);
    // Kept as a pending request, which support can approve (if the sender confirms) or deny.
    expect(
      await db.accessRequest.findMany({
        where: { requester: `directeur@${ORG}` },
        select: { action: true, email: true, status: true, reason: true },
      }),
    ).toEqual([{ action: "grant", email: "pirate@gmail.com", status: "pending", reason: "unauthenticated" }]);
  });

  it("turns requests beyond the sender's hourly limit into one support ticket", async () => {
    const body = calculationBody({ reference: "CH Lens", activity: "Radiologie", finessRadio: "920000650" });
    const decisions: string[] = [];
    for (let i = 0; i < 4; i++)
      decisions.push((await handle(buildMail({ from: JEANNE, subject: "Calcul", body }))).decision);
    // Two results already answered above: one more, then the limit of 3 per hour.
    expect(decisions).toEqual([
      "reply-result",
      "ticket-rate-limited",
      "ticket-rate-limited",
      "ticket-rate-limited",
    ]);
    expect(await db.ticket.count({ where: { sender: JEANNE, category: "other" } })).toBe(1);
  });

  it("tells a sender over the hourly limit that the request was not computed, once, with the ticket number", async () => {
    const sophie = `sophie.leroy@${ORG}`;
    await grantAccess(db, sophie, { decidedBy: "operator:test", now: new Date() });
    const body = calculationBody({ reference: "CH Arras", activity: "Radiologie", finessRadio: "920000650" });
    for (let i = 0; i < 3; i++)
      expect((await handle(buildMail({ from: sophie, subject: "Calcul", body }))).decision).toBe(
        "reply-result",
      );
    const over = await handle(buildMail({ from: sophie, subject: "Calcul", body }));
    expect(over.decision).toBe("ticket-rate-limited");
    expect(over.outgoing).toHaveLength(1);
    const ticket = await db.ticket.findFirstOrThrow({ where: { sender: sophie } });
    const number = `T-${String(ticket.id).padStart(6, "0")}`;
    const { parsed, text } = await textOf(over.outgoing[0]!.raw);
    expect(parsed.subject).toContain(`[${number}]`);
    expect(text).toContain(
      "n'a pas été traitée automatiquement : la limite de 3 calculs par heure pour votre adresse est atteinte, aucune tranche n'a donc été calculée.",
    );
    expect(text).toContain(
      `transmise au support du service de calcul de tranche de financement sous le numéro ${number}.`,
    );
    expect(text).toContain("Aucun résultat ne sera envoyé automatiquement pour cette demande.");
    expect(text).toContain("renvoyez-la plus tard à calcul@example.test");
    expect(text).not.toContain("autre demande");
    // A further request over the limit joins the ticket without another acknowledgment.
    const again = await handle(buildMail({ from: sophie, subject: "Calcul", body }));
    expect(again.decision).toBe("ticket-rate-limited");
    expect(again.outgoing).toHaveLength(0);
  });

  it("refuses calculations from an address once its access is revoked", async () => {
    await grantAccess(db, `paul.durand@${ORG}`, { decidedBy: "operator:test", now: new Date() });
    const revoke = await handle(
      buildMail({
        from: `claire.petit@${ORG}`,
        to: "contact@example.test",
        subject: "Suppression d'accès",
        body: `Bonjour,\n\nPouvez-vous supprimer l'accès de paul.durand@${ORG} ? Il a quitté la société.\n\nClaire`,
      }),
      "contact",
    );
    expect(revoke.decision).toBe("access-revoked");
    const after = await handle(
      buildMail({
        from: `paul.durand@${ORG}`,
        subject: "Calcul",
        body: calculationBody({ reference: "CH Lens", activity: "Radiologie", finessRadio: "920000650" }),
      }),
    );
    expect(after.decision).toBe("reply-unauthorised");
  });

  it("opens a ticket for a contact@ message too large to read, saying only its beginning is kept", async () => {
    const head = buildMail({
      from: "paul.durand@editeur-ris.fr",
      to: "contact@example.test",
      subject: "Scans des bons de commande",
      body: "Bonjour, voici les scans de nos bons de commande signés.",
    });
    // The mailbox read its first bytes only (SizeLimit), and says how large it was.
    const claimed = await claimAndProcess(
      db,
      pipeline,
      { mailbox: "contact", uidValidity: "9", uid: "1", raw: head, size: 80 * 1024 * 1024 },
      { maxAttempts: 3 },
    );
    const row = await db.inboundMessage.findUniqueOrThrow({ where: { id: claimed.inboundId! } });
    expect([row.status, row.decision]).toEqual(["processed", "ticket"]);
    expect(Buffer.from(row.raw!)).toEqual(head);
    const ticket = await db.ticket.findFirstOrThrow({ where: { messages: { some: { id: row.id } } } });
    expect((await getTicket(db, ticket.id)).messages.map((m) => m.truncated)).toEqual([true]);
  });

  it("grants an access asked beside a question, and files the question as a ticket acknowledged to the sender", async () => {
    const sender = "sophie.leroy@imagerie-soft.fr";
    const concerned = "marc.bernard@imagerie-soft.fr";
    const outcome = await handle(
      buildMail({
        from: sender,
        to: "contact@example.test",
        subject: "Accès Ségur et question",
        body: `Bonjour,\n\nMerci d'autoriser l'accès pour ${concerned}. Par ailleurs, pourriez-vous me dire quand les résultats de mars seront disponibles ?\n\nCordialement,\nSophie Leroy`,
      }),
      "contact",
    );
    expect(outcome.decision).toBe("access-granted+ticket");
    expect(outcome.outgoing.map((o) => [o.kind, o.recipients[0]])).toEqual([
      ["access-granted", sender],
      ["access-granted", concerned],
      ["ticket-ack", sender],
    ]);
    expect(await db.accessEvent.findMany({ where: { email: concerned } })).toMatchObject([
      { action: "grant", decidedBy: "rule:same-organisation" },
    ]);
    const ticket = await db.ticket.findFirstOrThrow({ where: { sender }, include: { messages: true } });
    expect(ticket).toMatchObject({ category: "question", status: "open" });
    expect(ticket.messages).toHaveLength(1);
    expect((await textOf(outcome.outgoing[2]!.raw)).text).toContain(formatTicketNumber(ticket.id));
  });

  it("answers a question on how to get an access with a question ticket acknowledged, granting nothing", async () => {
    const sender = "helene.faure@imagerie-soft.fr";
    const outcome = await handle(
      buildMail({
        from: sender,
        to: "contact@example.test",
        subject: "Accès au service",
        body: "Bonjour, comment obtenir un accès au service de calcul ? Merci\n\nHélène Faure",
      }),
      "contact",
    );
    expect(outcome.decision).toBe("ticket");
    expect(outcome.outgoing.map((o) => [o.kind, o.recipients[0]])).toEqual([["ticket-ack", sender]]);
    const ticket = await db.ticket.findFirstOrThrow({ where: { sender } });
    expect(ticket).toMatchObject({ category: "question", status: "open" });
    expect(await db.accessEvent.count({ where: { email: sender } })).toBe(0);
    expect(await db.accessRequest.count({ where: { requester: sender } })).toBe(0);
  });

  it("grants an access asked with the usual courtesy and opens no ticket", async () => {
    const sender = "paul.girard@imagerie-soft.fr";
    const outcome = await handle(
      buildMail({
        from: sender,
        to: "contact@example.test",
        subject: "Demande d'accès",
        body: "Bonjour,\n\nMerci d'autoriser l'accès pour luc.moreau@imagerie-soft.fr.\nMerci d'avance. N'hésitez pas si besoin.\n\nCordialement,\nPaul Girard",
      }),
      "contact",
    );
    expect(outcome.decision).toBe("access-granted");
    expect(outcome.outgoing.map((o) => o.kind)).toEqual(["access-granted", "access-granted"]);
    expect(await db.ticket.count({ where: { sender } })).toBe(0);
  });
});
