import type { Command } from "commander";
import { simpleParser } from "mailparser";
import { formatAccessRequestNumber } from "../access/requests.ts";
import type { CalculationDiff, IdentifierChange, IdentifierStatus } from "../calculations/diff.ts";
import type { AmCounts, FinessCounts } from "../engine/types.ts";
import { FIELDS } from "../engine/types.ts";
import { FIELD_LABELS, formatCount } from "../render/result-view.ts";
import { TICKET_CATEGORIES } from "../support/category.ts";
import {
  closeTicket,
  formatTicketNumber,
  getTicket,
  listTickets,
  parseTicketNumber,
  recomputeTicket,
} from "../support/tickets.ts";
import { ACTIONS, REQUEST_STATUS_LABELS, REVIEW_REASONS } from "./access.ts";
import { REASON_LABELS } from "./calc.ts";
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
const CAUSE_LABELS: Record<IdentifierChange["cause"], string> = {
  "added-to-reference": "ajouté aux données de référence",
  "removed-from-reference": "retiré des données de référence",
  "reference-counts-changed": "chiffres modifiés dans les données de référence",
  "rules-changed": "mêmes données : règles ou coefficient différents",
  "old-data-unavailable": "ancienne version des données supprimée",
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
            `${t.number}\t${STATUS_LABELS[t.status] ?? t.status}\t${CATEGORY_LABELS[t.category] ?? t.category}\t${t.createdAt.toISOString()}\t${t.sender}\t« ${printable(t.subject)} »\t${t.messages} message(s), ${t.calculations} calcul(s)`,
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
          `Expéditeur : ${t.sender}${t.organisation ? ` (organisation ${t.organisation})` : ""}`,
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
          else lines.push("  ---", ...text.split(/\r?\n/).map((l) => `  | ${l}`), "  ---");
          for (const out of m.sent) {
            lines.push(
              `  Envoyé : ${out.kind} à ${out.recipients} — ${SENT_LABELS[out.status] ?? out.status}${out.sentAt ? ` le ${out.sentAt.toISOString()}` : ""} (${out.messageId})`,
            );
          }
        }
        if (!t.calculations.length) lines.push("", "Aucun calcul lié.");
        for (const c of t.calculations) {
          lines.push(
            "",
            `Calcul ${c.publicId} (${LINK_LABELS[c.linkedBy] ?? c.linkedBy}) du ${c.createdAt.toISOString()}`,
            `  Demandé par ${c.sender}, envoyé à ${c.recipient} ; référence « ${printable(c.reference)} »`,
            `  Activité : ${c.activity}${c.activityInferred ? " (déduite des champs remplis)" : ""}`,
            `  Données de référence : ${c.dataset ? `version n°${c.dataset.id} « ${c.dataset.label} » importée le ${c.dataset.importedAt.toISOString()}` : `version n°${c.datasetId} (supprimée)`}`,
            "  Saisi :",
          );
          for (const field of FIELDS)
            lines.push(`    ${FIELD_LABELS[field].padEnd(29)}: ${c.request[field].join("; ")}`);
          if (c.request.amOfMixteRows?.length)
            lines.push(
              `    N°AM de lignes « mixte » du tableau, jugés dans le champ de l'activité du médecin : ${c.request.amOfMixteRows.join("; ")}`,
            );
          lines.push("  Valides :");
          for (const field of FIELDS)
            lines.push(`    ${FIELD_LABELS[field].padEnd(29)}: ${c.result.valid[field].join("; ")}`);
          lines.push("  Invalides :");
          for (const field of FIELDS) {
            const values = c.result.invalid[field].map((i) => `${i.value} (${REASON_LABELS[i.reason]})`);
            lines.push(`    ${FIELD_LABELS[field].padEnd(29)}: ${values.join("; ")}`);
          }
          lines.push(
            `  Total : ${formatCount(c.result.radiologyExams)} + ${c.result.nuclearCoefficient} × ${formatCount(c.result.nuclearExams)} = ${formatCount(c.total)} ; tranche ${c.tranche ?? "aucune (total nul)"}`,
          );
        }
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
    .action((number: string, options: { note?: string }) =>
      withDatabase(async (db) => {
        const { ticket, alreadyClosed } = await closeTicket(db, ticketId(number), {
          note: options.note,
          now: new Date(),
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

/** Senders' text reaches the support terminal: control characters (escape sequences) are neutralised. */
function printable(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const control =
      (code < 0x20 && char !== "\n" && char !== "\r" && char !== "\t") || (code >= 0x7f && code < 0xa0);
    out += control ? "\ufffd" : char;
  }
  return out;
}

/** A recomputation, in French, for support: the figures before → after, then each identifier that moved. */
export function describeDiff(publicId: string, reference: string, diff: CalculationDiff): string {
  const d = diff.datasets;
  const version = (v: { id: number; label: string } | null) =>
    v ? `n°${v.id} « ${v.label} »` : "(supprimée)";
  const lines = [
    `Calcul ${publicId} — référence « ${reference} »`,
    `  Données de référence : ${version(d.before)} → ${version(d.after)}${d.before?.id === d.after?.id ? " (même version)" : ""}`,
    `  ${diff.changed ? "Le résultat change." : "Le résultat est inchangé."}`,
    `  Tranche : ${diff.tranche.before ?? "aucune"} → ${diff.tranche.after ?? "aucune"}`,
    `  Total : ${formatCount(diff.total.before)} → ${formatCount(diff.total.after)} (radiologie ${formatCount(diff.radiologyExams.before)} → ${formatCount(diff.radiologyExams.after)} ; médecine nucléaire ${formatCount(diff.nuclearExams.before)} → ${formatCount(diff.nuclearExams.after)}, coefficient ${diff.nuclearCoefficient.before} → ${diff.nuclearCoefficient.after})`,
    `  Identifiants valides : ${diff.validCount.before} → ${diff.validCount.after} ; invalides : ${diff.invalidCount.before} → ${diff.invalidCount.after}`,
  ];
  if (!diff.identifiers.length) lines.push("  Aucun identifiant n'a changé de statut ni de chiffres.");
  for (const change of diff.identifiers) {
    lines.push(
      `  - ${FIELD_LABELS[change.field]} ${change.value} : ${status(change.before)} → ${status(change.after)} ; ${CAUSE_LABELS[change.cause]} (${counts(change.countsBefore)} → ${counts(change.countsAfter)})`,
    );
  }
  return lines.join("\n");
}

function status(s: IdentifierStatus | null): string {
  if (s === null) return "absent";
  return s.state === "valid" ? "valide" : `invalide (${REASON_LABELS[s.reason]})`;
}

function counts(c: FinessCounts | AmCounts | null): string {
  if (c === null) return "absent des données";
  if ("acts" in c)
    return `${c.activity === "radiologie" ? "radiologie" : "médecine nucléaire"}, ${formatCount(c.acts)} actes`;
  return `${formatCount(c.radiology)} examens de radiologie, ${formatCount(c.nuclear)} de médecine nucléaire`;
}
