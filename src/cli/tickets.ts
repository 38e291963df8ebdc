import type { Command } from "commander";
import { simpleParser } from "mailparser";
import { formatAccessRequestNumber } from "../access/requests.ts";
import { TICKET_CATEGORIES } from "../support/category.ts";
import {
  closeTicket,
  formatTicketNumber,
  getTicket,
  listTickets,
  PendingAccessRequestsError,
  parseTicketNumber,
  recomputeTicket,
} from "../support/tickets.ts";
import { ACTIONS, REQUEST_STATUS_LABELS, REVIEW_REASONS } from "./access.ts";
import { describeCalculation, describeDiff, printable } from "./calculation-view.ts";
import { UsageError, withDatabase } from "./context.ts";

// What src/support/tickets.ts sets: a ticket is open (new, or reopened by a follow-up) or closed.
const STATUSES = ["open", "closed"];
const STATUS_LABELS: Record<string, string> = { open: "ouvert", closed: "fermé" };
const CATEGORY_LABELS: Record<string, string> = {
  "access-review": "demande d'accès à revoir",
  dispute: "contestation",
  question: "question",
  other: "autre",
};
const SENT_LABELS: Record<string, string> = {
  pending: "en attente d'envoi",
  sent: "envoyé",
  dead: "abandonné",
};
const LINK_LABELS: Record<string, string> = {
  "in-reply-to": "réponse au courriel de résultat",
  "public-id": "identifiant cité",
  reference: "référence citée par l'expéditeur",
};
export function registerTicketCommands(program: Command): void {
  const tickets = program.command("tickets").description("tickets du support (messages reçus sur contact@)");

  tickets
    .command("list")
    .description("liste les tickets, les plus récents d'abord")
    .option("--status <status>", `filtre : ${STATUSES.join(" | ")}`)
    .option("--category <category>", `filtre : ${TICKET_CATEGORIES.join(" | ")}`)
    .action((options: { status?: string; category?: string }) =>
      withDatabase(async (db) => {
        if (options.status && !STATUSES.includes(options.status))
          throw new UsageError(`--status « ${options.status} » : ${STATUSES.join(", ")} attendu`);
        if (options.category && !(TICKET_CATEGORIES as readonly string[]).includes(options.category))
          throw new UsageError(
            `--category « ${options.category} » : ${TICKET_CATEGORIES.join(", ")} attendu`,
          );
        const rows = await listTickets(db, options);
        if (!rows.length) {
          console.log("Aucun ticket.");
          return;
        }
        for (const t of rows) {
          console.log(
            `${t.number}\t${STATUS_LABELS[t.status] ?? t.status}\t${CATEGORY_LABELS[t.category] ?? t.category}\t${t.createdAt.toISOString()}\t${t.sender}${t.authenticated ? "" : " (non authentifié)"}\t« ${printable(t.subject)} »\t${t.messages} message(s), ${t.calculations} calcul(s)`,
          );
        }
      }),
    );

  tickets
    .command("show <number>")
    .description(
      "affiche un ticket : messages, calculs concernés (entrées, résultats, motifs, version des données)",
    )
    .action((number: string) =>
      withDatabase(async (db) => {
        const t = await getTicket(db, ticketId(number));
        const lines = [
          `Ticket ${t.number} — ${CATEGORY_LABELS[t.category] ?? t.category} — ${STATUS_LABELS[t.status] ?? t.status}`,
          `Expéditeur : ${t.sender}${t.organisation ? ` (organisation ${t.organisation})` : ""}${t.authenticated ? "" : " — NON AUTHENTIFIÉ : l'adresse d'expédition peut être usurpée"}`,
          `Objet : ${printable(t.subject)}`,
          `Ouvert le ${t.createdAt.toISOString()}`,
        ];
        if (t.closedAt)
          lines.push(`Fermé le ${t.closedAt.toISOString()}${t.closeNote ? ` : ${t.closeNote}` : ""}`);
        for (const r of t.accessRequests) {
          // A refusal's reason is support's own text; otherwise why the request needed review.
          const reason =
            r.status === "denied" && r.reason
              ? `motif : ${r.reason}`
              : r.reason && (REVIEW_REASONS[r.reason] ?? r.reason);
          lines.push(
            `Demande d'accès ${formatAccessRequestNumber(r.id)} : ${ACTIONS[r.action] ?? r.action} ${r.email}${r.newEmail ? ` → ${r.newEmail}` : ""} — ${REQUEST_STATUS_LABELS[r.status] ?? r.status}${reason ? ` (${reason})` : ""}`,
          );
        }
        for (const m of t.messages) {
          lines.push(
            "",
            `Message n°${m.id} reçu le ${m.receivedAt.toISOString()} sur ${m.mailbox}`,
            `  De : ${m.fromAddress ?? "?"}    Message-ID : ${m.messageId ?? "(aucun)"}`,
            `  Objet : ${printable(m.subject ?? "")}`,
            `  État : ${m.status}${m.decision ? ` (${m.decision})` : ""}`,
          );
          const text = m.raw ? await messageText(m.raw) : null;
          if (text === null) lines.push("  (contenu purgé après la durée de conservation)");
          else {
            if (m.truncated)
              lines.push(
                `  (message trop volumineux : seul son début est conservé ici ; le message complet est dans la boîte ${m.mailbox}, dossier Processed)`,
              );
            lines.push("  ---", ...text.split(/\r?\n/).map((l) => `  | ${l}`), "  ---");
          }
          for (const out of m.sent) {
            lines.push(
              `  Envoyé : ${out.kind} à ${out.recipients} — ${SENT_LABELS[out.status] ?? out.status}${out.sentAt ? ` le ${out.sentAt.toISOString()}` : ""} (${out.messageId})`,
            );
          }
        }
        if (!t.calculations.length) lines.push("", "Aucun calcul lié.");
        for (const c of t.calculations)
          lines.push("", ...describeCalculation(c, LINK_LABELS[c.linkedBy] ?? c.linkedBy));
        console.log(lines.join("\n"));
      }),
    );

  tickets
    .command("recompute <number>")
    .description("recalcule les calculs du ticket sur les données actives et explique les différences")
    .action((number: string) =>
      withDatabase(async (db, config) => {
        const id = ticketId(number);
        const replays = await recomputeTicket(db, id, { nuclearCoefficient: config.nuclearCoefficient });
        if (!replays.length) {
          console.log(`Le ticket ${formatTicketNumber(id)} ne concerne aucun calcul.`);
          return;
        }
        console.log(
          replays
            .map((r) => describeDiff(r.calculation.publicId, r.calculation.reference, r.diff))
            .join("\n\n"),
        );
      }),
    );

  tickets
    .command("close <number>")
    .description("ferme un ticket")
    .option("--note <text>", "note de clôture")
    .option("--keep-pending", "ferme même si des demandes d'accès du ticket attendent une décision")
    .action((number: string, options: { note?: string; keepPending?: boolean }) =>
      withDatabase(async (db) => {
        const { ticket, alreadyClosed } = await closeTicket(db, ticketId(number), {
          note: options.note,
          now: new Date(),
          keepPending: options.keepPending,
        }).catch((error: unknown) => {
          if (!(error instanceof PendingAccessRequestsError)) throw error;
          const numbers = error.requestIds.map(formatAccessRequestNumber);
          throw new UsageError(
            `le ticket ${error.ticket.number} a des demandes d'accès en attente (${numbers.join(", ")}) : ` +
              `décidez-les (tranche access approve ${numbers[0]} ou tranche access deny ${numbers[0]} --reason « … »), ` +
              "ce qui ferme le ticket, ou fermez-le quand même avec --keep-pending",
          );
        });
        console.log(
          alreadyClosed ? `Le ticket ${ticket.number} était déjà fermé.` : `Ticket ${ticket.number} fermé.`,
        );
      }),
    );
}

function ticketId(text: string): number {
  const id = parseTicketNumber(text);
  if (id === null) throw new UsageError(`« ${text} » : numéro de ticket attendu (T-000042 ou 42)`);
  return id;
}

/** The stored text of a message, read from its raw content (the plain part, or the HTML's text). */
async function messageText(raw: Uint8Array): Promise<string> {
  const parsed = await simpleParser(Buffer.from(raw));
  return printable((parsed.text ?? "").trim()) || "(message sans texte)";
}
