import type { TicketCategory } from "../support/category.ts";
import type { TicketAckEmailData } from "./templates.ts";

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
  return {
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
}
