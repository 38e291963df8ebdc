import { fold } from "../text/fold.ts";
import { stripSubjectPrefixes } from "./body-text.ts";
import type { SupportCategory } from "./types.ts";

/** The subject of every result email (SPEC §7), folded. */
const RESULT_SUBJECT = fold(
  "Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations",
);
/** Lines only a result email contains. */
const RESULT_MARKERS = [/la tranche de financement calcul[ée]e est\s*=/i, /identifiant du calcul\s*:/i];

/** The first line of a result email's documented layout (SPEC §7), quoted or not. */
// Spaces and tabs only before it: `\s` would cross line breaks, and with `m` every line start would
// rescan the run after it (quadratic on a body of line breaks).
const RESULT_START = /^[> \t]*vous recevez ce mail suite [àa] votre utilisation du service de calcul/im;

/**
 * The first lines of our other emails (help, access confirmations, ticket acknowledgments): their
 * topic — the subject without its prefix — alone on a line, then « Bonjour, ».
 */
const OUR_TOPICS = [
  "demande de calcul incompl[èe]te",
  "adresse non autoris[ée]e [àa] demander un calcul",
  "acc[èe]s au service (?:d[ée]j[àa] )?(?:accord|supprim)[ée]",
  "adresse d['’]acc[èe]s au service (?:inchang|modifi)[ée]e",
  "aucun acc[èe]s au service [àa] supprimer",
  String.raw`demande d['’]acc[èe]s (?:en cours d['’]examen \[T-\d+\]|refus[ée]e)`,
  String.raw`votre demande \[T-\d+\] a bien [ée]t[ée] re[çc]ue`,
];
const EMAIL_START = new RegExp(
  String.raw`^[> \t]*(?:${OUR_TOPICS.join("|")})[ \t]*\r?\n(?:[> \t]*\r?\n){0,3}[> \t]*bonjour\b`,
  "im",
);

/**
 * The banner of our HTML emails as their text reads, with the line above it: the preheader, a
 * sentence of ours (« L'accès au service passe de … à … ») that would read as a request.
 */
const HTML_EMAIL_START =
  /^(?:[^\n]*\n)?[> \t]*s[ée]gur num[ée]rique [—–-] imagerie vague 2[ \t]*\r?\n[> \t]*service de calcul de la tranche de financement\b/im;

/**
 * Where a result email of ours starts inside the sender's own text (forwarded, or pasted), -1 when
 * it holds none. Its tables list what we answered, valid and invalid: they are not a new request.
 */
export function ourResultStart(ownText: string): number {
  return ownText.search(RESULT_START);
}

/**
 * Where any email of ours starts inside the sender's own text, -1 when it holds none. An
 * auto-responder may quote ours whole, without quote marks: the example request of a help reply,
 * the « Merci d'autoriser l'accès … » line of an unauthorised one, are ours, not a request.
 */
export function ourEmailStart(ownText: string): number {
  const starts = [RESULT_START, EMAIL_START, HTML_EMAIL_START]
    .map((start) => ownText.search(start))
    .filter((i) => i >= 0);
  return starts.length ? Math.min(...starts) : -1;
}

export interface ThreadSignals {
  inReplyTo: string | null;
  references: readonly string[];
  subject: string;
  /** The whole text, quotes included. */
  fullText: string;
  /** The sender's own text. */
  ownText: string;
}

/** Our own subject prefix (SPEC §7), folded: every email of ours, the result and the others. */
const OUR_SUBJECT_PREFIX = fold("Ségur Numérique - Imagerie - ");

/**
 * Whether the message answers one of our own emails: it threads to a Message-ID of the no-reply
 * domain, or its subject is one of ours under a reply or forward prefix (clients and
 * auto-responders that drop In-Reply-To keep the subject).
 */
export function threadsToUs(signals: ThreadSignals, noreplyAddress: string): boolean {
  const domain = noreplyAddress.slice(noreplyAddress.lastIndexOf("@") + 1).toLowerCase();
  const ids = [signals.inReplyTo, ...signals.references].filter((id): id is string => !!id);
  if (ids.some((id) => id.toLowerCase().replace(/>$/, "").endsWith(`@${domain}`))) return true;
  const stripped = fold(stripSubjectPrefixes(signals.subject));
  return stripped.startsWith(OUR_SUBJECT_PREFIX) && fold(signals.subject) !== stripped;
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

// All the patterns below are matched on folded text (no accents, lower case, one space between
// words). They are alternations of fixed words with spans bounded to a few dozen characters that
// stop at the end of a sentence, so each one runs in linear time on any text.

/** Result words: what a dispute is about. */
const RESULT_WORD = String.raw`(tranches?|calcul\w*|resultat\w*|classements?)`;
/** Wrongness, said of a result. */
const WRONG = String.raw`(faux|fausse\w*|errone\w*|incorrect\w*|inexact\w*|incoherent\w*|anormal\w*|pas (correct|juste|bon|bonne|exact|coherent|normal|logique)\w*|ne correspond\w* pas|ne reflet\w* pas|sous-(estim|evalu)\w*|surestim\w*|trop (faible|bas|basse|petite?|elevee?|haute?)|inferieure? a (la realite|celle|ce qu|nos|notre|l'activite))`;
const DETERMINER = "(le |la |l'|ce |cette |notre |votre |nos |vos |les |ces |mon |ma )?";

function anyOf(patterns: readonly string[]): RegExp {
  return new RegExp(patterns.map((p) => `(?:${p})`).join("|"));
}

/** A result contested outright: these win over everything else. */
const CONTEST = anyOf([
  String.raw`\b(desaccord|pas d'accord|contest\w*|reclam\w*|recours|differend)\b`,
  // "La tranche calculée ne me semble pas correcte", "Le résultat est faux".
  String.raw`\b${RESULT_WORD}\b[^.?!]{0,40}\b${WRONG}`,
  String.raw`\b(mauvais|mauvaise|faux|fausse|errone|erronee|incorrect|incorrecte) ${RESULT_WORD}\b`,
  String.raw`\berreurs? (de|dans|sur|du|concernant|au niveau d[eu]) ${DETERMINER}${RESULT_WORD}\b`,
  String.raw`\bne (me |nous )?(sembl|parai)\w* pas (correct|juste|bon|bonne|exact|coherent|normal|logique|conforme|realiste)`,
  // Asked to look at it again: "pouvez-vous revoir le calcul", "réexaminer notre dossier".
  String.raw`\b(revoir|reexaminer|reetudier|reconsiderer|reviser|verifier|controler|corriger|recalculer|refaire|reprendre)( a nouveau| de nouveau)? ${DETERMINER}${RESULT_WORD}\b`,
  String.raw`\b(revoir|reexaminer|reetudier|reconsiderer|reviser) ${DETERMINER}(dossier|decision|position)\b`,
  // The tranche it should be: "nous devrions être en tranche D", "la tranche devrait être D".
  String.raw`\b(devri\w*|devrai\w*|aurions du|aurait du|aurais du|aurions droit|avons droit|aurait droit|a droit)( normalement| plutot| bien| logiquement)? (etre |obtenir |avoir |beneficier de |relever de |classe\w* )?(en |la |a la |dans la |de la )?tranche\b`,
  String.raw`\btranche\b[^.?!]{0,30}\b(devri|devrai|aurait du|aurions du)\w*( normalement| plutot| bien| logiquement)? (etre|correspondre a)( en| la)?( tranche)? [a-h](?![\w'])`,
  String.raw`\btranche [a-h] (et non|et pas|au lieu|plutot qu)`,
  // Too low, said of what was named before: "… du Cabinet Durand nous semblent trop basses".
  String.raw`\b(sembl|parai)\w* (bien |beaucoup |un peu |tres )?trop (faibles?|bas|basses?)\b`,
  // The tranche expected: "nous attendions une tranche D".
  String.raw`\b(attendions|attendait|attendais|esperions|pensions obtenir|comptions sur) (une |la )?tranche\b`,
  // Surprise said of the result itself: "la tranche B nous surprend", "le résultat est étrange".
  String.raw`\b${RESULT_WORD}( [a-h])?( obtenue?| calculee?| attribuee?)? (est |semble |parait |nous |me |m')*(bizarre|etrange|surpren\w*|etonn\w*)`,
  // Asked for in a noun: "une révision de la tranche", "un réexamen du calcul".
  String.raw`\b(revision|reexamen|reevaluation|rectification|correction)s? (de |du |des |d')${DETERMINER}${RESULT_WORD}\b`,
  // Identifiers or activity left out: "il manque des FINESS dans le calcul", "le calcul n'a pas retenu …".
  String.raw`\b(manqu\w*|omis\w*|absente?s?)\b[^.?!]{0,40}\b(dans|du|au) ${DETERMINER}${RESULT_WORD}\b`,
  String.raw`\b${RESULT_WORD}\b[^.?!]{0,30}\b(n'a pas (ete )?retenu|n'a pas (ete )?compte|ne (tient|prend)\w* pas (en )?compte|a (oublie|omis|ignore))`,
  // The counts it used: "le nombre d'examens retenu est inférieur à la réalité".
  String.raw`\b(nombre|volume|total)( d'examens| d'actes| d'activite)?\b[^.?!]{0,30}\b(inferieure? a|sous-(estim|evalu)\w*|trop (faible|bas)|(sembl|parai)\w* (bien |tres |un peu )?(trop )?(bas|faible))`,
]);

/**
 * A problem using the service: an error while sending, a request refused, a form the sender cannot
 * fill in. A question for support, not a contested tranche, though it says "erreur" or "refusée".
 */
const SERVICE_PROBLEM = anyOf([
  String.raw`\b(message|code|mail|courriel|notification|page) d'erreur`,
  String.raw`\berreurs? (technique|informatique|serveur|systeme|d'envoi|de connexion|de transmission|d'acces|\d+)`,
  String.raw`\b(recoi\w*|recu|recevons|obtien\w*|obtenu|obtenons|rencontr\w*|affich\w*|j'ai|nous avons|on a|j'avais|nous avions) (toujours |encore |systematiquement )?(une |un |l'|cette |des )?(message d')?erreurs?\b`,
  String.raw`\berreurs? (quand|lorsque|lorsqu|lors|pendant|au moment|a l'envoi|a l'ouverture|a la connexion|apres l'envoi|en (envoyant|essayant|voulant|remplissant|ouvrant|joignant|ajoutant|transmettant|saisissant|cliquant))`,
  // "Ma demande a été refusée", "notre demande d'accès est rejetée", "le fichier a été refusé".
  String.raw`\b(demande|message|mail|courriel|envoi|formulaire|fichier|inscription|piece jointe)s?( d'acces| de calcul| d'inscription| d'autorisation| joint\w*| envoye\w*| transmis\w*)?( a| ont| est| sont| n'a| n'ont| n'est| ne sont| a-t-elle| a-t-il| est-elle| est-il| m'a| nous a)?( pas)?( encore)?( ete)? (refuse|rejete|bloque)\w*`,
  String.raw`\b(ma|notre|mon|nos|mes) (demande|message|mail|courriel|envoi|formulaire|fichier)s?( d'acces| de calcul)?( n'a| n'ont| n'est| ne sont)? pas (encore )?(ete )?(prise?s? en compte|traite\w*|recu\w*|parvenu\w*)`,
  String.raw`\bacces( au service)? (m'a |nous a |lui a |a |est )?(ete )?(refuse|rejete|bloque)\w*`,
  String.raw`\b(n'arriv|ne parvien|ne parvenon)\w* ((toujours|pourtant|encore|malheureusement|visiblement|apparemment) )?(pas|plus|jamais) a\b`,
  String.raw`\bimpossible d(e |')(envoyer|joindre|ouvrir|remplir|me connecter|nous connecter|acceder|transmettre|soumettre)`,
  // « Le lien vers le formulaire ne fonctionne plus ».
  String.raw`\b(lien|formulaire|site|page|adresse|boite|messagerie)\b[^.?!]{0,40}\bne (fonctionne|marche)\w* (plus|pas)\b`,
]);

/**
 * An answer still awaited (« je n'ai toujours pas reçu le résultat », « restée sans réponse », « je
 * vous relance »): a question about the service. Beside an access request, the decision answers it.
 */
const AWAITED = anyOf([
  String.raw`\bn'(ai|avons|a|ont) (toujours |encore |jamais )?(pas|rien) (encore )?(recu|eu de (reponse|retour|resultat))\b`,
  String.raw`\b(reste\w*|toujours|demeure\w*) sans (aucune )?(reponse|retour|nouvelles)\b`,
  String.raw`\b(je|nous) (vous )?relan\w*`,
]);

/** Words that, with nothing more telling, say a result is wrong. */
const DISPUTE =
  /\b(erreurs?|errone\w*|incorrect\w*|inexact\w*|incoherent\w*|anormal\w*|invalide\w*|rejete\w*|refuse\w*|faux|fausse|different|ne correspond\w* pas|pourtant|alors qu\w*|or (il|elle|ils|elles|celui-ci|celle-ci) (existe|est|sont|figure|exerce|a|ont)\w*|obsolete\w*|pas a jour|pas (encore )?(ete )?(pris\w* |tenu\w* )?en compte|non (pris|tenu)\w* en compte|tranche (est )?(trop basse|trop haute|inferieure|superieure))\b/;
/** Words that ask (« comment », « pourriez-vous me dire »), a question mark aside. */
const QUESTION_WORDS =
  /\b(questions?|comment|pourquoi|est-(il|ce) possible|est-ce qu\w*|savoir si|quel(le)?s? (est|sont)|faut-il|doit-on|peut-on|puis-je|pouvons-nous|combien|(pouvez|pourriez)-vous (me |m'|nous )(indiquer|expliquer|dire|aider|preciser|confirmer|envoyer|transmettre|communiquer|adresser|faire parvenir)|(m'|nous )expliquer|ne comprend\w* pas|renseignements?|est ce que|merci de (m'|nous )?(indiquer|preciser|expliquer|dire|confirmer|communiquer|renseigner)|(souhait\w*|aimer\w*|voudr\w*) (savoir|connaitre|comprendre|avoir des (informations|precisions)|des (informations|precisions))|ou (envoyer|trouver|transmettre|adresser)|a quelle adresse)\b/;
const QUESTION = new RegExp(String.raw`\?|${QUESTION_WORDS.source}`);

const SUBJECT_SPAN = 300;

/** Whether a subject, less its reply and forward prefixes, is the subject of one of our emails. */
export function isOurSubject(subject: string): boolean {
  return fold(stripSubjectPrefixes(subject.slice(0, SUBJECT_SPAN))).startsWith(OUR_SUBJECT_PREFIX);
}

/** What the sender wrote in the subject, folded: nothing when it is the subject of one of our emails. */
function senderSubject(subject: string): string {
  return isOurSubject(subject) ? "" : fold(stripSubjectPrefixes(subject.slice(0, SUBJECT_SPAN)));
}

/**
 * The confidentiality notice of a signature: « Si vous avez reçu ce message par erreur, merci de le
 * détruire », « S'il vous a été adressé par erreur ». Its "erreur" is not said of a result.
 */
const MISDIRECTED_NOTICE =
  /\b(recu|adresse|parvenu|transmis|envoye|communique)e?s? (ce (message|courriel|mail|e-mail|document) |cette communication )?par erreur\b/;

/** Folded text without the sentences of a confidentiality notice (split first: linear time). */
function withoutNotices(folded: string): string {
  if (!folded.includes("par erreur")) return folded;
  return folded
    .split(/(?<=[.!?;])\s/)
    .filter((sentence) => !MISDIRECTED_NOTICE.test(sentence))
    .join(" ");
}

/**
 * Category of a message for support: a dispute about a result, a question, or anything else.
 * The subject the sender wrote counts with the text ("Contestation de la tranche", "Erreur de
 * tranche"); ours, kept in a reply, does not.
 *
 * A result contested outright is a dispute; a problem using the service (an error on sending, a
 * refused request, an answer still awaited) is a question; other words of wrongness ("erreur", "invalide", "pourtant") make a
 * dispute. A message about a calculation (a reply to a result, a quoted identifier) is a dispute
 * unless it only asks a question: even a thank-you, so that support looks at the result it answers.
 */
export function classifySupport(ownText: string, aboutCalculation: boolean, subject = ""): SupportCategory {
  const text = [senderSubject(subject), withoutNotices(fold(ownText))]
    .filter((part) => part !== "")
    .join(". ");
  if (CONTEST.test(text)) return "dispute";
  if (SERVICE_PROBLEM.test(text) || AWAITED.test(text)) return "question";
  if (DISPUTE.test(text)) return "dispute";
  if (aboutCalculation) return QUESTION.test(text) ? "question" : "dispute";
  if (QUESTION.test(text)) return "question";
  return "other";
}

/**
 * Courtesy that names questions without asking one: « N'hésitez pas à me contacter pour toute
 * question », « Je reste à votre disposition pour tout renseignement », « Si vous avez des
 * questions, … ». Removed from what a text says beside its access request (each span ends its clause).
 */
const COURTESY = anyOf([
  String.raw`\bn'hesit\w* pas\b[^.?!,;]*`,
  String.raw`\b(je|nous) (reste|restons|demeure|demeurons|suis|sommes) (bien entendu |bien sur )?a (votre|ta|vos) (entiere |pleine )?disposition\b[^.?!,;]*`,
  String.raw`\bsi (vous avez|tu as|besoin|necessaire)( des| d'autres| la moindre| une| quelconques?)?( autres?)?( questions?| interrogations?| renseignements?| informations?| precisions?)?\b`,
  String.raw`\b(pour|en cas de) (toute|tout|toutes|tous|d'eventuelles?|vos|d'autres?)( autres?)? (questions?|renseignements?|informations?|complements?( d'information)?|precisions?|besoins?)( complementaires?)?\b`,
]);
const COURTESY_SPANS = new RegExp(COURTESY.source, "g");
/**
 * Asked to hear back about the request (« Merci de me confirmer la prise en compte », « Pouvez-vous
 * me prévenir une fois l'accès ouvert ? ») or to act on it (« Pourriez-vous faire le nécessaire ? »,
 * « Est-il possible de le faire rapidement ? »): the decision and its confirmation answer it.
 */
const ABOUT_THE_REQUEST =
  /\b(confirm\w*|tenir (au courant|inform\w*)|(me|nous) (prevenir|avertir|faire (un )?retour|recontacter)|accuse\w* (de )?reception|faire le necessaire|(cette|ma|notre|la|votre) demande|est-(il|ce) possible|(le|la|l') faire|(etre|sera|soit|serait) (fait|faite|realisee?|traitee?)|urgent\w*|rapidement|delais?)\b/;
/**
 * The access itself (« Dans combien de temps l'accès sera-t-il actif ? »): the decision answers it,
 * unless the sender asks how or why (« comment utiliser le service une fois l'accès ouvert ? »).
 */
const ABOUT_THE_ACCESS = /\b(acces|compte|autorisation|habilitation|inscription)\b/;
const HOW_OR_WHY = /\b(comment|pourquoi|expliqu\w*|utilis\w*|fonctionn\w*)\b/;
/** Words of a result or an order: a sentence naming one is about more than the access. */
const RESULT_TOPIC =
  /\b(tranches?|calcul\w*|resultats?|classements?|finess|am|devis|examens?|factur\w*|financement|commandes?)\b/;
/** A sentence this short, with no word of a result, refers back to the request (« Comment faire ? »). */
const MIN_ASIDE_WORDS = 4;

/**
 * A sentence that only sends or asks for the calculation (« Voici notre demande : », « Pouvez-vous
 * nous faire le calcul de la tranche ? », « Je vous transmets la demande de calcul ») — the result
 * answers it — unless it says a result is wrong.
 */
const SENDS_REQUEST =
  /\b(merci|pouvez|pourriez|pourrais|peux|veuillez|voici|voila|ci-dessous|ci-joint\w*|ci-apres|trouverez|transmet\w*|envo\w*|adress\w*|joins|joignons|renvoyer|serait-il|est-il possible|je vous prie|souhait\w*|voudri\w*|aimeri\w*)\b/;
const REQUEST_TOPIC =
  /\b(calcul\w*|tranches?|demandes?|commandes?|clients?|elements?|informations?|donnees|resultats?)\b/;

/**
 * The ticket that what the sender writes beside a calculation request calls for (on contact@, where
 * the request is answered and the rest is for support): a result contested, or a question; null when
 * the words only send the request. `sentences` are the sender's own, without the request's fields.
 */
export function classifyBesideCalculation(sentences: readonly string[]): "dispute" | "question" | null {
  const beside = sentences
    .map(fold)
    .filter(
      (sentence) =>
        !(SENDS_REQUEST.test(sentence) && REQUEST_TOPIC.test(sentence)) ||
        CONTEST.test(sentence) ||
        DISPUTE.test(sentence),
    );
  return classifyBesideAccess(beside.join("\n"));
}

/**
 * The ticket that what a text says beside its access request calls for, or null: a result
 * contested, or a question (SPEC §8: the access is decided by rule, and the rest still reaches
 * support). `aside` and `asideSubject` are `besideAccessRequest`'s, one folded sentence a line.
 * Greetings, thanks and courtesy (« N'hésitez pas si besoin »), a confirmation asked for, a short
 * sentence or one about the request or the access itself (its delay) ask nothing of support; words of wrongness (« une erreur
 * dans l'adresse »), or a bare question mark, say nothing of a result unless one is named.
 */
export function classifyBesideAccess(aside: string, asideSubject = ""): "dispute" | "question" | null {
  const sentences = [senderSubject(asideSubject), ...aside.split("\n")]
    .map((sentence) => withoutNotices(sentence).replace(COURTESY_SPANS, " "))
    .filter((sentence) => {
      if (RESULT_TOPIC.test(sentence)) return true;
      if (SERVICE_PROBLEM.test(sentence)) return true;
      if (ABOUT_THE_REQUEST.test(sentence)) return false;
      if (ABOUT_THE_ACCESS.test(sentence) && !HOW_OR_WHY.test(sentence)) return false;
      return (sentence.match(/\p{L}{2,}/gu)?.length ?? 0) >= MIN_ASIDE_WORDS;
    });
  const text = sentences.join(". ");
  if (CONTEST.test(text)) return "dispute";
  if (SERVICE_PROBLEM.test(text)) return "question";
  const aboutResults = sentences.filter((sentence) => RESULT_TOPIC.test(sentence));
  if (aboutResults.some((sentence) => DISPUTE.test(sentence))) return "dispute";
  if (QUESTION_WORDS.test(text) || aboutResults.some((sentence) => sentence.includes("?"))) return "question";
  return null;
}
