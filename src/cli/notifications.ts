import { loadConfig } from "../config/load.ts";
import type { Notification, Notify } from "../notifications/notification.ts";
import { enqueueEmails } from "../outbox/outgoing.ts";
import { EmailComposer } from "../render/outgoing.ts";
import { createRenderer } from "../render/renderer.ts";

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
      return `courriel access-changed à ${to} : ${n.facts.email} remplacée par ${n.facts.newEmail} (${n.facts.requestReference ?? "sans demande"})`;
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

/**
 * The CLI's `notify`: renders each confirmation and queues it in the outbox in the decision's own
 * transaction (the daemon's outbox worker sends it), and tells the operator what went out.
 */
export const queueNotifications: Notify = async (tx, notifications) => {
  if (!notifications.length) {
    console.log("Aucun courriel à envoyer.");
    return;
  }
  const composer = new EmailComposer(await createRenderer(), loadConfig(), new Date());
  for (const n of notifications) await composer.notify(n);
  await enqueueEmails(tx, composer.outgoing, null);
  for (const n of notifications) console.log(`En file d'envoi : ${describeNotification(n)}`);
  console.log("(envoyés par le démon : tranche daemon ; suivi : tranche status)");
};
