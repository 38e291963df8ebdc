import type { DecisionNotify } from "../access/requests.ts";
import { loadConfig } from "../config/load.ts";
import type { Notification } from "../notifications/notification.ts";
import { enqueueEmails } from "../outbox/outgoing.ts";
import { EmailComposer } from "../render/outgoing.ts";
import { createRenderer } from "../render/renderer.ts";
import type { AccessChangedEmailData } from "../render/templates.ts";

const ACTIONS: Record<string, string> = {
  grant: "autorisation d'accès",
  change: "modification d'adresse",
  revoke: "suppression d'accès",
};

/** One line per notification, in French, for operators: the email that goes out, to whom, saying what. */
export function describeNotification(n: Notification): string {
  const to = n.to.join(", ");
  switch (n.template) {
    case "access-granted":
      return `courriel access-granted à ${to} : ${n.facts.email} ${n.facts.alreadyAuthorised ? "était déjà autorisée" : "est autorisée"} (${n.facts.requestReference ?? "sans demande"})`;
    case "access-changed":
      return `courriel access-changed à ${to} : ${describeChange(n.facts)} (${n.facts.requestReference ?? "sans demande"})`;
    case "access-revoked":
      return `courriel access-revoked à ${to} : ${n.facts.email} ${n.facts.wasNotAuthorised ? "n'était pas autorisée" : "n'est plus autorisée"} (${n.facts.requestReference ?? "sans demande"})`;
    case "access-pending":
      return `courriel access-pending à ${to} : demande ${n.facts.requestReference} (${ACTIONS[n.facts.action]} de ${n.facts.email}) transmise au support`;
    case "access-refused":
      return `courriel access-refused à ${to} : demande ${n.facts.requestReference} (${ACTIONS[n.facts.action]} de ${n.facts.email}) refusée — ${n.facts.note ?? n.facts.reason}`;
    case "ticket-ack":
      return `courriel ticket-ack à ${to} : ticket ${n.facts.ticketNumber}${n.facts.calculations.length ? ` (calculs ${n.facts.calculations.map((c) => c.publicId).join(", ")})` : ""}`;
  }
}

/** What a change did, side by side. */
export function describeChange(
  facts: Pick<AccessChangedEmailData, "email" | "newEmail" | "oldWasAuthorised" | "newWasAuthorised">,
): string {
  const oldSide = (facts.oldWasAuthorised ?? true) ? "n'est plus autorisée" : "n'était pas autorisée";
  const newSide = (facts.newWasAuthorised ?? false) ? "était déjà autorisée" : "est autorisée";
  if (facts.email === facts.newEmail) return `${facts.newEmail} ${newSide}`;
  return `${facts.email} ${oldSide}, ${facts.newEmail} ${newSide}`;
}

/**
 * The CLI's `notify` for support decisions, made before the decision: the templates are compiled
 * first (about a second), not in the decision's transaction, which holds SQLite's write lock. In
 * that transaction each confirmation is then rendered and queued in the outbox with the request it
 * answers, so that the ticket lists it and a reply to it reopens that ticket; the daemon's outbox
 * worker sends it. Tells the operator what went out.
 */
export async function notificationQueue(): Promise<DecisionNotify> {
  const renderer = await createRenderer();
  const config = loadConfig();
  return async (tx, notifications, answering) => {
    if (!notifications.length) {
      console.log("Aucun courriel à envoyer.");
      return;
    }
    const at = new Date();
    const composer = new EmailComposer(renderer, config, at);
    for (const n of notifications) await composer.notify(n);
    await enqueueEmails(tx, composer.outgoing, answering.inboundMessageId, at);
    for (const n of notifications) console.log(`En file d'envoi : ${describeNotification(n)}`);
    console.log("(envoyés par le démon : tranche daemon ; suivi : tranche status)");
  };
}
