import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  approveAccessRequest,
  type DecisionNotify,
  denyAccessRequest,
  handleAccessRequest,
} from "../../src/access/requests.ts";
import { describeNotification, notificationQueue } from "../../src/cli/notifications.ts";
import { getTicket, openOrJoinTicket } from "../../src/support/tickets.ts";
import { contactMessage, insertInbound } from "../helpers/contact.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { defaultPolicy } from "../helpers/intake.ts";

// The confirmations `tranche access approve` / `deny` queue belong to the access-review ticket:
// `tickets show` lists them, and a reply naming only them (as Outlook writes it) reopens it.

const policy = defaultPolicy();
const now = new Date("2026-11-20T10:00:00Z");
const later = new Date("2026-11-20T14:00:00Z");

let test: Awaited<ReturnType<typeof createTestDatabase>>;
let notify: DecisionNotify;
let n = 0;

beforeAll(async () => {
  test = await createTestDatabase();
  notify = await notificationQueue();
});
afterAll(() => test.close());

/** A free-mail sender asks access for himself: pending, with an access-review ticket. */
async function pendingRequest(sender: string) {
  n++;
  const messageId = `<acces-${n}@mail.gmail.com>`;
  const inboundMessageId = await insertInbound(test.db, { messageId, from: sender, subject: "Accès" });
  const handled = await handleAccessRequest(test.db, {
    message: contactMessage({ sender, subject: "Accès", messageId, inboundMessageId, text: "autoriser" }),
    request: { action: "grant", email: sender, newEmail: null },
    policy,
    now,
  });
  if (handled.status !== "pending") throw new Error("expected pending");
  return { ...handled, inboundMessageId };
}

/** The sender answers the decision email, naming only it in In-Reply-To and References. */
async function replyTo(sender: string, decisionMessageId: string) {
  n++;
  const messageId = `<reply-${n}@mail.gmail.com>`;
  const inboundMessageId = await insertInbound(test.db, {
    messageId,
    from: sender,
    subject: "RE: Demande d'accès",
  });
  return openOrJoinTicket(
    test.db,
    {
      ...contactMessage({
        sender,
        subject: "RE: Demande d'accès",
        messageId,
        inReplyTo: decisionMessageId,
        references: [decisionMessageId],
        text: "Pourquoi ? Je suis indépendant.",
        inboundMessageId,
      }),
      category: "question",
    },
    later,
    { freeMail: policy.freeMail },
  );
}

describe("support's access decisions in their ticket's thread", () => {
  it("queues a refusal with the request's message: the ticket lists it, a reply to it reopens the ticket", async () => {
    const sender = "jean.dupont@gmail.com";
    const pending = await pendingRequest(sender);
    await denyAccessRequest(test.db, pending.requestId, {
      decidedBy: "support:bob",
      reason: "adresse personnelle",
      now: later,
      notify,
    });
    const refusal = await test.db.outboxMessage.findFirstOrThrow({ where: { kind: "access-refused" } });
    expect(refusal.inboundMessageId).toBe(pending.inboundMessageId);
    const ticket = await getTicket(test.db, pending.ticket.id);
    expect(ticket.status).toBe("closed");
    expect(ticket.messages[0]!.sent.map((s) => [s.kind, s.messageId])).toContainEqual([
      "access-refused",
      refusal.messageId,
    ]);

    const reply = await replyTo(sender, refusal.messageId);
    expect(reply).toMatchObject({ ticket: { id: pending.ticket.id }, joined: true, reopened: true });
    expect((await getTicket(test.db, pending.ticket.id)).status).toBe("open");
  });

  it("does the same for an approval's confirmation", async () => {
    const sender = "marc.leroy@gmail.com";
    const pending = await pendingRequest(sender);
    await approveAccessRequest(test.db, pending.requestId, { decidedBy: "support:bob", now: later, notify });
    const granted = await test.db.outboxMessage.findFirstOrThrow({ where: { kind: "access-granted" } });
    expect(granted.inboundMessageId).toBe(pending.inboundMessageId);
    const reply = await replyTo(sender, granted.messageId);
    expect(reply).toMatchObject({ ticket: { id: pending.ticket.id }, joined: true, reopened: true });
  });
});

describe("what the CLI says a change confirmation says", () => {
  it("names each side as it was, not always a move", () => {
    const facts = {
      email: "j.old@editeur.fr",
      newEmail: "j.new@editeur.fr",
      requester: "marie@editeur.fr",
      requestReference: "A-000004",
      decidedBy: "support" as const,
    };
    const line = (sides: { oldWasAuthorised: boolean; newWasAuthorised: boolean }) =>
      describeNotification({
        template: "access-changed",
        to: ["marie@editeur.fr"],
        inReplyTo: null,
        facts: { ...facts, ...sides },
      });
    expect(line({ oldWasAuthorised: false, newWasAuthorised: true })).toBe(
      "courriel access-changed à marie@editeur.fr : j.old@editeur.fr n'était pas autorisée, j.new@editeur.fr était déjà autorisée (A-000004)",
    );
    expect(line({ oldWasAuthorised: true, newWasAuthorised: false })).toBe(
      "courriel access-changed à marie@editeur.fr : j.old@editeur.fr n'est plus autorisée, j.new@editeur.fr est autorisée (A-000004)",
    );
  });
});
