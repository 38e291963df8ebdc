import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  approveAccessRequest,
  denyAccessRequest,
  formatAccessRequestNumber,
  handleAccessRequest,
  listPendingRequests,
  parseAccessRequestNumber,
} from "../../src/access/requests.ts";
import { accessHistory, grantAccess, isAuthorised } from "../../src/access/store.ts";
import type { Db } from "../../src/db/client.ts";
import type { Notification } from "../../src/notifications/notification.ts";
import { getTicket } from "../../src/support/tickets.ts";
import { contactMessage, insertInbound, rawEmail } from "../helpers/contact.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { defaultPolicy } from "../helpers/intake.ts";

const policy = defaultPolicy();
const now = new Date("2026-11-20T10:00:00Z");
const later = new Date("2026-11-20T14:30:00Z");

let test: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
beforeEach(async () => {
  test = await createTestDatabase();
  db = test.db;
});
afterEach(() => test.close());

async function received(
  from: string,
  subject: string,
  messageId: string,
  text: string,
  authenticated = true,
) {
  const inboundMessageId = await insertInbound(db, {
    messageId,
    from,
    subject,
    raw: rawEmail(from, subject, messageId, text),
  });
  return contactMessage({ sender: from, subject, messageId, text, inboundMessageId, authenticated });
}

describe("access requests by email", () => {
  it("grants a colleague's access by rule and confirms to the requester and the address concerned", async () => {
    const message = await received(
      "marie.martin@editeur.fr",
      "Demande d'accès",
      "<acces-1@editeur.fr>",
      "Bonjour,\nMerci d'autoriser l'accès pour jean.dupont@mail.editeur.fr\nCordialement",
    );
    const handled = await handleAccessRequest(db, {
      message,
      request: { action: "grant", email: "jean.dupont@mail.editeur.fr", newEmail: null },
      policy,
      now,
    });
    expect(handled).toMatchObject({ status: "approved", outcome: "granted" });
    expect(handled.notifications).toEqual([
      {
        template: "access-granted",
        to: ["marie.martin@editeur.fr", "jean.dupont@mail.editeur.fr"],
        inReplyTo: "<acces-1@editeur.fr>",
        facts: {
          email: "jean.dupont@mail.editeur.fr",
          requester: "marie.martin@editeur.fr",
          requestReference: formatAccessRequestNumber(handled.requestId),
          decidedBy: "automatic",
          alreadyAuthorised: false,
        },
      },
    ]);
    expect(await isAuthorised(db, "jean.dupont@mail.editeur.fr")).toBe(true);
    const [event] = await accessHistory(db, "jean.dupont@mail.editeur.fr");
    expect(event).toMatchObject({
      action: "grant",
      requestedBy: "marie.martin@editeur.fr",
      sourceMessageId: "<acces-1@editeur.fr>",
      decidedBy: "rule:same-organisation",
      accessRequestId: handled.requestId,
      at: now,
    });
    expect(await listPendingRequests(db)).toEqual([]);
  });

  it("tells only the requester when the address was already authorised", async () => {
    await grantAccess(db, "jean@editeur.fr", { decidedBy: "operator:alice", now });
    const message = await received(
      "marie@editeur.fr",
      "Accès",
      "<acces-2@editeur.fr>",
      "Merci d'autoriser jean@editeur.fr",
    );
    const handled = await handleAccessRequest(db, {
      message,
      request: { action: "grant", email: "jean@editeur.fr", newEmail: null },
      policy,
      now,
    });
    expect(handled).toMatchObject({ status: "approved", outcome: "already-authorised" });
    expect(handled.notifications.map((n) => [n.template, n.to])).toEqual([
      ["access-granted", ["marie@editeur.fr"]],
    ]);
  });

  it("replaces an address in one go and tells the requester, the old and the new address", async () => {
    await grantAccess(db, "j.dupont@editeur.fr", { decidedBy: "operator:alice", now });
    const message = await received(
      "marie@editeur.fr",
      "Modification de mail",
      "<acces-3@editeur.fr>",
      "Merci de remplacer j.dupont@editeur.fr par jean.dupont@editeur.fr",
    );
    const handled = await handleAccessRequest(db, {
      message,
      request: { action: "change", email: "j.dupont@editeur.fr", newEmail: "jean.dupont@editeur.fr" },
      policy,
      now,
    });
    expect(handled).toMatchObject({ status: "approved", outcome: "changed" });
    expect(handled.notifications[0]).toMatchObject({
      template: "access-changed",
      to: ["marie@editeur.fr", "j.dupont@editeur.fr", "jean.dupont@editeur.fr"],
      facts: {
        email: "j.dupont@editeur.fr",
        newEmail: "jean.dupont@editeur.fr",
        requester: "marie@editeur.fr",
      },
    });
  });

  it("keeps a free-mail request pending, opens an access-review ticket and tells the requester its number", async () => {
    const message = await received(
      "jean.dupont@gmail.com",
      "Demande d'accès au service",
      "<CAF=gmail-1@mail.gmail.com>",
      "Bonjour, je travaille chez Éditeur SA, merci d'autoriser jean.dupont@gmail.com",
    );
    const handled = await handleAccessRequest(db, {
      message,
      request: { action: "grant", email: "jean.dupont@gmail.com", newEmail: null },
      policy,
      now,
    });
    if (handled.status !== "pending") throw new Error("expected pending");
    expect(handled.reason).toBe("free-mail");
    expect(handled.ticket.number).toMatch(/^T-\d{6}$/);
    expect(handled.notifications).toEqual([
      {
        template: "access-pending",
        to: ["jean.dupont@gmail.com"],
        inReplyTo: "<CAF=gmail-1@mail.gmail.com>",
        facts: {
          email: "jean.dupont@gmail.com",
          requester: "jean.dupont@gmail.com",
          requestReference: formatAccessRequestNumber(handled.requestId),
          ticketNumber: handled.ticket.number,
          action: "grant",
          newEmail: null,
          reason: "free-mail",
        },
      },
    ]);
    expect(await isAuthorised(db, "jean.dupont@gmail.com")).toBe(false);
    expect(await listPendingRequests(db)).toMatchObject([{ id: handled.requestId, reason: "free-mail" }]);
    const ticket = await getTicket(db, handled.ticket.id);
    expect(ticket).toMatchObject({
      category: "access-review",
      status: "open",
      sender: "jean.dupont@gmail.com",
    });
    expect(ticket.accessRequests).toMatchObject([{ id: handled.requestId, status: "pending" }]);
  });

  it("never answers an unauthenticated request, but keeps it for support", async () => {
    const message = await received(
      "dsi@editeur.fr",
      "Accès",
      "<forge-1@attaquant.example>",
      "Merci d'autoriser pirate@editeur.fr",
      false,
    );
    const handled = await handleAccessRequest(db, {
      message,
      request: { action: "grant", email: "pirate@editeur.fr", newEmail: null },
      policy,
      now,
    });
    expect(handled).toMatchObject({ status: "pending", reason: "unauthenticated", notifications: [] });
    expect(await isAuthorised(db, "pirate@editeur.fr")).toBe(false);
  });
});

describe("a change with one side already as asked", () => {
  async function change(oldEmail: string, newEmail: string, n: number) {
    const message = await received(
      "marie@editeur.fr",
      "Changement",
      `<change-${n}@editeur.fr>`,
      `Merci de remplacer ${oldEmail} par ${newEmail}`,
    );
    return handleAccessRequest(db, {
      message,
      request: { action: "change", email: oldEmail, newEmail },
      policy,
      now,
    });
  }

  it("says nothing changed, to the requester only, when the new address was authorised and the old never was", async () => {
    await grantAccess(db, "j.new@editeur.fr", { decidedBy: "operator:alice", now });
    const handled = await change("j.old@editeur.fr", "j.new@editeur.fr", 1);
    expect(handled).toMatchObject({ status: "approved", outcome: "unchanged" });
    expect(handled.notifications).toMatchObject([
      {
        template: "access-changed",
        to: ["marie@editeur.fr"],
        facts: {
          email: "j.old@editeur.fr",
          newEmail: "j.new@editeur.fr",
          oldWasAuthorised: false,
          newWasAuthorised: true,
        },
      },
    ]);
  });

  it("grants the new address without telling an old one that never had access that it lost it", async () => {
    const handled = await change("a.b@editeur.fr", "c.d@editeur.fr", 2);
    expect(handled).toMatchObject({ status: "approved", outcome: "changed" });
    expect(handled.notifications).toMatchObject([
      {
        to: ["marie@editeur.fr", "c.d@editeur.fr"],
        facts: { oldWasAuthorised: false, newWasAuthorised: false },
      },
    ]);
    expect(await isAuthorised(db, "c.d@editeur.fr")).toBe(true);
  });

  it("revokes the old address and tells it, leaving the new one, already authorised, out", async () => {
    await grantAccess(db, "old@editeur.fr", { decidedBy: "operator:alice", now });
    await grantAccess(db, "new@editeur.fr", { decidedBy: "operator:alice", now });
    const handled = await change("old@editeur.fr", "new@editeur.fr", 3);
    expect(handled.notifications).toMatchObject([
      {
        to: ["marie@editeur.fr", "old@editeur.fr"],
        facts: { oldWasAuthorised: true, newWasAuthorised: true },
      },
    ]);
    expect(await isAuthorised(db, "old@editeur.fr")).toBe(false);
  });

  it("takes one address named as old and new for itself, never as a loss of access", async () => {
    await grantAccess(db, "same@editeur.fr", { decidedBy: "operator:alice", now });
    const handled = await change("same@editeur.fr", "same@editeur.fr", 4);
    expect(handled.notifications).toMatchObject([
      { to: ["marie@editeur.fr"], facts: { oldWasAuthorised: true, newWasAuthorised: true } },
    ]);
    expect(await isAuthorised(db, "same@editeur.fr")).toBe(true);
  });
});

describe("support decisions on pending requests", () => {
  async function pendingFromGmail() {
    const message = await received(
      "jean.dupont@gmail.com",
      "Accès",
      "<gmail-2@mail.gmail.com>",
      "Merci d'autoriser jean.dupont@editeur.fr",
    );
    const handled = await handleAccessRequest(db, {
      message,
      request: { action: "grant", email: "jean.dupont@editeur.fr", newEmail: null },
      policy,
      now,
    });
    if (handled.status !== "pending") throw new Error("expected pending");
    return handled;
  }

  it("approves: applies it, records who, closes the ticket, notifies inside the transaction", async () => {
    const pending = await pendingFromGmail();
    const sent: Notification[][] = [];
    const approved = await approveAccessRequest(db, pending.requestId, {
      decidedBy: "support:claire",
      now: later,
      notify: async (tx, notifications) => {
        // The decision is visible to the notifier: it runs in the same transaction.
        expect(await tx.accessRequest.count({ where: { status: "approved" } })).toBe(1);
        sent.push(notifications);
      },
    });
    expect(approved.request).toMatchObject({
      status: "approved",
      decidedBy: "support:claire",
      decidedAt: later,
    });
    expect(approved.outcome).toBe("granted");
    expect(sent).toEqual([approved.notifications]);
    expect(approved.notifications).toMatchObject([
      {
        template: "access-granted",
        to: ["jean.dupont@gmail.com", "jean.dupont@editeur.fr"],
        inReplyTo: "<gmail-2@mail.gmail.com>",
        facts: { decidedBy: "support", alreadyAuthorised: false, requester: "jean.dupont@gmail.com" },
      },
    ]);
    expect(await accessHistory(db, "jean.dupont@editeur.fr")).toMatchObject([
      {
        action: "grant",
        requestedBy: "jean.dupont@gmail.com",
        decidedBy: "support:claire",
        sourceMessageId: "<gmail-2@mail.gmail.com>",
      },
    ]);
    expect(await getTicket(db, pending.ticket.id)).toMatchObject({ status: "closed", closedAt: later });
  });

  it("leaves nothing applied when the notifier fails", async () => {
    const pending = await pendingFromGmail();
    await expect(
      approveAccessRequest(db, pending.requestId, {
        decidedBy: "support:claire",
        now: later,
        notify: async () => {
          throw new Error("outbox unavailable");
        },
      }),
    ).rejects.toThrow(/outbox unavailable/);
    expect(await isAuthorised(db, "jean.dupont@editeur.fr")).toBe(false);
    expect(await listPendingRequests(db)).toHaveLength(1);
  });

  it("denies with a reason, records it and tells the requester why", async () => {
    const pending = await pendingFromGmail();
    const denied = await denyAccessRequest(db, pending.requestId, {
      decidedBy: "support:claire",
      reason: "adresse personnelle : merci d'écrire depuis l'adresse de votre société",
      now: later,
    });
    expect(denied.request).toMatchObject({ status: "denied", decidedBy: "support:claire" });
    expect(denied.notifications).toEqual([
      {
        template: "access-refused",
        to: ["jean.dupont@gmail.com"],
        inReplyTo: "<gmail-2@mail.gmail.com>",
        facts: {
          email: "jean.dupont@editeur.fr",
          requester: "jean.dupont@gmail.com",
          requestReference: formatAccessRequestNumber(pending.requestId),
          decidedBy: "support",
          action: "grant",
          newEmail: null,
          reason: "support-decision",
          note: "adresse personnelle : merci d'écrire depuis l'adresse de votre société",
        },
      },
    ]);
    expect(await accessHistory(db, "jean.dupont@editeur.fr")).toMatchObject([
      { action: "deny", decidedBy: "support:claire", accessRequestId: pending.requestId },
    ]);
    expect(await isAuthorised(db, "jean.dupont@editeur.fr")).toBe(false);
  });

  it("refuses to decide a request twice, or one that does not exist", async () => {
    const pending = await pendingFromGmail();
    await approveAccessRequest(db, pending.requestId, { decidedBy: "support:claire", now: later });
    await expect(
      denyAccessRequest(db, pending.requestId, { decidedBy: "support:paul", reason: "non", now: later }),
    ).rejects.toThrow(/déjà approuvée par support:claire/);
    await expect(approveAccessRequest(db, 999, { decidedBy: "support:claire", now: later })).rejects.toThrow(
      /introuvable/,
    );
  });

  it("names the request A-000017 in its errors and in the ticket's closing note", async () => {
    const pending = await pendingFromGmail();
    const number = formatAccessRequestNumber(pending.requestId);
    await approveAccessRequest(db, pending.requestId, { decidedBy: "support:claire", now: later });
    expect((await getTicket(db, pending.ticket.id)).closeNote).toBe(
      `demande d'accès ${number} approuvée par support:claire`,
    );
    await expect(
      approveAccessRequest(db, pending.requestId, { decidedBy: "support:paul", now: later }),
    ).rejects.toThrow(
      `demande d'accès ${number} déjà approuvée par support:claire le ${later.toISOString()}`,
    );
    await expect(approveAccessRequest(db, 999, { decidedBy: "support:claire", now: later })).rejects.toThrow(
      "demande d'accès A-000999 introuvable",
    );
    const denied = await pendingFromGmail();
    await denyAccessRequest(db, denied.requestId, { decidedBy: "support:paul", reason: "non", now: later });
    expect((await getTicket(db, denied.ticket.id)).closeNote).toBe(
      `demande d'accès ${formatAccessRequestNumber(denied.requestId)} refusée par support:paul : non`,
    );
  });

  it("keeps why a refused request needed review in its audit event, support's reason on the request", async () => {
    const pending = await pendingFromGmail();
    const denied = await denyAccessRequest(db, pending.requestId, {
      decidedBy: "support:paul",
      reason: "adresse personnelle",
      now: later,
    });
    expect(denied.request).toMatchObject({
      status: "denied",
      reason: "adresse personnelle",
      decidedAt: later,
    });
    const [event] = await accessHistory(db, "jean.dupont@editeur.fr");
    expect(JSON.parse(event!.detail!)).toEqual({ reviewReason: "free-mail", reason: "adresse personnelle" });
  });

  it("hands the confirmations over with the request's received message", async () => {
    const pending = await pendingFromGmail();
    const inbound = await db.accessRequest.findUniqueOrThrow({ where: { id: pending.requestId } });
    const answering: { inboundMessageId: number | null }[] = [];
    await denyAccessRequest(db, pending.requestId, {
      decidedBy: "support:paul",
      reason: "non",
      now: later,
      notify: async (_tx, _notifications, source) => {
        answering.push(source);
      },
    });
    expect(answering).toEqual([{ inboundMessageId: inbound.inboundMessageId }]);
    expect(inbound.inboundMessageId).not.toBeNull();
  });

  it("requires a reason to deny", async () => {
    const pending = await pendingFromGmail();
    await expect(
      denyAccessRequest(db, pending.requestId, { decidedBy: "support:claire", reason: "  ", now: later }),
    ).rejects.toThrow(/motivé/);
  });

  it("sends no refusal to an unauthenticated sender", async () => {
    const message = await received(
      "dsi@editeur.fr",
      "Accès",
      "<forge-2@x.example>",
      "autoriser a@editeur.fr",
      false,
    );
    const handled = await handleAccessRequest(db, {
      message,
      request: { action: "grant", email: "a@editeur.fr", newEmail: null },
      policy,
      now,
    });
    const denied = await denyAccessRequest(db, handled.requestId, {
      decidedBy: "support:claire",
      reason: "non authentifiée",
      now: later,
    });
    expect(denied.notifications).toEqual([]);
  });
});

describe("access request numbers", () => {
  it("are shown as A-000017 and read back as support types them", () => {
    expect(formatAccessRequestNumber(17)).toBe("A-000017");
    expect(parseAccessRequestNumber("A-000017")).toBe(17);
    expect(parseAccessRequestNumber("a-17")).toBe(17);
    expect(parseAccessRequestNumber("n°17")).toBe(17);
    expect(parseAccessRequestNumber("17")).toBe(17);
    expect(parseAccessRequestNumber("T-000017")).toBeNull();
  });
});
