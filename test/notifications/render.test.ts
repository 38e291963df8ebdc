import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveAccessRequest, denyAccessRequest, handleAccessRequest } from "../../src/access/requests.ts";
import { grantAccess } from "../../src/access/store.ts";
import { recordCalculation } from "../../src/calculations/store.ts";
import type { AccessRequest } from "../../src/intake/access-parser.ts";
import { type Notification, templateDataOf } from "../../src/notifications/notification.ts";
import { calculate } from "../../src/reference/calculate.ts";
import { parseTemplateData } from "../../src/render/data-schemas.ts";
import { createRenderer, type Renderer } from "../../src/render/renderer.ts";
import { openOrJoinTicket } from "../../src/support/tickets.ts";
import { contactMessage, insertInbound } from "../helpers/contact.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { importSmallDataset } from "../helpers/datasets.ts";
import { defaultPolicy } from "../helpers/intake.ts";

const policy = defaultPolicy();
const addresses = { contactAddress: "contact@example.test", submissionAddress: "calcul@example.test" };
const now = new Date("2026-11-20T10:00:00Z");

let test: Awaited<ReturnType<typeof createTestDatabase>>;
let renderer: Renderer;
const produced: Notification[] = [];

beforeAll(async () => {
  test = await createTestDatabase();
  renderer = await createRenderer();
  const db = test.db;
  let n = 0;
  const ask = async (sender: string, request: AccessRequest, authenticated = true) => {
    n++;
    const messageId = `<req-${n}@${sender.split("@")[1]}>`;
    const inboundMessageId = await insertInbound(db, { messageId, from: sender, subject: "Accès" });
    const handled = await handleAccessRequest(db, {
      message: contactMessage({
        sender,
        messageId,
        inboundMessageId,
        authenticated,
        subject: "Accès au service",
      }),
      request,
      policy,
      now,
    });
    produced.push(...handled.notifications);
    return handled;
  };
  await grantAccess(db, "ancien@editeur.fr", { decidedBy: "operator:alice", now });
  await ask("marie@editeur.fr", { action: "grant", email: "jean@editeur.fr", newEmail: null });
  await ask("marie@editeur.fr", { action: "grant", email: "jean@editeur.fr", newEmail: null });
  await ask("marie@editeur.fr", {
    action: "change",
    email: "ancien@editeur.fr",
    newEmail: "nouveau@editeur.fr",
  });
  await ask("marie@editeur.fr", { action: "revoke", email: "parti@editeur.fr", newEmail: null });
  const approve = await ask("jean@gmail.com", { action: "grant", email: "jean@editeur.fr", newEmail: null });
  const deny = await ask("paul@gmail.com", { action: "grant", email: "paul@editeur.fr", newEmail: null });
  produced.push(
    ...(await approveAccessRequest(db, approve.requestId, { decidedBy: "support:claire", now }))
      .notifications,
  );
  produced.push(
    ...(
      await denyAccessRequest(db, deny.requestId, {
        decidedBy: "support:claire",
        reason: "adresse personnelle",
        now,
      })
    ).notifications,
  );

  const datasetId = await importSmallDataset(db, test.dir, "SAE 2023", {
    finess: [["920000650", "CH de Nanterre", 14_000, 0]],
    am: [["751234567", "radiologie", 900]],
  });
  const request = {
    activity: "radiologie" as const,
    finessRadio: ["920000650"],
    amRadio: [],
    finessMn: [],
    amMn: [],
  };
  const { result } = await calculate(db, request, { nuclearCoefficient: 5 });
  await recordCalculation(
    db,
    {
      request,
      activityInferred: false,
      result,
      datasetId,
      sender: "marie@editeur.fr",
      recipient: "marie@editeur.fr",
      reference: "CH de Nanterre",
      inboundMessageId: null,
      resultMessageId: "<result-1@example.test>",
    },
    now,
  );
  const ticket = await openOrJoinTicket(
    db,
    {
      ...contactMessage({
        sender: "marie@editeur.fr",
        subject: "RE: Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations",
        messageId: "<d1@editeur.fr>",
        inReplyTo: "<result-1@example.test>",
      }),
      category: "dispute",
    },
    now,
  );
  if (ticket.notification) produced.push(ticket.notification);
});
afterAll(() => test.close());

describe("notifications meet the render stage's templates", () => {
  it("produces every kind of notification the stores can ask for", () => {
    expect(new Set(produced.map((n) => n.template))).toEqual(
      new Set([
        "access-granted",
        "access-changed",
        "access-revoked",
        "access-pending",
        "access-refused",
        "ticket-ack",
      ]),
    );
  });

  it("gives each template exactly the data its shape requires", () => {
    for (const n of produced) {
      const parsed = parseTemplateData(n.template, templateDataOf(n, addresses));
      expect(parsed, `${n.template} to ${n.to.join(", ")}`).toMatchObject({ ok: true });
    }
  });

  it("renders each one with its facts in the text", () => {
    for (const n of produced) {
      const email = renderer.render(n.template, templateDataOf(n, addresses));
      const key = n.template === "ticket-ack" ? n.facts.ticketNumber : n.facts.email;
      expect(email.text, n.template).toContain(key);
    }
  });
});
