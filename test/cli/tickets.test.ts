import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveAccessRequest, denyAccessRequest, handleAccessRequest } from "../../src/access/requests.ts";
import { parseFreeMailList } from "../../src/access/rules.ts";
import { recordCalculation } from "../../src/calculations/store.ts";
import type { CalculationRequest } from "../../src/engine/types.ts";
import { calculate } from "../../src/reference/calculate.ts";
import { openOrJoinTicket } from "../../src/support/tickets.ts";
import { runTranche } from "../helpers/cli.ts";
import { contactMessage, insertInbound, rawEmail } from "../helpers/contact.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { importSmallDataset } from "../helpers/datasets.ts";

let test: Awaited<ReturnType<typeof createTestDatabase>>;
let publicId: string;
const now = new Date("2026-11-20T10:00:00Z");

beforeAll(async () => {
  test = await createTestDatabase();
  const db = test.db;
  const datasetId = await importSmallDataset(db, test.dir, "SAE 2023", {
    finess: [["920000650", "CH de Nanterre", 14_000, 0]],
    am: [["751234567", "radiologie", 900]],
  });
  const request: CalculationRequest = {
    activity: "radiologie",
    finessRadio: ["920 000 650"],
    amRadio: ["751234567", "123456789"],
    finessMn: [],
    amMn: [],
  };
  const { result } = await calculate(db, request, { nuclearCoefficient: 5 });
  const calc = await recordCalculation(
    db,
    {
      request,
      activityInferred: true,
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
  publicId = calc.publicId;
  const text =
    "Bonjour,\nLa tranche A nous paraît fausse : le CH réalise plus de 15 000 examens.\nMarie Martin";
  const subject = "RE: Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations";
  const inboundMessageId = await insertInbound(db, {
    messageId: "<d1@editeur.fr>",
    from: "marie@editeur.fr",
    subject,
    raw: rawEmail("marie@editeur.fr", subject, "<d1@editeur.fr>", text),
  });
  await openOrJoinTicket(
    db,
    {
      ...contactMessage({
        sender: "marie@editeur.fr",
        subject,
        messageId: "<d1@editeur.fr>",
        inReplyTo: "<result-1@example.test>",
        text,
        inboundMessageId,
      }),
      category: "dispute",
    },
    now,
  );
  await db.outboxMessage.create({
    data: {
      messageId: "<ack-1@example.test>",
      inboundMessageId,
      kind: "ticket-ack",
      envelopeFrom: "no-reply@example.test",
      recipients: "marie@editeur.fr",
      content: { create: { raw: Buffer.from("Subject: Votre demande T-000001") } },
      status: "sent",
      sentAt: new Date("2026-11-20T10:00:05Z"),
    },
  });
  // A subject carrying a terminal escape sequence must not reach support's terminal as such.
  const purgedId = await insertInbound(db, {
    messageId: "<q1@editeur.fr>",
    from: "paul@editeur.fr",
    subject: "Question",
  });
  await openOrJoinTicket(
    db,
    {
      ...contactMessage({
        sender: "paul@editeur.fr",
        subject: `Question ${String.fromCharCode(27)}[2J`,
        inboundMessageId: purgedId,
      }),
      category: "question",
    },
    now,
  );
  await importSmallDataset(db, test.dir, "SAE 2024", {
    finess: [["920000650", "CH de Nanterre", 16_000, 0]],
    am: [["751234567", "radiologie", 900]],
  });
});
afterAll(() => test.close());

/** `tranche …` against this file's database, as support member "claire". */
function tranche(args: string[], env: Record<string, string> = {}) {
  return runTranche(args, { DATABASE_URL: test.url, TRANCHE_OPERATOR: "claire", ...env });
}

describe("tranche tickets (support)", { timeout: 120_000 }, () => {
  it("lists tickets, filtered by category", async () => {
    const all = tranche(["tickets", "list"]);
    expect(all.stdout.trim().split("\n")).toHaveLength(2);
    const disputes = tranche(["tickets", "list", "--category", "dispute", "--status", "open"]);
    expect(disputes.stdout.trim()).toMatch(
      /^T-000001\touvert\tcontestation\t2026-11-20T10:00:00.000Z\tmarie@editeur\.fr\t« RE: Ségur .* »\t1 message\(s\), 1 calcul\(s\)$/,
    );
    const wrong = tranche(["tickets", "list", "--category", "litige"]);
    expect(wrong.status).toBe(2);
  });

  it("shows the message and the disputed calculation with inputs, outputs, reasons and dataset", async () => {
    const shown = tranche(["tickets", "show", "T-000001"]);
    expect(shown.status).toBe(0);
    const out = shown.stdout;
    expect(out).toContain("Ticket T-000001 — contestation — ouvert");
    expect(out).toContain("  | La tranche A nous paraît fausse : le CH réalise plus de 15 000 examens.");
    expect(out).toContain(
      "  Envoyé : ticket-ack à marie@editeur.fr — envoyé le 2026-11-20T10:00:05.000Z (<ack-1@example.test>)",
    );
    expect(out).toContain(`Calcul ${publicId} (réponse au courriel de résultat)`);
    expect(out).toContain("Activité : radiologie (déduite des champs remplis)");
    expect(out).toMatch(/Données de référence : version n°1 « SAE 2023 »/);
    expect(out).toMatch(/No FINESS radiologie +: 920 000 650/);
    expect(out).toMatch(/No AM radiologie +: 123456789 \(inconnu des données de référence\)/);
    expect(out).toContain("Total : 14 900 + 5 × 0 = 14 900 ; tranche A");
    const purged = tranche(["tickets", "show", "2"]);
    expect(purged.stdout).toContain("(contenu purgé après la durée de conservation)");
    expect(purged.stdout).toContain("Objet : Question \ufffd[2J");
    expect(purged.stdout).not.toContain(String.fromCharCode(27));
  });

  it("recomputes on the active dataset and explains the difference, then closes", async () => {
    const recomputed = tranche(["tickets", "recompute", "1"]);
    expect(recomputed.stdout).toContain(`Calcul ${publicId} — référence « CH de Nanterre »`);
    expect(recomputed.stdout).toContain("Données de référence : n°1 « SAE 2023 » → n°2 « SAE 2024 »");
    expect(recomputed.stdout).toContain("Tranche : A → B");
    expect(recomputed.stdout).toContain(
      "- No FINESS radiologie 920000650 : valide → valide ; chiffres modifiés dans les données de référence (14 000 examens de radiologie, 0 de médecine nucléaire → 16 000 examens de radiologie, 0 de médecine nucléaire)",
    );
    const closed = tranche(["tickets", "close", "1", "--note", "Tranche confirmée avec les données 2024"]);
    expect(closed.stdout).toContain("Ticket T-000001 fermé.");
    expect(tranche(["tickets", "list", "--status", "closed"]).stdout).toMatch(/^T-000001\tfermé/);
  });

  it("shows and recomputes a calculation by its identifier, for a dispute that reached support unlinked", async () => {
    const shown = tranche(["calculation", "show", publicId.toLowerCase()]);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain(`Calcul ${publicId} du 2026-11-20T10:00:00.000Z`);
    expect(shown.stdout).toContain("Total : 14 900 + 5 × 0 = 14 900 ; tranche A");
    expect(shown.stdout).toContain("Courriel de résultat : <result-1@example.test>");
    expect(shown.stdout).toContain("Tickets liés : T-000001");
    const recomputed = tranche(["calculation", "recompute", publicId]);
    expect(recomputed.stdout).toContain("Tranche : A → B");
    expect(tranche(["calculation", "show", "TR-2026-999999"])).toMatchObject({ status: 1 });
    const wrong = tranche(["calculation", "show", "T-000001"]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain("identifiant de calcul attendu (TR-2026-000123)");
  });

  it("says an unknown calculation is not found in one line, without a stack trace", () => {
    for (const command of ["show", "recompute"]) {
      const missing = tranche(["calculation", command, "TR-2026-999999"]);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/^tranche : calcul TR-2026-999999 introuvable/);
      expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("shows an access review's requests by their number, with action, status and reason in French", async () => {
    const policy = {
      autoApprove: true,
      freeMail: parseFreeMailList(readFileSync("config/free-mail-domains.txt", "utf8")),
    };
    const ask = async (n: number, email: string) => {
      const messageId = `<acces-${n}@mail.gmail.com>`;
      const sender = "jean.dupont@gmail.com";
      const inboundMessageId = await insertInbound(test.db, { messageId, from: sender, subject: "Accès" });
      const handled = await handleAccessRequest(test.db, {
        message: contactMessage({ sender, subject: "Accès", messageId, inboundMessageId, text: email }),
        request: { action: "grant", email, newEmail: null },
        policy,
        now,
      });
      if (handled.status !== "pending") throw new Error("expected pending");
      return handled;
    };
    const approved = await ask(1, "jean.dupont@editeur.fr");
    await approveAccessRequest(test.db, approved.requestId, { decidedBy: "support:claire", now });
    const shown = tranche(["tickets", "show", approved.ticket.number]);
    expect(shown.stdout).toContain(
      "Demande d'accès A-000001 : autorisation jean.dupont@editeur.fr — approuvée (messagerie grand public)",
    );
    expect(shown.stdout).toContain(": demande d'accès A-000001 approuvée par support:claire");
    const denied = await ask(2, "jean@autre.fr");
    await denyAccessRequest(test.db, denied.requestId, {
      decidedBy: "support:paul",
      reason: "adresse personnelle",
      now,
    });
    expect(tranche(["tickets", "show", denied.ticket.number]).stdout).toMatch(
      /Demande d'accès A-000002 : autorisation jean@autre\.fr — refusée \(motif : adresse personnelle\)/,
    );
  });

  it("refuses to close an access review whose request still waits for a decision, unless told to", async () => {
    const sender = "sophie.bernard@hotmail.fr";
    const messageId = "<acces-attente@hotmail.fr>";
    const inboundMessageId = await insertInbound(test.db, { messageId, from: sender, subject: "Accès" });
    const handled = await handleAccessRequest(test.db, {
      message: contactMessage({
        sender,
        subject: "Demande d'accès",
        messageId,
        inboundMessageId,
        text: "Bonjour, merci d'autoriser l'accès pour sophie.bernard@editeur.fr. Sophie Bernard",
      }),
      request: { action: "grant", email: "sophie.bernard@editeur.fr", newEmail: null },
      policy: { autoApprove: true, freeMail: parseFreeMailList("hotmail.*\n") },
      now,
    });
    if (handled.status !== "pending") throw new Error("expected pending");
    const number = handled.ticket.number;
    const request = `A-${String(handled.requestId).padStart(6, "0")}`;
    const refused = tranche(["tickets", "close", number]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`le ticket ${number} a des demandes d'accès en attente (${request})`);
    expect(refused.stderr).toContain(`tranche access approve ${request}`);
    expect(tranche(["tickets", "show", number]).stdout).toContain("ouvert");
    const forced = tranche(["tickets", "close", number, "--keep-pending", "--note", "traité par téléphone"]);
    expect(forced.stdout).toContain(`Ticket ${number} fermé.`);
    expect(tranche(["access", "pending"]).stdout).toContain(request);
  });

  it("offers only the statuses a ticket can have: open or closed", () => {
    const answered = tranche(["tickets", "list", "--status", "answered"]);
    expect(answered.status).toBe(2);
    expect(answered.stderr).toContain("--status « answered » : open, closed attendu");
    expect(tranche(["tickets", "list", "--help"]).stdout).toContain("filtre : open | closed");
  });
});
