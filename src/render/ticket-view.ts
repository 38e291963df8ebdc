import { organisationalDomain } from "../addresses/organisation.ts";
import type { Notification, NotificationFacts } from "../notifications/notification.ts";
import type { TicketCategory } from "../support/category.ts";
import type { RateLimitedRequest, TicketAckEmailData } from "./templates.ts";

export const TICKET_CATEGORY_LABELS: Record<TicketCategory, string> = {
  "access-review": "demande d'accès à examiner",
  dispute: "contestation d'un calcul",
  question: "question",
  other: "autre demande",
};

const NEXT_STEPS: Record<TicketCategory, string> = {
  "access-review": "Le support va examiner la demande d'accès ; un message confirmera sa décision.",
  dispute:
    "Le support va réexaminer le calcul contesté avec les données de référence qu'il a utilisées, puis vous répondra par email. Tout différend doit être réglé avant la génération du devis client.",
  question: "Le support vous répondra par email.",
  other: "Le support va lire votre message et vous répondra par email si nécessaire.",
};

/** The ticket acknowledgment, when one is due, told that it answers a rate-limited calculation request. */
export function rateLimitedAck(
  notification: Notification | null,
  rateLimited: RateLimitedRequest,
): Notification | null {
  if (notification?.template !== "ticket-ack") return notification;
  const facts: NotificationFacts<"ticket-ack"> = { ...notification.facts, rateLimited };
  return { ...notification, facts };
}

export interface TicketAckView {
  contactAddress: string;
  ticketNumber: string;
  lead: string;
  category: string;
  next: string;
  calculations: string[];
  /** Said when a dispute could not be linked to any calculation. */
  noCalculation: string | null;
}

export function ticketAckView(data: TicketAckEmailData): TicketAckView {
  const about = data.originalSubject ? ` « ${data.originalSubject} »` : "";
  const view: TicketAckView = {
    contactAddress: data.contactAddress,
    ticketNumber: data.ticketNumber,
    lead: `Votre message${about} a bien été reçu par le support du service de calcul de tranche de financement. Il est enregistré sous le numéro ${data.ticketNumber}.`,
    category: TICKET_CATEGORY_LABELS[data.category],
    next: NEXT_STEPS[data.category],
    calculations: data.calculations.map((c) => `${c.publicId} (référence « ${c.reference} »)`),
    noCalculation:
      data.category === "dispute" && data.calculations.length === 0
        ? "Aucun calcul n'a pu être rattaché à votre message : si vous contestez un calcul, répondez à ce message en indiquant son identifiant (ligne « Identifiant du calcul » des détails du résultat)."
        : null,
  };
  return data.rateLimited ? { ...view, ...rateLimitedWording(data, data.rateLimited, about) } : view;
}

function rateLimitedWording(data: TicketAckEmailData, limited: RateLimitedRequest, about: string) {
  const perHour = `${limited.limit} ${limited.limit === 1 ? "calcul" : "calculs"} par heure`;
  const organisation = organisationalDomain(data.sender);
  const whose =
    limited.scope === "sender"
      ? "pour votre adresse"
      : `pour l'ensemble des adresses de votre organisation${organisation ? ` (${organisation})` : ""}`;
  return {
    lead: `Votre demande de calcul${about} n'a pas été traitée automatiquement : la limite de ${perHour} ${whose} est atteinte, aucune tranche n'a donc été calculée. La demande a été transmise au support du service de calcul de tranche de financement sous le numéro ${data.ticketNumber}.`,
    category: "demande de calcul non traitée (limite horaire atteinte)",
    next: `Aucun résultat ne sera envoyé automatiquement pour cette demande. Pour l'obtenir, renvoyez-la plus tard à ${limited.submissionAddress}, par exemple dans une heure : la limite porte sur les calculs de la dernière heure. Les autres demandes de calcul reçues d'ici là au-delà de la limite sont rattachées à ce numéro, sans nouvel accusé de réception.`,
    noCalculation: null,
  };
}
