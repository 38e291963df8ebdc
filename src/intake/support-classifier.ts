import { stripSubjectPrefixes } from "./body-text.ts";
import { fold } from "./calculation-parser.ts";
import type { SupportCategory } from "./types.ts";

/** The subject of every result email (SPEC §7), folded. */
const RESULT_SUBJECT = fold(
  "Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations",
);
/** Lines only a result email contains. */
const RESULT_MARKERS = [/la tranche de financement calcul[ée]e est\s*=/i, /identifiant du calcul\s*:/i];

export interface ThreadSignals {
  inReplyTo: string | null;
  references: readonly string[];
  subject: string;
  /** The whole text, quotes included. */
  fullText: string;
  /** The sender's own text. */
  ownText: string;
}

/** Whether the message threads to one of our own emails (a Message-ID of the no-reply domain). */
export function threadsToUs(signals: ThreadSignals, noreplyAddress: string): boolean {
  const domain = noreplyAddress.slice(noreplyAddress.lastIndexOf("@") + 1).toLowerCase();
  const ids = [signals.inReplyTo, ...signals.references].filter((id): id is string => !!id);
  return ids.some((id) => id.toLowerCase().replace(/>$/, "").endsWith(`@${domain}`));
}

/**
 * Whether the message answers (or forwards) one of our result emails: its subject is the result
 * subject, or it quotes a result. Threading alone does not say it: every email we send (help,
 * access confirmations, acknowledgments) comes from no-reply.
 */
export function repliesToResult(signals: ThreadSignals): boolean {
  const stripped = fold(stripSubjectPrefixes(signals.subject));
  if (stripped === RESULT_SUBJECT && fold(signals.subject) !== stripped) return true;
  return RESULT_MARKERS.some((marker) => marker.test(signals.fullText) && !marker.test(signals.ownText));
}

// Matched on folded text.
const DISPUTE =
  /\b(desaccord|contest\w*|different|reclamation|erreur|errone\w*|incorrect\w*|anormal\w*|pas (ete )?pris en compte|non pris en compte|invalide\w*|rejete\w*|refuse\w*|ne (correspond|comprend)\w* pas|pourtant|alors qu|tranche (est )?(fausse|trop basse|trop haute|inferieure|superieure))\b/;
const QUESTION =
  /\?|\b(question|comment (faire|puis|peut|obtenir)|pourquoi|est-(il|ce) (possible|que)|savoir si|quel(le)?s? (est|sont)|pouvez-vous m'indiquer|pourriez-vous m'indiquer|renseignement)\b/;

/**
 * Category of a message for support: a dispute about a result, a question, or anything else.
 * A message about a calculation (a reply to a result, a quoted identifier) is a dispute unless it
 * only asks a question.
 */
export function classifySupport(ownText: string, aboutCalculation: boolean): SupportCategory {
  const text = fold(ownText);
  if (DISPUTE.test(text)) return "dispute";
  if (aboutCalculation) return QUESTION.test(text) ? "question" : "dispute";
  if (QUESTION.test(text)) return "question";
  return "other";
}
