import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseFreeMailList } from "../../src/access/rules.ts";
import { recordCalculation } from "../../src/calculations/store.ts";
import type { Db } from "../../src/db/client.ts";
import type { CalculationRequest } from "../../src/engine/types.ts";
import { calculate } from "../../src/reference/calculate.ts";
import {
  closeTicket,
  formatTicketNumber,
  getTicket,
  listTickets,
  openOrJoinTicket,
  parseTicketNumber,
  recomputeTicket,
} from "../../src/support/tickets.ts";
import { contactMessage, insertInbound, rawEmail } from "../helpers/contact.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { importSmallDataset } from "../helpers/datasets.ts";

const now = new Date("2026-11-20T10:00:00Z");
const later = new Date("2026-11-21T09:00:00Z");
const request: CalculationRequest = {
  activity: "radiologie",
  finessRadio: ["920000650"],
  amRadio: ["751234567"],
  finessMn: [],
  amMn: [],
};

let test: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let datasetId: number;
beforeEach(async () => {
  test = await createTestDatabase();
  db = test.db;
  datasetId = await importSmallDataset(db, test.dir, "SAE 2023", {
    finess: [["920000650", "CH de Nanterre", 14_000, 0]],
    am: [["751234567", "radiologie", 900]],
  });
});
afterEach(() => test.close());

async function calculation(sender: string, reference: string, resultMessageId?: string) {
  const { result } = await calculate(db, request, { nuclearCoefficient: 5 });
  const recorded = await recordCalculation(
    db,
    {
      request,
      activityInferred: false,
      result,
      datasetId,
      sender,
      recipient: sender,
      reference,
      inboundMessageId: null,
      ...(resultMessageId ? { resultMessageId } : {}),
    },
    now,
  );
  return recorded;
}

async function received(partial: {
  from: string;
  subject: string;
  messageId: string;
  text: string;
  inReplyTo?: string;
  references?: string[];
  authenticated?: boolean;
}) {
  const inboundMessageId = await insertInbound(db, {
    messageId: partial.messageId,
    from: partial.from,
    subject: partial.subject,
    raw: rawEmail(partial.from, partial.subject, partial.messageId, partial.text),
  });
  return contactMessage({
    sender: partial.from,
    subject: partial.subject,
    messageId: partial.messageId,
    text: partial.text,
    inReplyTo: partial.inReplyTo ?? null,
    references: partial.references ?? [],
    authenticated: partial.authenticated ?? true,
    inboundMessageId,
  });
}

describe("support tickets", () => {
  it("opens a ticket for a question, attaches the message and acknowledges it", async () => {
    const message = await received({
      from: "Marie.Martin@mail.editeur.fr",
      subject: "Question sur les FINESS juridiques",
      messageId: "<q1@editeur.fr>",
      text: "Bonjour,\nPeut-on saisir un FINESS juridique ?\nCordialement,\nMarie Martin",
    });
    const outcome = await openOrJoinTicket(db, { ...message, category: "question" }, now);
    expect(outcome).toMatchObject({ joined: false, reopened: false, linked: [] });
    expect(outcome.ticket.number).toBe(formatTicketNumber(outcome.ticket.id));
    expect(outcome.notification).toEqual({
      template: "ticket-ack",
      to: ["marie.martin@mail.editeur.fr"],
      inReplyTo: "<q1@editeur.fr>",
      facts: {
        ticketNumber: outcome.ticket.number,
        category: "question",
        sender: "marie.martin@mail.editeur.fr",
        originalSubject: "Question sur les FINESS juridiques",
        calculations: [],
      },
    });
    const ticket = await getTicket(db, outcome.ticket.id);
    expect(ticket).toMatchObject({
      category: "question",
      status: "open",
      sender: "marie.martin@mail.editeur.fr",
      organisation: "editeur.fr",
      createdAt: now,
    });
    expect(ticket.messages.map((m) => m.messageId)).toEqual(["<q1@editeur.fr>"]);
  });

  it("links a dispute replying to a result email to its calculation", async () => {
    const calc = await calculation("marie@editeur.fr", "CH de Nanterre", "<result-1@example.test>");
    const message = await received({
      from: "marie@editeur.fr",
      subject: "RE: Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations",
      messageId: "<d1@editeur.fr>",
      inReplyTo: "<result-1@example.test>",
      references: ["<req-1@editeur.fr>", "<result-1@example.test>"],
      text: "Bonjour, la tranche A nous semble erronée : le CH a bien plus d'examens.",
    });
    const outcome = await openOrJoinTicket(db, { ...message, category: "dispute" }, now);
    expect(outcome.linked).toEqual([{ publicId: calc.publicId, linkedBy: "in-reply-to" }]);
    expect(outcome.notification?.facts).toMatchObject({
      calculations: [{ publicId: calc.publicId, reference: "CH de Nanterre" }],
    });
  });

  it("joins a second reply to the same result to the sender's ticket still open about it", async () => {
    await calculation("marie@editeur.fr", "CH de Nanterre", "<result-2@example.test>");
    const reply = (messageId: string, from = "marie@editeur.fr") =>
      received({
        from,
        subject: "RE: Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations",
        messageId,
        inReplyTo: "<result-2@example.test>",
        references: ["<req-2@editeur.fr>", "<result-2@example.test>"],
        text: "La tranche nous semble erronée.",
      });
    const first = await openOrJoinTicket(
      db,
      { ...(await reply("<r1@editeur.fr>")), category: "dispute" },
      now,
    );
    const second = await openOrJoinTicket(
      db,
      { ...(await reply("<r2@editeur.fr>")), category: "dispute" },
      later,
    );
    expect(second).toMatchObject({ ticket: first.ticket, joined: true, notification: null });
    const stranger = await openOrJoinTicket(
      db,
      { ...(await reply("<r3@autre.fr>", "dsi@autre.fr")), category: "dispute" },
      later,
    );
    expect(stranger.joined).toBe(false);
    expect(await listTickets(db)).toHaveLength(2);
  });

  it("links a calculation by the public id quoted in the subject or text", async () => {
    const calc = await calculation("marie@editeur.fr", "CH de Nanterre");
    const message = await received({
      from: "paul@editeur.fr",
      subject: `Contestation calcul ${calc.publicId.toLowerCase()}`,
      messageId: "<d2@editeur.fr>",
      text: "Bonjour, merci de revoir ce calcul.",
    });
    const outcome = await openOrJoinTicket(db, { ...message, category: "dispute" }, now);
    expect(outcome.linked).toEqual([{ publicId: calc.publicId, linkedBy: "public-id" }]);
  });

  it("links the sender's newest calculation for a reference the message mentions", async () => {
    await calculation("marie@editeur.fr", "Clinique Saint-Joseph");
    const newest = await calculation("marie@editeur.fr", "Clinique Saint-Joseph");
    await calculation("paul@editeur.fr", "CH de Nanterre"); // someone else's
    const message = await received({
      from: "marie@editeur.fr",
      subject: "Tranche incorrecte",
      messageId: "<d3@editeur.fr>",
      text: "Le calcul pour la clinique saint joseph donne la tranche A, et pour le CH de Nanterre ?",
    });
    const outcome = await openOrJoinTicket(db, { ...message, category: "dispute" }, now);
    expect(outcome.linked).toEqual([{ publicId: newest.publicId, linkedBy: "reference" }]);
  });

  it("names back only the sender's organisation's calculations in the acknowledgment", async () => {
    const other = await calculation("dsi@concurrent.fr", "CH de Nanterre");
    const message = await received({
      from: "marie@editeur.fr",
      subject: `Calcul ${other.publicId}`,
      messageId: "<d4@editeur.fr>",
      text: "?",
    });
    const outcome = await openOrJoinTicket(db, { ...message, category: "dispute" }, now);
    expect(outcome.linked).toHaveLength(1);
    expect(outcome.notification?.facts).toMatchObject({ calculations: [] });
  });

  it("never tells a free-mail user about another free-mail user's calculation; a colleague hears of it", async () => {
    const freeMail = parseFreeMailList("orange.fr\n");
    const martin = await calculation("cabinet.martin@orange.fr", "Cabinet du Dr Martin - Lyon");
    const stranger = await received({
      from: "curieux@orange.fr",
      subject: "Réclamation",
      messageId: "<s1@orange.fr>",
      text: `Je conteste le calcul ${martin.publicId}.`,
    });
    const outcome = await openOrJoinTicket(db, { ...stranger, category: "dispute" }, now, { freeMail });
    expect(outcome.notification?.facts).toMatchObject({ calculations: [] });

    const ours = await calculation("marie@editeur.fr", "CH de Lens");
    const colleague = await received({
      from: "paul@editeur.fr",
      subject: "Réclamation",
      messageId: "<c1@editeur.fr>",
      text: `Je conteste le calcul ${ours.publicId}.`,
    });
    const named = await openOrJoinTicket(db, { ...colleague, category: "dispute" }, now, { freeMail });
    expect(named.notification?.facts).toMatchObject({
      calculations: [{ publicId: ours.publicId, reference: "CH de Lens" }],
    });
  });

  it("gives a stranger replying in another company's thread a ticket of their own, never reopening that one", async () => {
    const freeMail = parseFreeMailList("orange.fr\n");
    const first = await received({
      from: "marie@editeur.fr",
      subject: "Question",
      messageId: "<q1@editeur.fr>",
      text: "?",
    });
    const opened = await openOrJoinTicket(db, { ...first, category: "question" }, now, { freeMail });
    await closeTicket(db, opened.ticket.id, { note: "répondu", now });
    const intruder = await received({
      from: "intrus@autre-org.fr",
      subject: "RE: Question",
      messageId: "<i1@autre-org.fr>",
      inReplyTo: "<q1@editeur.fr>",
      text: "Et pour nous ?",
    });
    const theirs = await openOrJoinTicket(db, { ...intruder, category: "question" }, later, { freeMail });
    expect(theirs.joined).toBe(false);
    expect(theirs.ticket.id).not.toBe(opened.ticket.id);
    expect(theirs.notification?.facts).toMatchObject({ ticketNumber: theirs.ticket.number });
    expect(await getTicket(db, opened.ticket.id)).toMatchObject({ status: "closed" });

    // Marie's colleague, and then Marie herself, answering in the same thread join her ticket.
    const colleague = await received({
      from: "paul@editeur.fr",
      subject: "RE: Question",
      messageId: "<p1@editeur.fr>",
      references: ["<q1@editeur.fr>", "<i1@autre-org.fr>"],
      text: "Je complète la question de Marie.",
    });
    const joined = await openOrJoinTicket(db, { ...colleague, category: "question" }, later, { freeMail });
    expect(joined).toMatchObject({ ticket: opened.ticket, joined: true, reopened: true });
  });

  it("joins a new message carrying the ticket's number in its subject, as the acknowledgment asks", async () => {
    const first = await received({
      from: "marie@editeur.fr",
      subject: "Question sur le calcul",
      messageId: "<n1@editeur.fr>",
      text: "?",
    });
    const opened = await openOrJoinTicket(db, { ...first, category: "question" }, now);
    const followUp = await received({
      from: "paul@editeur.fr",
      subject: `Complément à ma demande [${opened.ticket.number}]`,
      messageId: "<n2@editeur.fr>",
      text: "Voici le bon de commande.",
    });
    const freeMail = parseFreeMailList("orange.fr\n");
    const joined = await openOrJoinTicket(db, { ...followUp, category: "other" }, later, { freeMail });
    expect(joined).toMatchObject({ ticket: opened.ticket, joined: true, notification: null });
    // Another company quoting the number gets its own ticket.
    const stranger = await received({
      from: "intrus@autre-org.fr",
      subject: `Re: ${opened.ticket.number}`,
      messageId: "<n3@autre-org.fr>",
      text: "Et nous ?",
    });
    const theirs = await openOrJoinTicket(db, { ...stranger, category: "other" }, later, { freeMail });
    expect(theirs.joined).toBe(false);
    expect(theirs.ticket.id).not.toBe(opened.ticket.id);
  });

  it("joins by the number in the subject from the millionth ticket on, whose number has seven digits", async () => {
    // The sequence continues from the highest id: the next ticket is the millionth.
    await db.ticket.create({
      data: { id: 999_999, category: "other", status: "closed", sender: "x@autre.fr", subject: "x" },
    });
    const first = await received({
      from: "marie@editeur.fr",
      subject: "Question sur le calcul",
      messageId: "<m1@editeur.fr>",
      text: "?",
    });
    const opened = await openOrJoinTicket(db, { ...first, category: "question" }, now);
    expect(opened.ticket.number).toBe("T-1000000");
    const followUp = await received({
      from: "marie@editeur.fr",
      subject: `Complément à ma demande [${opened.ticket.number}]`,
      messageId: "<m2@editeur.fr>",
      text: "Voici le bon de commande.",
    });
    const joined = await openOrJoinTicket(db, { ...followUp, category: "other" }, later);
    expect(joined).toMatchObject({ ticket: opened.ticket, joined: true });
    // A longer number is nobody's ticket, and no query the database would refuse.
    const huge = await received({
      from: "marie@editeur.fr",
      subject: "Commande T-99999999999 et T-2147483648",
      messageId: "<m3@editeur.fr>",
      text: "Autre chose.",
    });
    expect((await openOrJoinTicket(db, { ...huge, category: "other" }, later)).joined).toBe(false);
  });

  it("joins a follow-up replying to the first message to the same ticket, without a second acknowledgment; a dispute makes it one", async () => {
    const first = await received({
      from: "marie@editeur.fr",
      subject: "Question",
      messageId: "<m1@editeur.fr>",
      text: "?",
    });
    const opened = await openOrJoinTicket(db, { ...first, category: "question" }, now);
    const calc = await calculation("marie@editeur.fr", "CH de Nanterre");
    const second = await received({
      from: "marie@editeur.fr",
      subject: "RE: Question",
      messageId: "<m2@editeur.fr>",
      references: ["<m1@editeur.fr>"],
      text: `J'ajoute le calcul ${calc.publicId}.`,
    });
    const joined = await openOrJoinTicket(db, { ...second, category: "dispute" }, later);
    expect(joined).toMatchObject({
      ticket: opened.ticket,
      joined: true,
      reopened: false,
      notification: null,
    });
    expect(joined.linked).toEqual([{ publicId: calc.publicId, linkedBy: "public-id" }]);
    const ticket = await getTicket(db, opened.ticket.id);
    expect(ticket.messages.map((m) => m.messageId)).toEqual(["<m1@editeur.fr>", "<m2@editeur.fr>"]);
    expect(ticket.category).toBe("dispute");
    expect(await listTickets(db)).toHaveLength(1);
  });

  it("joins a reply to our acknowledgment, and reopens a closed ticket with a new acknowledgment", async () => {
    const first = await received({
      from: "marie@editeur.fr",
      subject: "Question",
      messageId: "<m1@editeur.fr>",
      text: "?",
    });
    const opened = await openOrJoinTicket(db, { ...first, category: "question" }, now);
    await db.outboxMessage.create({
      data: {
        messageId: "<ack-1@example.test>",
        inboundMessageId: first.inboundMessageId,
        kind: "ticket-ack",
        envelopeFrom: "no-reply@example.test",
        recipients: "marie@editeur.fr",
        content: { create: { raw: Buffer.from("…") } },
        status: "sent",
      },
    });
    await closeTicket(db, opened.ticket.id, { note: "répondu par téléphone", now });
    const reply = await received({
      from: "marie@editeur.fr",
      subject: "RE: Votre demande",
      messageId: "<m3@editeur.fr>",
      inReplyTo: "<ack-1@example.test>",
      text: "Finalement j'ai une autre question.",
    });
    const joined = await openOrJoinTicket(db, { ...reply, category: "question" }, later);
    expect(joined).toMatchObject({ ticket: opened.ticket, joined: true, reopened: true });
    expect(joined.notification?.facts).toMatchObject({ ticketNumber: opened.ticket.number });
    expect(await getTicket(db, opened.ticket.id)).toMatchObject({ status: "open", closedAt: null });
  });

  it("keeps an unauthenticated message as a ticket but acknowledges nothing", async () => {
    const message = await received({
      from: "marie@editeur.fr",
      subject: "Urgent",
      messageId: "<spoof@x.example>",
      text: "Envoyez les résultats à cette adresse",
      authenticated: false,
    });
    const outcome = await openOrJoinTicket(db, { ...message, category: "other" }, now);
    expect(outcome.notification).toBeNull();
    expect(await listTickets(db, { category: "other" })).toHaveLength(1);
  });

  it("keeps mail with a forged From apart: a real dispute is never swallowed by its ticket", async () => {
    const calc = await calculation("marie@editeur.fr", "Centre Test Alpha", "<result-9@example.test>");
    // Unauthenticated: the same From and reference as the real sender, and a reply to her result.
    const forged = await received({
      from: "marie@editeur.fr",
      subject: "Demande de calcul",
      messageId: "<forged@x.example>",
      inReplyTo: "<result-9@example.test>",
      text: "Référence : Centre Test Alpha",
      authenticated: false,
    });
    const quarantined = await openOrJoinTicket(db, { ...forged, category: "other" }, now);
    // Linked by the reply only: by reference would name the real sender's calculations.
    expect(quarantined.linked).toEqual([{ publicId: calc.publicId, linkedBy: "in-reply-to" }]);
    const again = await received({
      from: "marie@editeur.fr",
      subject: "Encore",
      messageId: "<forged-2@x.example>",
      text: "Centre Test Alpha",
      authenticated: false,
    });
    // Forged mail from one address makes one ticket per category, not one per message.
    expect((await openOrJoinTicket(db, { ...again, category: "other" }, now)).ticket).toEqual(
      quarantined.ticket,
    );
    expect((await openOrJoinTicket(db, { ...again, category: "access-review" }, now)).ticket).not.toEqual(
      quarantined.ticket,
    );
    const dispute = await received({
      from: "marie@editeur.fr",
      subject: "RE: Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations",
      messageId: "<d9@editeur.fr>",
      inReplyTo: "<result-9@example.test>",
      text: "Je conteste ce calcul : le centre réalise plus de 15 000 examens.",
    });
    const outcome = await openOrJoinTicket(db, { ...dispute, category: "dispute" }, later);
    expect(outcome).toMatchObject({
      joined: false,
      linked: [{ publicId: calc.publicId, linkedBy: "in-reply-to" }],
    });
    expect(outcome.ticket).not.toEqual(quarantined.ticket);
    expect(outcome.notification?.template).toBe("ticket-ack");
    expect((await listTickets(db, { category: "dispute" })).map((t) => [t.number, t.authenticated])).toEqual([
      [outcome.ticket.number, true],
    ]);
    expect(await getTicket(db, quarantined.ticket.id)).toMatchObject({
      authenticated: false,
      category: "other",
    });
  });

  it("lists by status and category, and closes with a note once", async () => {
    const a = await received({ from: "a@editeur.fr", subject: "A", messageId: "<a@editeur.fr>", text: "?" });
    const b = await received({ from: "b@editeur.fr", subject: "B", messageId: "<b@editeur.fr>", text: "?" });
    const ta = await openOrJoinTicket(db, { ...a, category: "question" }, now);
    await openOrJoinTicket(db, { ...b, category: "dispute" }, now);
    expect(await closeTicket(db, ta.ticket.id, { note: "  traité  ", now: later })).toMatchObject({
      alreadyClosed: false,
    });
    expect(await closeTicket(db, ta.ticket.id, { note: "encore", now: later })).toMatchObject({
      alreadyClosed: true,
    });
    expect((await listTickets(db, { status: "open" })).map((t) => t.subject)).toEqual(["B"]);
    expect((await listTickets(db, { status: "closed", category: "question" })).map((t) => t.subject)).toEqual(
      ["A"],
    );
    expect(await getTicket(db, ta.ticket.id)).toMatchObject({ closeNote: "traité", closedAt: later });
    await expect(closeTicket(db, 999, { now })).rejects.toThrow(/T-000999 introuvable/);
  });

  it("recomputes the linked calculations on the active dataset", async () => {
    const calc = await calculation("marie@editeur.fr", "CH de Nanterre", "<result-2@example.test>");
    const message = await received({
      from: "marie@editeur.fr",
      subject: "RE: résultat",
      messageId: "<d5@editeur.fr>",
      inReplyTo: "<result-2@example.test>",
      text: "Nos chiffres 2024 sont plus élevés.",
    });
    const { ticket } = await openOrJoinTicket(db, { ...message, category: "dispute" }, now);
    await importSmallDataset(db, test.dir, "SAE 2024", {
      finess: [["920000650", "CH de Nanterre", 16_000, 0]],
      am: [["751234567", "radiologie", 900]],
    });
    const [replay] = await recomputeTicket(db, ticket.id, { nuclearCoefficient: 5 });
    expect(replay?.calculation.publicId).toBe(calc.publicId);
    expect(replay?.diff).toMatchObject({
      changed: true,
      tranche: { before: "A", after: "B" },
      identifiers: [{ field: "finessRadio", value: "920000650", cause: "reference-counts-changed" }],
    });
  });

  it("reads ticket numbers as support types them", () => {
    expect(parseTicketNumber("T-000042")).toBe(42);
    expect(parseTicketNumber("t-42")).toBe(42);
    expect(parseTicketNumber("42")).toBe(42);
    expect(parseTicketNumber("TR-2026-000042")).toBeNull();
    expect(parseTicketNumber("0")).toBeNull();
  });
});

describe("messages over the rate limit", () => {
  it("gather in the sender's open ticket instead of opening one each", async () => {
    const outcomes = [];
    for (const n of [1, 2, 3]) {
      const message = await received({
        from: "robot@editeur.fr",
        subject: `Calcul ${n}`,
        messageId: `<flood-${n}@editeur.fr>`,
        text: "FINESS radiologie : 920000650",
      });
      outcomes.push(
        await openOrJoinTicket(db, { ...message, category: "other" }, now, { joinOpenTicketOfSender: true }),
      );
    }
    expect(outcomes.map((o) => o.joined)).toEqual([false, true, true]);
    expect(outcomes.map((o) => o.notification !== null)).toEqual([true, false, false]);
    expect(new Set(outcomes.map((o) => o.ticket.id)).size).toBe(1);
    expect((await getTicket(db, outcomes[0]!.ticket.id)).messages).toHaveLength(3);
  });
});

describe("ticket numbers", () => {
  it("are shown as T-000042 and read back as support types them", () => {
    expect(formatTicketNumber(42)).toBe("T-000042");
    for (const typed of ["T-000042", "t-42", "T42", "n°42", " 42 "])
      expect(parseTicketNumber(typed)).toBe(42);
    expect(parseTicketNumber("A-000042")).toBeNull();
    expect(parseTicketNumber("0")).toBeNull();
  });
});
