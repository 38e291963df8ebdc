import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleAccessRequest } from "../../src/access/requests.ts";
import { grantAccess } from "../../src/access/store.ts";
import { templateDataOf } from "../../src/notifications/notification.ts";
import { createRenderer, type Renderer } from "../../src/render/renderer.ts";
import { contactMessage, insertInbound } from "../helpers/contact.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { defaultPolicy } from "../helpers/intake.ts";

// The access-changed email says what the change did: README, "nothing to change … same
// templates, saying so".

const policy = defaultPolicy();
const addresses = { contactAddress: "contact@example.test", submissionAddress: "calcul@example.test" };
const now = new Date("2026-11-20T10:00:00Z");

let test: Awaited<ReturnType<typeof createTestDatabase>>;
let renderer: Renderer;
let n = 0;

beforeAll(async () => {
  test = await createTestDatabase();
  renderer = await createRenderer();
});
afterAll(() => test.close());

/** Claire asks to replace `oldEmail` by `newEmail`; the text of each email sent, by recipient. */
async function changeEmails(oldEmail: string, newEmail: string): Promise<Map<string, string>> {
  n++;
  const sender = "claire.petit@editeur-ris.fr";
  const messageId = `<change-${n}@editeur-ris.fr>`;
  const inboundMessageId = await insertInbound(test.db, { messageId, from: sender, subject: "Changement" });
  const handled = await handleAccessRequest(test.db, {
    message: contactMessage({ sender, messageId, inboundMessageId, text: "remplacer" }),
    request: { action: "change", email: oldEmail, newEmail },
    policy,
    now,
  });
  const emails = new Map<string, string>();
  for (const notification of handled.notifications) {
    const { text, subject } = renderer.render(notification.template, templateDataOf(notification, addresses));
    for (const to of notification.to) emails.set(to, `${subject}\n${text}`);
  }
  return emails;
}

describe("the access-changed email", () => {
  it("says nothing changed when the new address was already authorised and the old one never was", async () => {
    await grantAccess(test.db, "j.new@editeur-ris.fr", { decidedBy: "operator:alice", now });
    const emails = await changeEmails("j.old@editeur-ris.fr", "j.new@editeur-ris.fr");
    expect([...emails.keys()]).toEqual(["claire.petit@editeur-ris.fr"]);
    const text = emails.get("claire.petit@editeur-ris.fr")!;
    expect(text).toContain(
      "L'adresse j.new@editeur-ris.fr était déjà autorisée à demander des calculs de tranche de financement, et j.old@editeur-ris.fr ne l'était pas : rien n'a changé.",
    );
    expect(text).not.toContain("passe de");
    expect(text).toMatch(/^Ségur Numérique - Imagerie - Adresse d'accès au service inchangée\n/);
    expect(text).not.toContain("ne l'est plus");
  });

  it("says the old address was not authorised when only the new one is granted, and spares the old one", async () => {
    const emails = await changeEmails("a.b@editeur-ris.fr", "c.d@editeur-ris.fr");
    expect([...emails.keys()]).toEqual(["claire.petit@editeur-ris.fr", "c.d@editeur-ris.fr"]);
    const text = emails.get("c.d@editeur-ris.fr")!;
    expect(text).toContain(
      "L'adresse c.d@editeur-ris.fr est désormais autorisée à demander des calculs de tranche de financement. L'adresse a.b@editeur-ris.fr n'était pas autorisée : aucun accès ne lui a été retiré.",
    );
    expect(text).not.toContain("ne l'est plus");
  });

  it("tells the old address it lost access when the new one already had it", async () => {
    await grantAccess(test.db, "m.old@editeur-ris.fr", { decidedBy: "operator:alice", now });
    await grantAccess(test.db, "m.new@editeur-ris.fr", { decidedBy: "operator:alice", now });
    const emails = await changeEmails("m.old@editeur-ris.fr", "m.new@editeur-ris.fr");
    expect([...emails.keys()]).toEqual(["claire.petit@editeur-ris.fr", "m.old@editeur-ris.fr"]);
    expect(emails.get("m.old@editeur-ris.fr")).toContain(
      "L'adresse m.old@editeur-ris.fr n'est plus autorisée à demander des calculs de tranche de financement. L'adresse m.new@editeur-ris.fr l'était déjà et le reste.",
    );
  });

  it("still describes a full move from an authorised address to a new one, to all three", async () => {
    await grantAccess(test.db, "p.old@editeur-ris.fr", { decidedBy: "operator:alice", now });
    const emails = await changeEmails("p.old@editeur-ris.fr", "p.new@editeur-ris.fr");
    expect([...emails.keys()]).toEqual([
      "claire.petit@editeur-ris.fr",
      "p.old@editeur-ris.fr",
      "p.new@editeur-ris.fr",
    ]);
    expect(emails.get("p.old@editeur-ris.fr")).toContain(
      "L'accès au service passe de p.old@editeur-ris.fr à p.new@editeur-ris.fr : p.new@editeur-ris.fr est désormais autorisée à demander des calculs, p.old@editeur-ris.fr ne l'est plus.",
    );
  });
});
