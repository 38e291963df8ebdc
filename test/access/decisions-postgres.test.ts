import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveAccessRequest, denyAccessRequest, handleAccessRequest } from "../../src/access/requests.ts";
import { parseFreeMailList } from "../../src/access/rules.ts";
import { type Db, openDatabase } from "../../src/db/client.ts";
import { contactMessage, insertInbound } from "../helpers/contact.ts";
import { type PostgresServer, startPostgres } from "../servers/postgres.ts";

// On PostgreSQL two support members deciding at once run in concurrent transactions (SQLite takes
// them one after the other): the ticket's row lock is what makes the second see the first decided.

let postgres: PostgresServer;
let db: Db;
const now = new Date("2026-11-20T10:00:00Z");
const policy = { autoApprove: true, freeMail: parseFreeMailList("gmail.com\n") };

beforeAll(async () => {
  postgres = await startPostgres();
  db = await openDatabase(postgres.url);
}, 60_000);
afterAll(async () => {
  await db?.$disconnect();
  await postgres?.stop();
});

let n = 0;
/** Claire, of Editeur RIS, asks access for an address of a service provider: pending, other organisation. */
async function askFor(email: string, inReplyTo: string | null) {
  n++;
  const sender = "claire.petit@editeur-ris.fr";
  const messageId = `<acces-${n}@editeur-ris.fr>`;
  const subject = inReplyTo ? "RE: Accès pour notre prestataire" : "Accès pour notre prestataire";
  const inboundMessageId = await insertInbound(db, { messageId, from: sender, subject });
  const handled = await handleAccessRequest(db, {
    message: contactMessage({
      sender,
      subject,
      messageId,
      inReplyTo,
      references: inReplyTo ? [inReplyTo] : [],
      inboundMessageId,
      text: `Bonjour,\n\nMerci d'autoriser l'accès au service pour ${email}.\n\nClaire Petit\nEditeur RIS`,
    }),
    request: { action: "grant", email, newEmail: null },
    policy,
    now,
  });
  if (handled.status !== "pending") throw new Error(`expected pending, got ${handled.status}`);
  return { ...handled, messageId };
}

describe("access decisions on PostgreSQL", { timeout: 60_000 }, () => {
  it("closes a ticket whose last two requests two support members decide at the same moment", async () => {
    for (let round = 0; round < 5; round++) {
      const first = await askFor(`marc.leroy${round}@prestataire-imagerie.fr`, null);
      const second = await askFor(`sophie.garnier${round}@prestataire-imagerie.fr`, first.messageId);
      expect(second.ticket.id).toBe(first.ticket.id);
      const [approved, denied] = await Promise.all([
        approveAccessRequest(db, first.requestId, { decidedBy: "support:claire", now }),
        denyAccessRequest(db, second.requestId, {
          decidedBy: "support:paul",
          reason: "prestataire inconnu",
          now,
        }),
      ]);
      // One of the two saw the other still pending and left the ticket open; the other closed it.
      expect([approved.ticket?.status, denied.ticket?.status].sort()).toEqual(["closed", "open"]);
      expect(await db.ticket.findUniqueOrThrow({ where: { id: first.ticket.id } })).toMatchObject({
        status: "closed",
      });
    }
  });

  it("applies a request once when two support members approve it at the same moment", async () => {
    const asked = await askFor("lucas.moreau@prestataire-imagerie.fr", null);
    const results = await Promise.allSettled([
      approveAccessRequest(db, asked.requestId, { decidedBy: "support:claire", now }),
      approveAccessRequest(db, asked.requestId, { decidedBy: "support:paul", now }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(String(refused.reason)).toMatch(/déjà approuvée par support:(claire|paul)/);
    expect(await db.accessEvent.count({ where: { email: "lucas.moreau@prestataire-imagerie.fr" } })).toBe(1);
  });
});
