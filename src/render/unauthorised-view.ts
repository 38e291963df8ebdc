import type { UnauthorisedEmailData } from "./templates.ts";

export interface UnauthorisedView {
  contactAddress: string;
  lead: string;
  freeMail: string | null;
  howTo: string;
  /** The sentence to send to contact@, ready to copy. */
  example: string;
  after: string;
}

export function unauthorisedView(data: UnauthorisedEmailData): UnauthorisedView {
  const reference = data.reference ? ` (référence « ${data.reference} »)` : "";
  return {
    contactAddress: data.contactAddress,
    lead: `Votre demande de calcul${reference} n'a pas été traitée : l'adresse ${data.sender} n'est pas autorisée à utiliser le service de calcul de tranche de financement.`,
    freeMail: data.senderIsFreeMail
      ? `L'adresse ${data.sender} est une messagerie grand public : l'accès n'est accordé qu'à des adresses professionnelles. Utilisez l'adresse de votre société.`
      : null,
    howTo: `Pour obtenir l'accès, écrivez à ${data.contactAddress} depuis une adresse professionnelle de votre société (pas une messagerie grand public), par exemple :`,
    example: `Merci d'autoriser l'accès au service pour ${data.senderIsFreeMail ? "prenom.nom@votre-societe.fr" : data.sender}`,
    after: `L'adresse à autoriser doit appartenir à la même société que l'adresse qui envoie la demande d'accès. Une confirmation vous sera envoyée ; renvoyez alors votre demande de calcul à ${data.submissionAddress}.`,
  };
}
