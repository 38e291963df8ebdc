import type { Command } from "commander";
import {
  approveAccessRequest,
  type DecisionNotify,
  denyAccessRequest,
  formatAccessRequestNumber,
  listPendingRequests,
  parseAccessRequestNumber,
  type ReviewTicketOutcome,
} from "../access/requests.ts";
import { accessHistory, grantAccess, listAuthorised, revokeAccess } from "../access/store.ts";
import { formatTicketNumber } from "../support/tickets.ts";
import { operatorName, supportName, UsageError, withDatabase } from "./context.ts";
import { describeChange, notificationQueue } from "./notifications.ts";

/** Access request actions, as support reads them (here and in `tranche tickets show`). */
export const ACTIONS: Record<string, string> = {
  grant: "autorisation",
  change: "modification",
  revoke: "suppression",
};

export const REVIEW_REASONS: Record<string, string> = {
  unauthenticated: "expéditeur non authentifié",
  "invalid-address": "adresse invalide",
  "other-organisation": "adresse d'une autre organisation que l'expéditeur",
  "free-mail": "messagerie grand public",
  "review-policy": "toute demande est revue (TRANCHE_ACCESS_AUTO_APPROVE=false)",
};

export const REQUEST_STATUS_LABELS: Record<string, string> = {
  pending: "en attente",
  approved: "approuvée",
  denied: "refusée",
};

const OUTCOME_LABELS: Record<string, string> = {
  granted: "l'adresse est autorisée",
  "already-authorised": "l'adresse était déjà autorisée, rien n'a changé",
  revoked: "l'adresse n'est plus autorisée",
  "not-authorised": "l'adresse n'était pas autorisée, rien n'a changé",
  changed: "adresse modifiée",
  unchanged: "rien n'a changé",
};

const EVENT_ACTIONS: Record<string, string> = {
  grant: "autorisation",
  revoke: "suppression",
  change: "modification",
  deny: "refus",
  noop: "sans effet",
};

/** The access is decided, something else on its ticket is not: the ticket stays open, and says why. */
function ticketLeftOpen(ticket: ReviewTicketOutcome & { status: "open" }): string {
  const number = formatTicketNumber(ticket.ticketId);
  if (ticket.category === "access-review") {
    const pending = ticket.stillPending.map(formatAccessRequestNumber).join(", ");
    const requests =
      ticket.stillPending.length > 1 ? `les demandes ${pending} sont` : `la demande ${pending} est`;
    return `Ticket ${number} laissé ouvert (access-review) : ${requests} encore en attente.`;
  }
  const what = ticket.category === "dispute" ? "une contestation" : "une question";
  return `Ticket ${number} laissé ouvert (${ticket.category}) : le message de la demande pose aussi ${what}, à traiter puis clore (tranche tickets close ${number}).`;
}

/** `notify` receives the confirmations of approve/deny inside their transaction (default: queued in the outbox). */
export function registerAccessCommands(program: Command, options: { notify?: DecisionNotify } = {}): void {
  // Made before the decision's transaction, not in it (see notificationQueue).
  const notifier = async () => options.notify ?? (await notificationQueue());
  const access = program.command("access").description("adresses autorisées à demander des calculs");

  access
    .command("grant <address>")
    .description("autorise une adresse")
    .action((address: string) =>
      withDatabase(async (db) => {
        const outcome = await grantAccess(db, address, { decidedBy: operatorName(), now: new Date() });
        console.log(
          outcome === "granted"
            ? `${address} est autorisée.`
            : `${address} était déjà autorisée : rien n'a changé.`,
        );
      }),
    );

  access
    .command("revoke <address>")
    .description("retire l'autorisation d'une adresse")
    .action((address: string) =>
      withDatabase(async (db) => {
        const outcome = await revokeAccess(db, address, { decidedBy: operatorName(), now: new Date() });
        console.log(
          outcome === "revoked"
            ? `${address} n'est plus autorisée.`
            : `${address} n'était pas autorisée : rien n'a changé.`,
        );
      }),
    );

  access
    .command("list")
    .description("liste les adresses autorisées")
    .option("--all", "inclut les adresses révoquées")
    .action((options: { all?: boolean }) =>
      withDatabase(async (db) => {
        const rows = await listAuthorised(db, { includeRevoked: options.all });
        if (!rows.length) {
          console.log("Aucune adresse autorisée (tranche access grant <adresse>).");
          return;
        }
        for (const row of rows) {
          const state = row.revokedAt
            ? `révoquée le ${row.revokedAt.toISOString()} par ${row.revokedBy}`
            : "autorisée";
          console.log(
            `${row.email}\t${row.organisation}\t${state}\tdepuis ${row.grantedAt.toISOString()} (${row.grantedBy})`,
          );
        }
      }),
    );

  access
    .command("pending")
    .description("liste les demandes d'accès en attente d'une décision du support")
    .action(() =>
      withDatabase(async (db) => {
        const rows = await listPendingRequests(db);
        if (!rows.length) {
          console.log("Aucune demande d'accès en attente.");
          return;
        }
        for (const r of rows) {
          const what = r.action === "change" ? `${r.email} → ${r.newEmail}` : r.email;
          console.log(
            `${formatAccessRequestNumber(r.id)}\t${r.createdAt.toISOString()}\t${ACTIONS[r.action] ?? r.action} ${what}\tdemandée par ${r.requester}\t(${REVIEW_REASONS[r.reason ?? ""] ?? r.reason})`,
          );
        }
        console.log("Décider : tranche access approve A-… | tranche access deny A-… --reason « … »");
      }),
    );

  access
    .command("approve <id>")
    .description("approuve une demande d'accès en attente et l'applique")
    .action((id: string) =>
      withDatabase(async (db) => {
        const { request, outcome, notifications, ticket } = await approveAccessRequest(db, requestId(id), {
          decidedBy: supportName(),
          now: new Date(),
          notify: await notifier(),
        });
        // A change may have moved one side only: its confirmation says which.
        const change = notifications.find((n) => n.template === "access-changed");
        const what =
          change?.template === "access-changed"
            ? describeChange(change.facts)
            : (OUTCOME_LABELS[outcome] ?? outcome);
        console.log(`Demande ${formatAccessRequestNumber(request.id)} approuvée : ${what}.`);
        if (ticket?.status === "open") console.log(ticketLeftOpen(ticket));
      }),
    );

  access
    .command("deny <id>")
    .description("refuse une demande d'accès en attente")
    .requiredOption("--reason <text>", "motif du refus (communiqué au demandeur)")
    .action((id: string, options: { reason: string }) =>
      withDatabase(async (db) => {
        const { request, ticket } = await denyAccessRequest(db, requestId(id), {
          decidedBy: supportName(),
          reason: options.reason,
          now: new Date(),
          notify: await notifier(),
        });
        console.log(`Demande ${formatAccessRequestNumber(request.id)} refusée : ${request.reason}`);
        if (ticket?.status === "open") console.log(ticketLeftOpen(ticket));
      }),
    );

  access
    .command("history [address]")
    .description("journal des décisions d'accès (toutes, ou celles d'une adresse)")
    .action((address: string | undefined) =>
      withDatabase(async (db) => {
        const events = await accessHistory(db, address);
        if (!events.length) {
          console.log(
            address ? `Aucune décision enregistrée pour ${address}.` : "Aucune décision enregistrée.",
          );
          return;
        }
        for (const e of events) {
          const what = e.newEmail ? `${e.email} → ${e.newEmail}` : e.email;
          const source = e.sourceMessageId ? ` message ${e.sourceMessageId}` : "";
          const request = e.accessRequestId ? ` demande ${formatAccessRequestNumber(e.accessRequestId)}` : "";
          console.log(
            `${e.at.toISOString()}\t${EVENT_ACTIONS[e.action] ?? e.action}\t${what}\tdemandé par ${e.requestedBy}\tdécidé par ${e.decidedBy}${request}${source}${e.detail ? `\t${describeDetail(e.detail)}` : ""}`,
          );
        }
      }),
    );
}

/** Event details are stored as codes or JSON; operators read them in French. */
function describeDetail(detail: string): string {
  if (detail === "already-authorised") return "déjà autorisée";
  if (detail === "not-authorised") return "n'était pas autorisée";
  try {
    const parsed = JSON.parse(detail) as { oldRevoked?: boolean; newGranted?: boolean; reason?: string };
    if (parsed.reason !== undefined) return `motif : ${parsed.reason}`;
    return `ancienne adresse ${parsed.oldRevoked ? "révoquée" : "qui n'était pas autorisée"}, nouvelle ${parsed.newGranted ? "autorisée" : "déjà autorisée"}`;
  } catch {
    return detail;
  }
}

function requestId(text: string): number {
  const id = parseAccessRequestNumber(text);
  if (id === null) throw new UsageError(`« ${text} » : numéro de demande attendu (A-000012 ou 12)`);
  return id;
}
