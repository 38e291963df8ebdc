import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleAccessRequest } from "../../src/access/requests.ts";
import { readInbound } from "../../src/intake/intake.ts";
import { summariseIntake } from "../../src/intake/summary.ts";
import { runTranche } from "../helpers/cli.ts";
import { contactMessage, insertInbound, rawEmail } from "../helpers/contact.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { authenticatedHeaders, defaultPolicy, intakeContext } from "../helpers/intake.ts";

const policy = defaultPolicy();
let test: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  test = await createTestDatabase();
  for (const [n, sender, email] of [
    [1, "jean.dupont@gmail.com", "jean.dupont@editeur.fr"],
    [2, "inconnu@hotmail.fr", "inconnu@editeur.fr"],
  ] as const) {
    const messageId = `<gmail-${n}@mail.gmail.com>`;
    const inboundMessageId = await insertInbound(test.db, { messageId, from: sender, subject: "Accès" });
    await handleAccessRequest(test.db, {
      message: contactMessage({ sender, messageId, inboundMessageId, text: `Merci d'autoriser ${email}` }),
      request: { action: "grant", email, newEmail: null },
      policy,
      now: new Date("2026-11-20T10:00:00Z"),
    });
  }
});
afterAll(() => test.close());

/** `tranche …` run in the background, to run two at once. */
function trancheAsync(args: string[], env: Record<string, string>) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["bin/tranche.js", ...args], {
      env: { ...process.env, TRANCHE_LOG_LEVEL: "silent", DATABASE_URL: test.url, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * A contact@ access request read and handled as the daemon does (its summary stored with it), kept
 * pending; `inReplyTo` threads it to an earlier message.
 */
async function receiveAccessRequest(
  n: string,
  sender: string,
  text: string,
  thread: { name?: string; subject?: string; inReplyTo?: string } = {},
) {
  const messageId = `<gmail-${n}@mail.gmail.com>`;
  const subject = thread.subject ?? "Demande d'accès";
  const raw = rawEmail(`${thread.name ?? "Jean Dupont"} <${sender}>`, subject, messageId, text);
  const headers = [
    `Authentication-Results: ${authenticatedHeaders(sender)["Authentication-Results"]}`,
    ...(thread.inReplyTo ? [`In-Reply-To: ${thread.inReplyTo}`, `References: ${thread.inReplyTo}`] : []),
  ];
  const intake = await readInbound(
    Buffer.from(`${headers.join("\r\n")}\r\n${raw}`),
    intakeContext({}, "contact"),
  );
  if (intake.kind !== "access" || intake.access?.status !== "request") throw new Error("expected a request");
  const inboundMessageId = await insertInbound(test.db, { messageId, from: sender, subject });
  // As the daemon stores it once the message is processed.
  await test.db.inboundMessage.update({
    where: { id: inboundMessageId },
    data: { summary: JSON.stringify(summariseIntake(intake, "access-pending")) },
  });
  const handled = await handleAccessRequest(test.db, {
    message: contactMessage({
      sender,
      subject,
      messageId,
      inReplyTo: intake.inReplyTo,
      references: intake.references,
      inboundMessageId,
      text: intake.ownText,
    }),
    request: intake.access.request,
    policy,
    now: new Date("2026-11-20T10:00:00Z"),
  });
  if (handled.status !== "pending") throw new Error("expected pending");
  return { ...handled, messageId };
}

const requestNumber = (id: number) => `A-${String(id).padStart(6, "0")}`;

/** `tranche …` against this file's database, as support member "claire". */
function tranche(args: string[], env: Record<string, string> = {}) {
  return runTranche(args, { DATABASE_URL: test.url, TRANCHE_OPERATOR: "claire", ...env });
}

describe("tranche access (operators and support)", { timeout: 120_000 }, () => {
  it("lists pending requests, approves one and queues its confirmations in the outbox", async () => {
    const pending = tranche(["access", "pending"]);
    expect(pending.stdout).toMatch(
      /A-000001\t.*autorisation jean\.dupont@editeur\.fr\tdemandée par jean\.dupont@gmail\.com\t\(messagerie grand public\)/,
    );
    expect(pending.stdout).toMatch(/A-000002\t/);

    const approved = tranche(["access", "approve", "A-000001"]);
    expect(approved).toMatchObject({ status: 0, stderr: "" });
    expect(approved.stdout).toContain(
      "En file d'envoi : courriel access-granted à jean.dupont@gmail.com, jean.dupont@editeur.fr : jean.dupont@editeur.fr est autorisée",
    );
    expect(approved.stdout).toContain("Demande A-000001 approuvée : l'adresse est autorisée.");
    const queued = await test.db.outboxMessage.findMany({
      orderBy: { id: "asc" },
      include: { content: true },
    });
    expect(queued.map((m) => [m.kind, m.recipients, m.status])).toEqual([
      ["access-granted", "jean.dupont@gmail.com", "pending"],
      ["access-granted", "jean.dupont@editeur.fr", "pending"],
    ]);
    const raw = Buffer.from(queued[0]!.content!.raw).toString();
    expect(raw).toMatch(/^In-Reply-To: <gmail-1@mail\.gmail\.com>$/m);
    expect(raw).toMatch(/^Auto-Submitted: auto-replied$/m);

    const again = tranche(["access", "approve", "A-000001"]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/déjà approuvée par support:claire/);
  });

  it("denies with a reason, and refuses a denial without one", async () => {
    const missing = tranche(["access", "deny", "2"]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain("--reason");
    const denied = tranche(["access", "deny", "2", "--reason", "adresse personnelle"]);
    expect(denied.stdout).toContain("courriel access-refused à inconnu@hotmail.fr");
    expect(denied.stdout).toContain("Demande A-000002 refusée : adresse personnelle");
    expect(tranche(["access", "pending"]).stdout).toContain("Aucune demande d'accès en attente.");
  });

  it("records operators' grants and revocations and shows the history of an address", async () => {
    tranche(["access", "grant", "paul@editeur.fr"]);
    tranche(["access", "grant", "paul@editeur.fr"]);
    const revoked = tranche(["access", "revoke", "paul@editeur.fr"]);
    expect(revoked.stdout).toContain("paul@editeur.fr n'est plus autorisée.");
    const history = tranche(["access", "history", "paul@editeur.fr"]);
    const lines = history.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /\tautorisation\tpaul@editeur\.fr\tdemandé par operator:claire\tdécidé par operator:claire$/,
    );
    expect(lines[1]).toMatch(/\tsans effet\tpaul@editeur\.fr\t.*\tdéjà autorisée$/);
    expect(lines[2]).toMatch(/\tsuppression\tpaul@editeur\.fr\t/);

    const all = tranche(["access", "history"]);
    expect(all.stdout).toMatch(
      /autorisation\tjean\.dupont@editeur\.fr\tdemandé par jean\.dupont@gmail\.com\tdécidé par support:claire demande A-000001 message <gmail-1@mail\.gmail\.com>/,
    );
    expect(all.stdout).toMatch(/refus\tinconnu@editeur\.fr\t.*motif : adresse personnelle/);
  });

  it("tells the loser of two simultaneous approvals that the request is already approved, by whom", async () => {
    const messageId = "<gmail-3@mail.gmail.com>";
    const sender = "marc@gmail.com";
    const inboundMessageId = await insertInbound(test.db, { messageId, from: sender, subject: "Accès" });
    const handled = await handleAccessRequest(test.db, {
      message: contactMessage({
        sender,
        messageId,
        inboundMessageId,
        text: "Merci d'autoriser marc@autre.fr",
      }),
      request: { action: "grant", email: "marc@autre.fr", newEmail: null },
      policy,
      now: new Date("2026-11-20T10:00:00Z"),
    });
    const number = `A-${String(handled.requestId).padStart(6, "0")}`;
    // Bundle fresh first, so that both start together.
    tranche(["access", "pending"]);
    const runs = await Promise.all(
      ["alice", "bob"].map((operator) =>
        trancheAsync(["access", "approve", number], { TRANCHE_OPERATOR: operator }),
      ),
    );
    const won = runs.filter((r) => r.status === 0);
    const lost = runs.filter((r) => r.status !== 0);
    expect(won, JSON.stringify(runs)).toHaveLength(1);
    expect(won[0]!.stdout).toContain(`Demande ${number} approuvée : l'adresse est autorisée.`);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.status).toBe(1);
    expect(lost[0]!.stderr).toMatch(
      new RegExp(`^tranche : demande d'accès ${number} déjà approuvée par support:(alice|bob) le \\S+\n$`),
    );
    // Applied once: one audit event, one confirmation per recipient.
    const events = await test.db.accessEvent.count({ where: { accessRequestId: handled.requestId } });
    expect(events).toBe(1);
    expect(await test.db.outboxMessage.count({ where: { inboundMessageId, kind: "access-granted" } })).toBe(
      2,
    );
  });

  it("leaves open, as a question, the ticket of a request kept pending whose message also asks a question", async () => {
    // Approving or denying closed the access-review ticket: the question written beside the
    // request lived only there, and nobody was left to answer it.
    const question = await receiveAccessRequest(
      "q1",
      "paul.martin@gmail.com",
      "Bonjour,\n\nMerci d'autoriser l'accès au service pour mon adresse paul.martin@gmail.com.\n\nPar ailleurs, quand les résultats des calculs de mars seront-ils disponibles ?\n\nCordialement,\nPaul Martin\nRadiologie Conseil",
    );
    const plain = await receiveAccessRequest(
      "q2",
      "lucie.bernard@gmail.com",
      "Bonjour,\n\nMerci d'autoriser l'accès pour lucie.bernard@gmail.com.\nPouvez-vous me confirmer la prise en compte ?\n\nBonne journée,\nLucie Bernard\n\nEnvoyé de mon iPhone",
    );
    const ticketNumber = `T-${String(question.ticket.id).padStart(6, "0")}`;

    const approved = tranche(["access", "approve", requestNumber(question.requestId)]);
    expect(approved).toMatchObject({ status: 0, stderr: "" });
    expect(approved.stdout).toContain(`Ticket ${ticketNumber} laissé ouvert (question)`);
    expect(await test.db.ticket.findUniqueOrThrow({ where: { id: question.ticket.id } })).toMatchObject({
      status: "open",
      category: "question",
    });

    // A courtesy beside the request asks nothing: its ticket closes with the decision.
    const denied = tranche([
      "access",
      "deny",
      requestNumber(plain.requestId),
      "--reason",
      "adresse personnelle",
    ]);
    expect(denied.stdout).not.toContain("laissé ouvert");
    expect(await test.db.ticket.findUniqueOrThrow({ where: { id: plain.ticket.id } })).toMatchObject({
      status: "closed",
      category: "access-review",
    });
  });

  it("keeps a ticket open while a second request threaded to the first is pending, and closes it with the last", async () => {
    // Approving the first closed the ticket: the second, still pending, was out of support's sight.
    const claire = { name: "Claire Petit", subject: "Accès pour notre prestataire" };
    const first = await receiveAccessRequest(
      "p1",
      "claire.petit@editeur-ris.fr",
      "Bonjour,\n\nMerci d'autoriser l'accès au service pour marc.leroy@prestataire-imagerie.fr, qui déploie notre RIS chez nos clients.\n\nCordialement,\nClaire Petit\nEditeur RIS",
      claire,
    );
    const second = await receiveAccessRequest(
      "p2",
      "claire.petit@editeur-ris.fr",
      "Bonjour,\n\nMerci d'autoriser également l'accès pour sophie.garnier@prestataire-imagerie.fr, sa collègue.\n\nClaire\n\nLe 20/11/2026 à 10:00, Claire Petit a écrit :\n> Merci d'autoriser l'accès au service pour marc.leroy@prestataire-imagerie.fr",
      { ...claire, subject: `RE: ${claire.subject}`, inReplyTo: first.messageId },
    );
    expect(second.ticket.id).toBe(first.ticket.id);
    const ticketNumber = first.ticket.number;

    const approved = tranche(["access", "approve", requestNumber(first.requestId)]);
    expect(approved).toMatchObject({ status: 0, stderr: "" });
    expect(approved.stdout).toContain(
      `Ticket ${ticketNumber} laissé ouvert (access-review) : la demande ${requestNumber(second.requestId)} est encore en attente.`,
    );
    expect(await test.db.ticket.findUniqueOrThrow({ where: { id: first.ticket.id } })).toMatchObject({
      status: "open",
      category: "access-review",
    });
    expect(tranche(["tickets", "list", "--status", "open"]).stdout).toContain(ticketNumber);

    const denied = tranche([
      "access",
      "deny",
      requestNumber(second.requestId),
      "--reason",
      "prestataire inconnu",
    ]);
    expect(denied).toMatchObject({ status: 0, stderr: "" });
    expect(denied.stdout).not.toContain("laissé ouvert");
    expect(await test.db.ticket.findUniqueOrThrow({ where: { id: first.ticket.id } })).toMatchObject({
      status: "closed",
      category: "access-review",
      closeNote: expect.stringContaining(`${requestNumber(second.requestId)} refusée`),
    });
  });

  it("leaves a ticket under review while its second request is pending, then open for the question asked beside the first", async () => {
    const sender = "paul.martin@gmail.com";
    const first = await receiveAccessRequest(
      "m1",
      sender,
      "Bonjour,\n\nMerci d'autoriser l'accès au service pour mon adresse paul.martin@gmail.com.\n\nPar ailleurs, quand les résultats des calculs de mars seront-ils disponibles ?\n\nPaul Martin",
      { name: "Paul Martin" },
    );
    const second = await receiveAccessRequest(
      "m2",
      sender,
      "Bonjour,\n\nJe souhaite obtenir un accès pour mon adresse professionnelle paul.martin@radiologie-conseil.fr.\n\nPaul Martin",
      { name: "Paul Martin", subject: "RE: Demande d'accès", inReplyTo: first.messageId },
    );
    expect(second.ticket.id).toBe(first.ticket.id);

    tranche(["access", "approve", requestNumber(first.requestId)]);
    // Still under review: support finds it among the access reviews, not among the questions.
    expect(await test.db.ticket.findUniqueOrThrow({ where: { id: first.ticket.id } })).toMatchObject({
      status: "open",
      category: "access-review",
    });

    const approved = tranche(["access", "approve", requestNumber(second.requestId)]);
    expect(approved.stdout).toContain(`Ticket ${first.ticket.number} laissé ouvert (question)`);
    expect(await test.db.ticket.findUniqueOrThrow({ where: { id: first.ticket.id } })).toMatchObject({
      status: "open",
      category: "question",
    });
  });
});
