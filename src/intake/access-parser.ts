import { fold } from "../text/fold.ts";
import { SENTENCE_END } from "../text/sentences.ts";

export type AccessAction = "grant" | "change" | "revoke";

export interface AccessRequest {
  action: AccessAction;
  /** The address concerned (for a change: the old one). */
  email: string;
  /** For a change: the new address. */
  newEmail: string | null;
}

/** Why an access-looking message could not be read without guessing (it goes to support). */
export type AccessAmbiguity =
  | "several-actions"
  | "several-addresses"
  | "change-without-new-address"
  | "negated-change"
  | "no-address"
  | "unreadable-address"
  /** A revoke or change for a later date or moment (« à partir du 1er janvier », « à son départ »). */
  | "dated";

export type AccessParse =
  | { status: "request"; request: AccessRequest }
  /** Several addresses listed side by side, one action for each (never a change). */
  | { status: "requests"; requests: AccessRequest[] }
  | { status: "ambiguous"; action: AccessAction | null; reason: AccessAmbiguity }
  | { status: "none" };

// Anchored at the start of a run and bounded, so a long word without "@" costs linear time.
const ADDRESS = /(?<![a-z0-9._%+'-])[a-z0-9._%+'-]{1,64}@[a-z0-9.-]{1,253}\.[a-z]{2,}/gi;
/** An address as typed, letters of any script included ("josé@éditeur.fr"). */
const WRITTEN_ADDRESS =
  /(?<![\p{L}\p{M}\p{N}._%+'-])[\p{L}\p{M}\p{N}._%+'-]{1,64}@[\p{L}\p{M}\p{N}.-]{1,253}\.[\p{L}\p{M}]{2,}/gu;
const NON_ASCII = /\P{ASCII}/u;
/** Forwarded-header lines: the addresses in them are not the ones the request names. */
const HEADER_LINE = /^\s*\*?(de|from|a|to|cc|envoye|sent|date|objet|subject)\s*\*?\s*:/;
const SUBJECT_LINE = /^\s*\*?(objet|subject)\s*\*?\s*:/;
/** "---------- Forwarded message ---------", "-----Message d'origine-----", "Début du message réexpédié :". */
const FORWARD_MARKER = /^\s*-{2,}.*-{2,}\s*$|^\s*(debut du message reexpedie|begin forwarded message)\s*:/;

/**
 * The lines the sender wrote, without forwarded headers. An « Objet : … » line in a text with no
 * other header line (« De : », « Envoyé : », « À : », « Date : ») and no forward marker is the
 * user guide's field « L'objet de la demande », not the subject of a forwarded message.
 */
function typedLines(text: string): string[] {
  const lines = text.split("\n");
  const folded = lines.map(fold);
  const forwarded = folded.some(
    (line) => (HEADER_LINE.test(line) && !SUBJECT_LINE.test(line)) || FORWARD_MARKER.test(line),
  );
  return lines.filter(
    (_, i) => !HEADER_LINE.test(folded[i]!) || (!forwarded && SUBJECT_LINE.test(folded[i]!)),
  );
}

// Matched on folded text (lowercase, no accents).
// An action word counts only when what it acts on (an access, an account, an address) follows it
// closely: "l'établissement est autorisé" in a dispute is not an access request.
// Or a list below: « : » ending the line, right after the verb or after who it is for (« les
// personnes suivantes »), and an address on the next line that holds text — not « fermer le dossier : ».
const LISTED_BELOW = String.raw`(?: (?:a |pour )?(?:les |aux |des |ces )?(?:personnes|adresses|utilisateurs|collegues|membres|contacts|comptes|acces)(?: suivant\w*)?)? ?:[ \t]*\n(?:[ \t]*\n)*[^\n@]{0,60}@`;
const OBJECT = String.raw`(?:[^\n?!]{0,80}?(\bacces\b|@|\bcomptes?\b|\bhabilitations?\b|\b(?:les|des) droits\b)|${LISTED_BELOW})`;
/** Verbs that ask for an access (request forms: infinitive, imperative). */
const GRANT_WORDS = String.raw`autoris\w*|habilit\w*|ouvr\w*|ouverture|creer|creez|creation|donner|donnez|accorder|accordez|ajout\w*|rajouter|rajoutez|activer|activez|reactiver|reactivez|inscrire|inscrivez|enregistrer|enregistrez`;
/** Verbs that end one. */
const REVOKE_WORDS = String.raw`supprim\w*|suppression|revoqu\w*|revocation|retir\w*|desactiv\w*|ferm\w*|fermeture|clotur\w*|enlever|enlevez|resili\w*|bloquer|bloquez`;
/** Verbs that move one to another address. */
const CHANGE_WORDS = String.raw`remplac\w*|transfer\w*|modifi\w*|chang\w*|mettre a jour|mettez a jour|mise a jour`;
/** What someone may do once granted (« que x@… puisse envoyer des demandes »). */
const USES_SERVICE = String.raw`(?:utiliser|acceder|avoir acces|beneficier|(?:envoyer|soumettre|transmettre|deposer|faire) (?:des|les|ses|leurs|nos|vos) demandes)\b`;
const GRANT = new RegExp(
  String.raw`\b(${GRANT_WORDS}|obtenir|avoir|nouvel)\b${OBJECT}|\bdemande d'(autorisation|habilitation)\b|\bm'(autoriser|habiliter)\b|@[^\n?!]{0,60}?\b(?:puisse(?:nt)?|doi(?:t|vent) pouvoir) ${USES_SERVICE}`,
);
/** Where a colleague has left: the company, not a project or a meeting. */
const COMPANY =
  "(?:la societe|l'entreprise|le groupe|la structure|l'equipe|la maison|nos effectifs|des effectifs|du personnel|(?:notre|nos|votre) (?:societe|entreprise|groupe|structure|equipe|effectifs|services?))";
/** A departure from the company (« a quitté la société », « ne font plus partie de nos effectifs »). */
const DEPARTED = String.raw`\b(?:(?:a|ont) quitte\w* ${COMPANY}|nous (?:a|ont) quitte\w*|(?:ne fait|ne font) plus partie (?:de )?${COMPANY}|(?:n'est|ne sont) plus (?:chez (?!vous)|salarie\w*|dans ${COMPANY}))`;
/**
 * Ending an access named before the verb, in its sentence (« le compte de paul@…, pouvez-vous le
 * désactiver ? »); a dot inside an address does not end it.
 */
const REVOKE_VERB_FORMS = "(?:supprim|revoqu|retir|desactiv|ferm|clotur|enlev|resili|bloqu)(?:er|ez)";
const ENDED_AFTER = String.raw`\b(?:acces|habilitations?|(?<!\b(?:tenir|tenez|tenu|tient|en) )comptes?(?! rendus?| tenu))\b(?:[^\n?!.]|\.(?=\S)){0,80}?(?:\b(?:le |la |les |l' ?)${REVOKE_VERB_FORMS}\b|\b${REVOKE_VERB_FORMS}-(?:le|la|les)\b)`;
const REVOKE = new RegExp(String.raw`\b(${REVOKE_WORDS})\b${OBJECT}|${DEPARTED}|${ENDED_AFTER}`);
const CHANGE =
  /\b(modifi\w*|changement|change[rz]?|remplac\w*|mise a jour|mettre a jour|mettez a jour)\b[^\n?!]{0,60}?(\badresse\b|\be-?mail\b|@|\bacces\b|\bcompte\b)|\btransfer\w*\b[^\n?!]{0,30}?\b(acces|compte)\b|\b(acces|compte)\b[^\n?!]{0,40}?\btransfer\w*|\b(nouvelle adresse|nouvel (e-?)?mail|ancienne adresse|ancien (e-?)?mail)\b/;
/**
 * The guide's heading « Demande d'accès » followed by whom it is for (« Demande d'accès pour x@… »):
 * a grant, unless the text names another action, for the heading covers all three. Not « ma demande
 * d'accès pour … » (a follow-up, often a complaint), « annuler la demande d'accès … » nor « ce n'est
 * pas une demande d'accès ».
 */
const ACCESS_ASKED =
  /(?<!\b(?:ma|mes|notre|nos|votre|vos|sa|ses|leur|leurs|cette|la|les|precedente|derniere|pas|pas une|pas de) )(?<!\bannul\w* (?:\w+ )?)\bdemandes? d'acces (?:au service )?(?:pour\b|:)/;
// "ne plus autoriser", "ne doit plus avoir accès", "n'a plus besoin de l'accès": the access ends.
// Not "ne peut plus accéder" or "n'arrive plus à": those report a problem.
const NO_LONGER =
  /\bne plus (?:lui |leur )?(?:autoris\w*|habilit\w*|donner)\b|\bne (?:doit|doivent|devra|devront) plus (?:avoir|acceder|utiliser|etre autorise\w*)\b|\bn'(?:a|ont|aura|auront) plus besoin\b|\bn'(?:ai|avons|avez|aurai|aurons) plus besoin (?:de |d' ?|du |des )(?:l' ?|(?:mon|ma|mes|notre|nos|votre|vos|son|sa|ses|leur|leurs|cet|cette|ce|ces) )?(?:acces|comptes?|habilitations?|autorisations?)\b|\b(?:acces|comptes?|habilitations?)\b[^\n?!]{0,80}?\b(?:n'est|ne sont) plus (?:necessaire|utile|requis|justifie)s?\b/g;
// "ne pas autoriser", "n'accordez pas", "n'ajoutez pas", "ne doit pas avoir": not a grant, and not
// certain enough to revoke anything.
const NOT_GRANTED =
  /\bne (?:faut|veu[tx]|voulons|voudrions|souhait\w*|doit) (?:plus|pas) que\b[^\n?!]{0,80}?\bpuisse(?:nt)?\b|\bn(?:e\s+|')(?:\w+\s+){0,2}?pas\s+(?:\w+\s+){0,2}?(?:autoris\w*|habilit\w*|donner|accorder|ouvrir|creer|ajouter|rajouter|activer|reactiver|inscrire|enregistrer|avoir|obtenir)\b|\bn'(?:autoris|accord|ouvr|cre|ajout|enregistr)\w*\s+pas\b|\bn'(?:activ|inscri)\w*\s+(?:\w+\s+)?pas\b|\bne (?:rajout|reactiv)\w*\s+(?:\w+\s+)?pas\b/g;
// "ne pas supprimer", "ne désactivez surtout pas": the access stays; nothing to revoke.
const NOT_REVOKED =
  /\bn(?:e\s+|')(?:\w+\s+){0,2}?pas\s+(?:\w+\s+){0,2}?(?:supprim\w*|retir\w*|revoqu\w*|desactiv\w*|ferm\w*|clotur\w*|enlev\w*|resili\w*|bloqu\w*)\b|\bne (?:(?:le|la|les|lui|leur) |l' ?)?(?:supprim|retir|revoqu|desactiv|ferm|clotur|resili|bloqu|enlev)\w*\s+(?:\w+\s+)?pas\b|\bn'enlev\w*\s+(?:\w+\s+)?pas\b/g;
// "ne pas remplacer", "ne transférez pas", "n'est pas remplacé", "ni le remplacer": no change is
// wanted. Not « n'hésitez pas à modifier … », a courtesy.
const NOT_CHANGED = new RegExp(
  String.raw`\bn(?:e\s+|')(?!hesit)(?:\w+\s+){0,2}?pas\s+(?:\w+\s+){0,2}?(?:${CHANGE_WORDS})\b|\bne (?:remplac|transfer|modifi|chang)\w*\s+(?:\w+\s+)?pas\b|\bni (?:le |la |les |l')?(?:remplac|transfer|modifi|chang)\w*`,
);
/** Participles of the access actions (folded): what was done, not what is asked. */
const DONE =
  "(?:supprime|retire|revoque|desactive|ferme|cloture|enleve|resilie|bloque|autorise|habilite|ouvert|cree|donne|accorde|ajoute|rajoute|active|reactive|inscrit|enregistre)e?s?";
/**
 * What was done, reported: « avez-vous supprimé », « qui a autorisé », « a-t-il été ouvert », « une
 * confirmation de suppression » (an email of ours, quoted). Not a request to do it again.
 */
const REPORTED = new RegExp(
  [
    String.raw`\b(?:avez|avons|avaient|avait|aviez|ont|ai|as|(?:il|elle|on|qui|vous|nous|l'|m'|lui|cela|ce) a)(?:-(?:vous|nous|t-il|t-elle|t-on|ils|elles))?\s+(?:(?:bien|deja|pas|jamais|encore)\s+)*${DONE}\b`,
    String.raw`\b(?:a|ont|avait|avaient|aurait|auraient|est|sont|etait)(?:-t-(?:il|elle))?\s+(?:\w+\s+)?ete\s+${DONE}\b`,
    String.raw`\bconfirmation (?:de |d')(?:la |l')?(?:suppression|revocation|fermeture|desactivation|ouverture|creation|autorisation|habilitation)\b`,
  ].join("|"),
  "g",
);
/** A question about why or by whom (« Pourquoi … ? », « Qui a demandé … ? »): it asks support, not for an action. */
const WHY_OR_WHO =
  /^(?:(?:bonjour|madame|monsieur|hello)[\s,]*)*(?:pourquoi|qui|pour quelle raison|comment se fait-il|est-ce normal|savez-vous pourquoi)\b[^?]*\?/;

/** The text without what it reports of earlier decisions: what is left asks for an action. */
function withoutReports(folded: string): string {
  return folded
    .split(SENTENCE_END)
    .filter((sentence) => !WHY_OR_WHO.test(sentence))
    .join("\n")
    .replace(REPORTED, " ");
}

const SELF =
  /\b(mon (acces|compte|adresse)|mes acces|m'(autoriser|ouvrir|habiliter|retirer|supprimer|ajouter|inscrire)|me (donner|creer|ouvrir|retirer|supprimer|accorder|ajouter|inscrire|permettre)|(je|j') ?(souhaite\w*|voudrais|aimerais|demande|sollicite)( a| d')? (avoir|obtenir|acceder|beneficier)|pour moi)\b/;
/** Words for someone other than the sender, named without an address ("notre collaborateur"). */
const PERSON = String.raw`(?:collegue|collaborat\w*|salarie\w*|employe\w*|stagiaire|remplacant\w*|successeur|arrivant\w*|recrue|monsieur|madame|mme|mr|dr|docteur|m\.)`;
/**
 * Someone else where the address would be: "l'accès pour ma collègue", "l'accès de M. Durand",
 * "autoriser notre stagiaire", "son accès". Not "Madame, Monsieur," opening a letter.
 */
const THIRD_PARTY = new RegExp(
  String.raw`\b(?:acces|compte|habilitation)(?: au service)?\s+(?:pour|de|d'|a)\s+(?:(?:ma|mon|notre|nos|un|une|le|la|l'|nouvel\w*|futur\w*)\s*)*${PERSON}|\b(?:autoriser|habiliter|supprimer|retirer|desactiver|ajouter|rajouter|(?:re)?activer|inscrire|enlever)\s+(?:(?:ma|mon|notre|nos|le|la|l')\s*)*${PERSON}|\b(?:son|leur) (?:acces|compte)\b`,
);
/** Such a word anywhere: a grant that names nobody but speaks of a colleague is not the sender's. */
const THIRD_PARTY_ANYWHERE =
  /\b(collegue|collaborat\w*|salarie\w*|employe\w*|stagiaire|remplacant\w*|successeur|arrivant\w*|recrue)\b/;
/** "l'accès de Paul Durand", "autoriser Jeanne Martin": a person's name where the address would be. */
const NAMED =
  /(?:\b(?:acc[eè]s|compte|habilitation)\s+(?:de|d'|pour|à|a)|\b(?:autoriser|habiliter|supprimer|retirer|d[ée]sactiver|ajouter|rajouter|(?:r[ée])?activer|inscrire|enlever))\s*(?!S[ée]gur|Num[ée]rique|Imagerie)\p{Lu}\p{Ll}+[\s-]+\p{Lu}[\p{Ll}\p{Lu}]+/u;
const STAND_IN =
  /\b(temporaire\w*|provisoire\w*|pendant|durant|le temps d\w*|conges?|absence|absent\w*|vacances|interim\w*|arret maladie|maternite|paternite)\b/;
/**
 * Whether a sentence naming an address speaks of a while (STAND_IN). Sentences end at « . », « ? »,
 * « ! » before a space, or at a blank line, so a sentence wrapped over lines stays whole; one naming
 * no address (« Je serai absente du 24 au 2 ») says nothing of the request.
 */
function standsIn(folded: string): boolean {
  return folded
    .split(/(?<=[.?!])\s+|\n\s*\n/)
    .some((sentence) => sentence.includes("@") && STAND_IN.test(sentence));
}

/** The one replaced keeps an access too (« ils gardent tous deux l'accès », « en plus de son accès »). */
const BOTH_KEEP =
  /\b(?:gard|conserv)\w* (?:son |leur |l'|ses |les |tous deux |toutes deux |tous les deux )?acces\b|\btous (?:les )?deux\b|\btoutes (?:les )?deux\b|\ben plus de (?:son|leur|l')\b/;

/** A line that asks something of an address, not a signature's: "Email concerné : …", "supprimer l'accès de …". */
const ACTION_LINE = /acces|autoris|habilit|supprim|retir|revoqu|desactiv|compte|concerne/;
const ACCESS_TOPIC = /@|\bacces\b|\bcompte\b|\bautoris|\bhabilit|\butilisateur|\badresse|\bmail\b/;

/** "remplacer a@x par b@x", "ancien : a@x … nouveau : b@x", "a@x → b@x", "de a@x à/vers b@x". */
function findChange(folded: string, changeElsewhere: boolean): { from: string; to: string } | null {
  const a = "(?<![a-z0-9._%+'-])([a-z0-9._%+'-]{1,64}@[a-z0-9.-]{1,253}\\.[a-z]{2,})";
  const patterns = [
    // A bare "par" or "en" only after a change verb: "validée par b@x" names who approved, not a new address.
    new RegExp(
      `\\b(remplac\\w*|modifi\\w*|chang\\w*|substitu\\w*)\\b[^@\\n]{0,60}?${a}[^@\\n]{0,60}?\\b(par|en|pour)\\s+(l'adresse\\s+)?${a}`,
    ),
    new RegExp(`${a}[^@\\n]{0,60}?\\b(remplacee? par|devient|sera desormais)\\s+(l'adresse\\s+)?${a}`),
    // A bare "a@x par b@x" or "a@x en b@x" when the message speaks of a change elsewhere (its
    // subject "Changement d'adresse"), but not "… validée par b@x", "transmise par b@x".
    ...(changeElsewhere
      ? [
          new RegExp(
            `${a}(?![^@\\n]{0,60}?\\b(valid|approuv|sign|envoy|transmi|demand|propos|autoris|accord)\\w*\\s+(par|en)\\b)[^@\\n]{0,60}?\\b(par|en)\\s+(l'adresse\\s+)?${a}`,
          ),
        ]
      : []),
    // The leaver named first, the successor in a later sentence: « A a quitté la société, merci de
    // supprimer son accès et de le remplacer par B », « son accès doit être transféré à B », « son
    // successeur est B » (with an access to transfer), « mettre à jour A ? La nouvelle est B ». The
    // successor's name may come before the address: « par celui de sa successeure, Nina Perrin (B) ».
    new RegExp(
      `${a}[^@]{0,200}?\\b(?:(?:le|la|les|l')\\s*remplacer|remplacee?s?)\\s+par\\b[^@\\n]{0,60}?${a}`,
    ),
    new RegExp(
      `${a}[^@]{0,200}?\\b(acces|compte)\\b[^@\\n?!.]{0,40}?\\btransfer\\w*\\s+(a|vers|sur|pour)\\s+(l'adresse\\s+)?${a}`,
    ),
    new RegExp(
      `\\btransfer\\w*\\s+(?:son |l'|leur |les )?(?:acces|compte)s?\\s+(?:de\\s+)?${a}\\s+(a|vers|sur|pour)\\s+(l'adresse\\s+)?${a}`,
    ),
    ...(/\b(acces|compte|transfer\w*|autoris\w*|habilit\w*)\b/.test(folded)
      ? [new RegExp(`${a}[^@]{0,200}?\\b(successeur\\w*|remplacant\\w*)\\s+(est|sera)\\b[^@\\n]{0,60}?${a}`)]
      : []),
    new RegExp(
      `\\b(modifi\\w*|chang\\w*|mettre a jour|mettez a jour|mise a jour)\\b[^@]{0,60}?${a}[^@]{0,120}?\\bla nouvelle(?:\\s+(?:adresse|e-?mail|mail))?\\s*(?:est|sera|:)\\s*(l'adresse\\s+)?${a}`,
    ),
    // A revoke then a grant « à la place »: « retirer l'accès de A et ajouter B à la place ».
    new RegExp(
      `\\b(?:${REVOKE_WORDS})\\b[^@\\n]{0,60}?${a}[^@\\n]{0,80}?${a}\\s+(a sa place|a la place|en remplacement)\\b(?!\\s+d)`,
    ),
    new RegExp(`ancien\\w*[^@\\n]{0,40}?${a}[\\s\\S]{0,200}?nouve\\w*[^@\\n]{0,40}?${a}`),
    new RegExp(`${a}\\s*(->|=>|→|>)\\s*${a}`),
    new RegExp(`\\bde\\s+${a}\\s+(a|vers)\\s+${a}`),
  ];
  for (const pattern of patterns) {
    const m = pattern.exec(folded);
    if (!m) continue;
    // « Le devis de a est remplacé par celui de b »: a document replaced, not an address.
    if (DOCUMENT.test(folded.slice(Math.max(0, m.index - 40), m.index + m[0].length))) continue;
    const found = m.slice(1).filter((g): g is string => !!g && g.includes("@"));
    if (found.length === 2 && found[0] !== found[1]) return { from: found[0]!, to: found[1]! };
  }
  // The successor named first: « B en remplacement de A », « autoriser B à la place de A », « B
  // remplace A ».
  const successorFirst = [
    new RegExp(`${a}[^@\\n]{0,60}?\\b(en remplacement de|a la place de)\\s+(l'adresse\\s+)?${a}`),
    new RegExp(`${a}\\s+(remplace|succede a|prend la suite de|prend le relais de)\\s+(l'adresse\\s+)?${a}`),
  ];
  for (const pattern of successorFirst) {
    const found =
      pattern
        .exec(folded)
        ?.slice(1)
        .filter((g): g is string => !!g && g.includes("@")) ?? [];
    if (found.length === 2 && found[0] !== found[1]) return { from: found[1]!, to: found[0]! };
  }
  // « En remplacement de A, merci d'ouvrir un accès pour B ».
  const leaverFirst = new RegExp(
    `\\b(en remplacement de|a la place de)\\s+(l'adresse\\s+)?${a}[^@\\n]{0,80}?${a}`,
  ).exec(folded);
  if (leaverFirst?.[3] && leaverFirst[4] && leaverFirst[3] !== leaverFirst[4])
    return { from: leaverFirst[3], to: leaverFirst[4] };
  // Labelled form: "Email concerné : a@x … Mise à jour demandée / Si modification / Nouvel email : b@x",
  // the value possibly worded "remplacer par b@x" (the guide's « Si modification : la mise à jour demandée »).
  const labelledNew = new RegExp(
    `(si modification|mises? a jour( demandee)?|nouve\\w*( adresse| e-?mail| mail)?)\\s*[:=]\\s*(?:(?:remplac\\w*|chang\\w*|modifi\\w*)\\s+(?:par|en|pour)\\s+)?(?:l'adresse\\s+)?${a}`,
  ).exec(folded);
  const labelledOld = new RegExp(`(email|adresse|mail) concerne\\w*\\s*[:=]\\s*${a}`).exec(folded);
  // « Objet de la demande : autorisation d'accès » beside a new address asks two things: not a change.
  const subject = /\bobjet( de la demande)?\s*[:=]([^\n]*)/.exec(folded)?.[2] ?? "";
  const otherSubject =
    /autoris|habilit|suppr|revoc|retir/.test(subject) && !/modif|chang|mise a jour/.test(subject);
  if (labelledNew && labelledOld && !otherSubject) {
    const to = labelledNew[labelledNew.length - 1]!;
    const from = labelledOld[labelledOld.length - 1]!;
    if (to !== from) return { from, to };
  }
  const reversed = new RegExp(`nouve\\w*[^@\\n]{0,40}?${a}[\\s\\S]{0,200}?ancien\\w*[^@\\n]{0,40}?${a}`).exec(
    folded,
  );
  if (reversed?.[1] && reversed[2] && reversed[1] !== reversed[2])
    return { from: reversed[2], to: reversed[1] };
  return null;
}

/** The end of `text` since its last sentence ended (« . », « ? », « ! » or a line break). */
const lastSentence = (text: string) => text.slice(Math.max(0, text.search(/[^.?!\n]*$/)));

/** The sender's own address or access, or their successor: what a change of their own speaks of. */
const SELF_CHANGE =
  /\b(?:mon|ma|mes) (?:adresses?|acces|compte|e-?mail|mail|nouvelle adresse|ancienne adresse|successeure?|remplacante?)\b|\bje change\w* d'adresse\b/;
/**
 * The last word before an address that says which side of the change it is: « ancienne » (the old
 * one), or « nouvelle », « successeur », « transférer … à », « devient », « remplacer … par » (the
 * new one). A bare « par » only after a verb of change: « validée par x@… » names an approver.
 */
const SIDE_MARK =
  /\b(?:(ancien\w*)|(nouve\w*|successeure?s?|remplacante?s?|devient|deviendra|transfer\w*[^@.?!\n]{0,30}?\b(?:a|vers|sur)|(?:remplac|chang|modifi)\w*[^@.?!\n]{0,40}?\bpar))\b/g;

const ADDITIONAL = /\b(?:aussi|egalement|en plus|secondaire|supplementaire|deuxieme|seconde)\b/;
const EXPLICIT_CHANGE = new RegExp(`\\b(?:${CHANGE_WORDS})\\b`);

/**
 * A change of the sender's own address, the other one named once: « ma nouvelle adresse est b@… »,
 * « remplacer mon adresse par b@… », « transférer mon accès à b@… », « mon successeur sera b@… »
 * (from the sender to it), « mon ancienne adresse était a@… » (from it to the sender). Null when no
 * word beside the address says which side it is.
 */
function ownAddressChange(
  folded: string,
  sender: string,
  addresses: readonly string[],
): { from: string; to: string } | null {
  const others = addresses.filter((a) => a !== sender);
  if (others.length !== 1 || !CHANGE.test(folded) || !SELF_CHANGE.test(folded)) return null;
  // « ajouter ma nouvelle adresse secondaire », « autoriser aussi ma nouvelle adresse »: another
  // address of theirs, granted beside the sender's, unless the text says it changes.
  if (ADDITIONAL.test(folded) || (GRANT_VERB.test(folded) && !EXPLICIT_CHANGE.test(folded))) return null;
  const other = others[0]!;
  const before = folded.slice(0, folded.indexOf(other));
  const sentence = lastSentence(before);
  const mark = [...sentence.matchAll(SIDE_MARK)].at(-1);
  // The mark names this address: at most three words between them (« est », « sera l'adresse »).
  if (!mark || (sentence.slice(mark.index + mark[0].length).match(/\w+/g) ?? []).length > 3) return null;
  return mark[1] ? { from: other, to: sender } : { from: sender, to: other };
}

const ACCESS_OBJECT = /\b(?:acces|compte|habilitation|droits?|autorisation)\b/;
const GRANT_VERB = new RegExp(`\\b(?:${GRANT_WORDS})\\b`);
const REVOKE_VERB = new RegExp(`\\b(?:${REVOKE_WORDS})\\b`);

/**
 * « Créer un accès pour B et fermer celui de A »: each address after a verb of one action only —
 * the words since the sentence began or the other address ended — is a change from the revoked
 * one to the granted one. Null when either address is not so plainly the object of its own action.
 */
function grantedAndRevoked(
  folded: string,
  addresses: readonly string[],
): { from: string; to: string } | null {
  // Negations gone: « ne plus autoriser » revokes, « ne pas supprimer » asks nothing.
  const plain = folded.replace(NO_LONGER, " retirer ").replace(NOT_GRANTED, " ").replace(NOT_REVOKED, " ");
  const placed = addresses
    .map((address) => ({ address, at: plain.indexOf(address) }))
    .sort((x, y) => x.at - y.at);
  if (placed.some((p) => p.at < 0)) return null;
  const actions = placed.map(({ address, at }, i) => {
    const previous = placed[i - 1];
    const from = previous ? previous.at + previous.address.length : 0;
    const before = plain.slice(from, at);
    const segment = lastSentence(before);
    const grants = GRANT_VERB.test(segment);
    const revokes = REVOKE_VERB.test(segment);
    if (grants === revokes) return { address, action: null };
    // The verb acts on the address's access (« fermer l'accès de », « fermer celui de », « activer »),
    // not on something else of it (« fermer le ticket ouvert par »).
    const verb = [...segment.matchAll(new RegExp((grants ? GRANT_VERB : REVOKE_VERB).source, "g"))].at(-1)!;
    const object = segment.slice(verb.index + verb[0].length);
    const onAccess = ACCESS_OBJECT.test(object) || (object.match(/[\p{L}']+/gu) ?? []).length <= 2;
    return { address, action: onAccess ? (grants ? "grant" : "revoke") : null };
  });
  const granted = actions.find((a) => a.action === "grant");
  const revoked = actions.find((a) => a.action === "revoke");
  return granted && revoked ? { from: revoked.address, to: granted.address } : null;
}

/** What else a message replaces: a document of the order, not an address. */
const DOCUMENT =
  /\b(?:versions?|fichiers?|documents?|devis|bons? de commande|commandes?|tableaux?|pdf|excel|pieces? jointes?|factures?)\b/;

export interface AccessContext {
  /** The sender, lowercased: an address-less "merci de m'autoriser" concerns the sender. */
  sender: string | null;
  /** The service's own addresses, never the address concerned. */
  ownAddresses: readonly string[];
}

/**
 * Reads an access request (grant, change, revoke) from a labelled form or free French text.
 * When the action or the address is not certain it says so instead of guessing.
 */
export function parseAccessRequest(text: string, context: AccessContext): AccessParse {
  const ownLines = typedLines(text);
  const parsed = readAccessRequest(ownLines, context);
  if (parsed.status !== "request" && parsed.status !== "requests") return parsed;
  // The patterns read folded text, where "josé@éditeur.fr" is "jose@editeur.fr" (another mailbox,
  // another domain) and "straße@x.fr" leaves "e@x.fr": an address typed with letters beyond ASCII
  // cannot be read faithfully, so support reads it. The sender's own (a signature) is no request.
  const sender = context.sender?.normalize("NFC");
  const accented = ownLines
    .join("\n")
    .normalize("NFC")
    .toLowerCase()
    .match(WRITTEN_ADDRESS)
    ?.some((a) => NON_ASCII.test(a) && a !== sender);
  const action = parsed.status === "request" ? parsed.request.action : parsed.requests[0]!.action;
  if (accented) return { status: "ambiguous", action, reason: "unreadable-address" };
  // An access ended or moved before its date stops a colleague's work: support does it when due. A
  // grant given early takes nothing away.
  if (action !== "grant" && setsDate(ownLines)) return { status: "ambiguous", action, reason: "dated" };
  return parsed;
}

const MONTH = "(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre)";
/**
 * A date or a moment to come, folded (« à partir du 1er janvier », « le 31/12 », « fin décembre »,
 * « à son départ », « lorsqu'il partira »). Not now (« à partir de maintenant », « dès aujourd'hui »).
 */
const LATER = new RegExp(
  [
    String.raw`\ba (?:partir|compter|dater) (?:du |de |d' ?)(?!maintenant|aujourd'hui|ce jour|suite|tout de suite|(?:la )?reception|cet instant)`,
    String.raw`\b(?:\d{1,2}(?:er)?|premier) ${MONTH}\b|\b(?:en|fin|debut|courant|mi-?) ?${MONTH}\b`,
    String.raw`(?<![\d./])\d{1,2}(?:/\d{1,2}(?:/\d{2,4})?|[.-]\d{1,2}[.-]\d{2,4})(?![\d./-])`,
    String.raw`\ba la fin (?:du|de|d')|\ben fin (?:de|d')|\bfin (?:du mois|de mois|de (?:la )?semaine|d'annee|de l'annee|\d{4})\b`,
    String.raw`\bd'ici\b|\bdemain\b|\bprochaine?s?\b|\bdans (?:\w+ )?(?:jours?|semaines?|mois)\b|\ba (?:cette|la) date\b`,
    String.raw`\b(?:a|apres|des|avant|au moment de|lors de) (?:son|sa|leur|leurs) (?:depart|sortie|fin de contrat|retraite|mutation|demission)\b`,
    String.raw`\b(?:lorsqu' ?|quand |des qu' ?|apres qu' ?|une fois qu' ?|au moment ou )(?:il|elle|ils|elles|on)\b`,
  ].join("|"),
);
/** What already happened, to the clause's end (« a quitté la société le 30 novembre », « depuis le 1er »). */
const HAPPENED =
  /\b(?:(?:a|ont|avait|avaient|est|sont|etait|etaient) (?:\w+ )?(?:(?:quitte|parti|termine|fini|demissionne)(?:e|s|es)?|ete \w+)|depuis)\b[^,;]*/g;

/** Whether a sentence that asks for the access sets it a date or a moment to come. */
function setsDate(ownLines: readonly string[]): boolean {
  return ownLines
    .join("\n")
    .split(SENTENCE_END)
    .map(fold)
    .some((sentence) => asksAccess(sentence) && LATER.test(sentence.replace(HAPPENED, " ")));
}

function readAccessRequest(ownLines: readonly string[], context: AccessContext): AccessParse {
  const folded = ownLines.map(fold).join("\n");
  if (!ACCESS_TOPIC.test(folded)) return { status: "none" };
  const own = new Set(context.ownAddresses.map((a) => a.toLowerCase()));
  const addresses = [...new Set((folded.match(ADDRESS) ?? []).map((a) => a.toLowerCase()))].filter(
    (a) => !own.has(a),
  );

  const negatedChange = NOT_CHANGED.test(folded);
  // A stand-in (« pendant ses congés », « remplace temporairement ») shares the access for a while,
  // and « ils gardent tous deux l'accès » for good: no change, which would take the access of the
  // one replaced.
  const shared = standsIn(folded) || BOTH_KEEP.test(folded);
  const change = shared || negatedChange ? null : findChange(folded, CHANGE.test(folded));
  // « Comment remplacer a@… par b@… ? », « faut-il changer … ? »: a question, and a change would
  // take a@…'s access away (like a revoke only asked about, below).
  if (change && onlyAsksAbout(ownLines, HOW_OR_WHETHER)) return { status: "none" };
  if (change && !own.has(change.from) && !own.has(change.to)) {
    // Any other address named ("… et d'ajouter c@autre.fr") is a request the change would drop
    // unread, and SPEC §4 judges every address a request names: support reads it.
    const more = addresses.some((a) => a !== change.from && a !== change.to && a !== context.sender);
    if (more) return { status: "ambiguous", action: "change", reason: "several-addresses" };
    return { status: "request", request: { action: "change", email: change.from, newEmail: change.to } };
  }

  const ownChange =
    context.sender && !shared && !negatedChange ? ownAddressChange(folded, context.sender, addresses) : null;
  if (ownChange)
    return {
      status: "request",
      request: { action: "change", email: ownChange.from, newEmail: ownChange.to },
    };

  // A negated grant is no grant: "ne plus autoriser" ends an access, "ne pas autoriser" asks nothing certain.
  const noLonger = new RegExp(NO_LONGER.source).test(folded);
  const asked = withoutReports(folded);
  const affirmative = asked.replace(NO_LONGER, " ").replace(NOT_GRANTED, " ");
  const revoke = noLonger || REVOKE.test(asked.replace(NOT_REVOKED, " "));
  const changeWords = CHANGE.test(folded) && !negatedChange;
  const grant = GRANT.test(affirmative) || (ACCESS_ASKED.test(affirmative) && !revoke && !changeWords);
  if (!grant && !revoke && negatedChange && CHANGE.test(folded))
    return { status: "ambiguous", action: "change", reason: "negated-change" };
  if (!grant && !revoke && !changeWords) return { status: "none" };
  // A signature often repeats the sender's address: it is not the address the request names.
  const others = addresses.filter((a) => a !== context.sender);
  // Asked how to get an access, naming nobody: the procedure, not an access. A colleague's access
  // asked about is granted (what the asker is after, and undone in one step), but one only asked
  // about ending (« faut-il supprimer l'accès de paul@… ? ») is kept: a revoke takes it away.
  if (others.length === 0 && onlyAsksAbout(ownLines, HOW_TO)) return { status: "none" };
  if (revoke && !grant && onlyAsksAbout(ownLines, HOW_OR_WHETHER)) return { status: "none" };
  if (changeWords && !grant && !revoke)
    return { status: "ambiguous", action: "change", reason: "change-without-new-address" };
  if (grant && revoke) {
    const swap = others.length === 2 && !shared ? grantedAndRevoked(folded, others) : null;
    if (swap)
      return { status: "request", request: { action: "change", email: swap.from, newEmail: swap.to } };
    return { status: "ambiguous", action: null, reason: "several-actions" };
  }
  const action: AccessAction = grant ? "grant" : "revoke";
  // Someone named where the address would be (« supprimer l'accès de Marc Durand ») and the address
  // written elsewhere (« paul@… est en copie »): the request is for the one named, whose address the
  // text does not give — never for the other one.
  if (others.length > 0 && namedWithoutAddress(ownLines.join("\n")))
    return { status: "ambiguous", action, reason: "no-address" };
  // The address of a successor (« paul@… reprend les dossiers de Marc », « son successeur est
  // paul@… »): the access to end is the one who left's, whose address the text does not give.
  if (action === "revoke" && others.some((address) => namesSuccessor(folded, address)))
    return { status: "ambiguous", action, reason: "no-address" };
  // A revoke takes away only what it acts on: not an address kept or excepted (« sauf celui de … »,
  // « seul … doit rester »), nor one written elsewhere (« Contact : … »).
  if (action === "revoke" && !others.every((address) => revokeActsOn(folded, address)))
    return { status: "ambiguous", action, reason: "no-address" };
  // « … à toute l'équipe sauf paul@… »: the one excepted is not granted either.
  if (action === "grant" && others.some((address) => excepted(folded, address)))
    return { status: "ambiguous", action, reason: "no-address" };

  if (others.length > 1) {
    // Colleagues listed side by side each get the action (« autoriser a@x.fr et b@x.fr », a
    // bulleted list); any other address named is not certainly asked for: support reads it.
    const listed = others.length <= MAX_LISTED ? listedAddresses(folded, others) : null;
    if (!listed) return { status: "ambiguous", action, reason: "several-addresses" };
    return { status: "requests", requests: listed.map((email) => ({ action, email, newEmail: null })) };
  }
  if (others[0]) return { status: "request", request: { action, email: others[0], newEmail: null } };
  // No other address: never the sender's when the request names someone else where the address
  // would be ("l'accès de Paul Durand", "l'accès pour ma collègue"); the sender's when the text is
  // about them ("supprimer mon accès", "je souhaite obtenir un accès", their address on the line
  // that asks), whatever else it says (a signature's "stagiaire"); and for a grant that names
  // nobody and no colleague. A revoke, which takes an access away, needs them named.
  const sender = context.sender;
  const senderNamed =
    !!sender && folded.split("\n").some((line) => line.includes(sender) && ACTION_LINE.test(line));
  const someoneElse = THIRD_PARTY.test(folded) || NAMED.test(ownLines.join("\n"));
  const aboutSender =
    !someoneElse &&
    (SELF.test(folded) || senderNamed || (action === "grant" && !THIRD_PARTY_ANYWHERE.test(folded)));
  if (!sender || !aboutSender) return { status: "ambiguous", action, reason: "no-address" };
  return { status: "request", request: { action, email: sender, newEmail: null } };
}

/** More addresses than this in one message: support reads the list (a mistake costs more). */
const MAX_LISTED = 10;
/** A bracketed aside without an address: a name (« (Paul Martin) »), unless it says more (« (en copie) »). */
const ASIDE = /\(([^()@\n]{0,60})\)/g;
/** Between two addresses of a list on one line: separators and linking words (« , », « et pour »). */
const INLINE_GAP = /^[\s,;&/+<>]*(?:(?:et|ainsi que|de|d'|a|pour|aussi)[\s,;&/+<>]+)*$/;
/**
 * What ends a list on one line: « et », « ainsi que », « ; » or « & » before its last address. A
 * bare comma may set apart an apposition (« l'accès de a@x.fr, b@x.fr reprenant ses dossiers »).
 */
const LAST_INLINE_GAP = /\bet\b|\bainsi que\b|[;&]/;
/**
 * After the last address of a list on one line: the end of the line or of the clause, or what
 * they are added to or taken from (« à la liste des utilisateurs », « au service », « de la
 * plateforme »), not a verb of its own.
 */
const INLINE_END =
  /^\s*(?:$|[,;.!?:)>]|(?:a|au|aux|de|du|des) (?:la |l')?(?:liste|service|plateforme|outil|portail|utilisateurs?)\b)/;
/** What ends a list item's line after its address. */
const ITEM_TAIL = /^[\s,;.>]*(?:(?:et|ainsi que)\s*)?$/;
/** What starts a list item's line before its address: a bullet or number, a name and « : » or « < ». */
const ITEM_HEAD =
  /^\s*(?:[-*•·–—>]|\d{1,2}[.)])?\s*(?:(?:et|ainsi que)\s+)?(?:([a-z'-]+(?: [a-z'-]+){0,3})\s*[:<-]?\s*)?<?\s*$/;
/** A line holding only a name (« Paul Martin », « Dr B. Durand »). */
const NAME_LINE = /^\s*[a-z'-]+(?:\.? [a-z'-]+){0,3}\s*$/;
/** Words that make a line's text more than a name: who validated, who is copied, who keeps access. */
const NOT_A_NAME =
  /\b(?:par|pour|de|du|des|la|le|les|en|copie|cc|demande|valide\w*|validation|merci|responsable|manager|signe\w*|approuv\w*|avec|sans|sauf|garde\w*|conserve\w*|reste\w*|qui|que|ne|pas|plus|deja|acces|compte|sien|sienne)\b/;

/**
 * The addresses, in the text's order, when each is named once and they stand side by side in one
 * list: on a line, set apart by « , », « ; », « et »…; or one to a line (blank lines between
 * allowed), each line holding only a bullet, a name and the address. Null otherwise.
 */
function listedAddresses(folded: string, others: readonly string[]): string[] | null {
  const text = folded.replace(ASIDE, (aside, words: string) =>
    NOT_A_NAME.test(words) ? aside : " ".repeat(aside.length),
  );
  const wanted = new Set(others);
  const found = [...text.matchAll(ADDRESS)].filter((m) => wanted.has(m[0].toLowerCase()));
  if (found.length !== others.length) return null;
  let lineList = false;
  for (let i = 1; i < found.length; i++) {
    const previous = found[i - 1]!;
    const current = found[i]!;
    const gap = text.slice(previous.index + previous[0].length, current.index);
    if (!gap.includes("\n")) {
      if (!INLINE_GAP.test(gap)) return null;
      continue;
    }
    lineList = true;
    const pieces = gap.split("\n");
    const head = pieces.at(-1)!;
    const name = ITEM_HEAD.exec(head);
    if (!ITEM_TAIL.test(pieces[0]!) || !name || NOT_A_NAME.test(name[1] ?? "")) return null;
    // Between items, blank lines, or a name on a line of its own (a table's name cell, as Outlook
    // writes each cell on its own line).
    const between = pieces.slice(1, -1).filter((line) => line.trim() !== "");
    if (between.length > 2 || between.some((line) => !NAME_LINE.test(line) || NOT_A_NAME.test(line)))
      return null;
  }
  const last = found.at(-1)!;
  const end = last.index + last[0].length;
  const tail = text.slice(end, text.indexOf("\n", end) === -1 ? undefined : text.indexOf("\n", end));
  if (lineList) {
    // One to a line, the last line too holds only its item.
    if (!ITEM_TAIL.test(tail)) return null;
  } else {
    const before = found.at(-2)!;
    const lastGap = text.slice(before.index + before[0].length, last.index);
    // A list that starts its line is what the sentence speaks of (« a@x.fr et b@x.fr ont quitté la
    // société ») and may go on; after a verb, what follows it must not start a clause of its own.
    const lineStart = text.lastIndexOf("\n", found[0]!.index) + 1;
    const startsLine = !WORD.test(text.slice(lineStart, found[0]!.index));
    if (!LAST_INLINE_GAP.test(lastGap) || !(startsLine || INLINE_END.test(tail))) return null;
  }
  return found.map((m) => m[0].toLowerCase());
}

/** A successor's words, just after the address (« reprend les dossiers ») or just before it (« son successeur est »). */
const SUCCEEDS =
  /^[^\n.;:,@]{0,30}?\b(?:reprend\w*|(?<!(?:ete|est|sera|etre) )remplace\w*|succede\w*|succedera|prend(?:ra)? la suite|assure\w* (?:desormais )?(?:le suivi|l'interim)|est (?:le|la) (?:successeur|successeure|remplacant|remplacante))\b/;
const SUCCESSOR_BEFORE =
  /\b(?:successeure?s?|remplacante?s?|nouvel(?:le)? arrivante?|repreneur)\b[^\n.;@]{0,20}$/;

/** Whether the text names this address as someone's successor. */
function namesSuccessor(folded: string, address: string): boolean {
  for (let at = folded.indexOf(address); at >= 0; at = folded.indexOf(address, at + 1)) {
    const before = folded.slice(Math.max(0, at - 40), at);
    const after = folded.slice(at + address.length, at + address.length + 80);
    if (SUCCEEDS.test(after) || SUCCESSOR_BEFORE.test(before)) return true;
  }
  return false;
}

/** How far around an address its sentence is looked for. */
const SENTENCE_REACH = 400;
/** Words that except an address (« sauf », « à part »). */
const EXCEPT_WORDS = "sauf|excepte|hormis|a part|hors|a l'exception de";
/** Just before an address: it is kept, excepted or a duplicate (« sauf celui de », « garder », « seul »). */
const KEPT_BEFORE = new RegExp(
  String.raw`\b(?:${EXCEPT_WORDS}|garder|gardez|conserver|conservez|maintenir|maintenez|seule?s?|en double|doublon)\b[^.;@\n]{0,30}$`,
);
/** Just before an address: it is excepted (« sauf », « à part »). */
const EXCEPTED_BEFORE = new RegExp(String.raw`\b(?:${EXCEPT_WORDS})\b[^.;@\n]{0,30}$`);

function excepted(folded: string, address: string): boolean {
  for (let at = folded.indexOf(address); at >= 0; at = folded.indexOf(address, at + 1))
    if (EXCEPTED_BEFORE.test(folded.slice(Math.max(0, at - 50), at))) return true;
  return false;
}

/** Just after an address: it stays, or takes over (« doit rester », « prendra le relais »). */
const KEPT_AFTER =
  /^[^.;@\n]{0,30}?\b(?:rester|reste|restera|garde|gardera|conserve|conservera|prendra le relais|prend le relais)\b/;
/** A line that names the address concerned: « L'email concerné : », « Email : », « Compte : ». */
const CONCERNED_LABEL =
  /(?:^|\n)[^\n]{0,40}\b(?:concerne\w*|e-?mail|mail|adresse|courriel|utilisateur|compte|identifiant)\b[^\n]{0,10}:\s*$/;

/**
 * Whether a revoke acts on this address: the address is in a sentence that asks to end an access
 * (or says its owner left), on a line naming the address concerned, or listed under a line that asks
 * — and is neither kept nor excepted.
 */
function revokeActsOn(folded: string, address: string): boolean {
  for (let at = folded.indexOf(address); at >= 0; at = folded.indexOf(address, at + 1)) {
    const before = folded.slice(Math.max(0, at - 40), at);
    const after = folded.slice(at + address.length, at + address.length + 60);
    if (KEPT_BEFORE.test(before) || KEPT_AFTER.test(after)) return false;
    // The address's sentence, looked for within a bounded window: many copies cost linear time.
    const head = folded
      .slice(Math.max(0, at - SENTENCE_REACH), at)
      .split(SENTENCE_END)
      .at(-1)!;
    const tail = folded.slice(at, at + address.length + SENTENCE_REACH).split(SENTENCE_END, 1)[0]!;
    const sentence = head + tail;
    const start = at - head.length;
    if (REVOKE.test(sentence) || sentence.search(NO_LONGER) >= 0) return true;
    if (CONCERNED_LABEL.test(folded.slice(Math.max(0, at - 60), at))) return true;
    // Listed under « … désactiver les comptes suivants : » (the other items, names and blank lines between).
    const above = folded
      .slice(Math.max(0, start - 2000), start)
      .split("\n")
      .reverse();
    const heading = above.find((line) => line.trim() !== "" && !line.includes("@") && !NAME_LINE.test(line));
    if (heading?.trimEnd().endsWith(":") && REVOKE.test(`${heading}\n${address}`)) return true;
  }
  return false;
}

/** How far after a name its address is looked for (its sentence, or the line below « : »). */
const NAMED_REACH = 400;
/**
 * Whether the text names a person where an address would be (NAMED) and gives no address after the
 * name, in the rest of its sentence or, after « : », on the next line that holds text.
 */
function namedWithoutAddress(text: string): boolean {
  for (const match of text.matchAll(new RegExp(NAMED.source, "gu"))) {
    // Bounded: a text of many names costs linear time.
    const start = match.index + match[0].length;
    const after = text.slice(start, start + NAMED_REACH);
    const sentence = after.split(SENTENCE_END, 1)[0]!;
    if (sentence.includes("@")) continue;
    const below = /^[^\n]*:\s*\n\s*([^\n]*)/.exec(after)?.[1] ?? "";
    if (!below.includes("@")) return true;
  }
  return false;
}

/** A word of at least two letters: a line left with an address or « ? » alone says nothing. */
const WORD = /\p{L}{2}/u;

/** Whether a folded sentence asks for an access: an action word and what it acts on, or the guide's heading. */
function asksAccess(sentence: string): boolean {
  const affirmative = sentence.replace(NO_LONGER, " ").replace(NOT_GRANTED, " ");
  return (
    GRANT.test(affirmative) ||
    ACCESS_ASKED.test(affirmative) ||
    REVOKE.test(sentence.replace(NOT_REVOKED, " ")) ||
    CHANGE.test(sentence) ||
    sentence.search(NO_LONGER) >= 0 ||
    sentence.search(NOT_GRANTED) >= 0 ||
    sentence.search(NOT_REVOKED) >= 0
  );
}

/**
 * Where a clause of a folded sentence (one space between words) ends: « , », « ; », or « et »,
 * « mais », « puis » between words.
 */
const CLAUSE_END = / ?[,;] ?| (?:et|mais|puis) /;
/**
 * A clause that asks in its own words: a question word first (« et quand … »), or a verb and its
 * subject turned round (« pourriez-vous », « sera-t-il »). Fixed alternatives: linear.
 */
const OWN_QUESTION =
  /^(?:(?:et|mais|puis|aussi) )?(?:quand|comment|pourquoi|combien|ou|quel\w*|qu'est-ce|est-ce)\b|-(?:t-)?(?:il|elle|ils|elles|on|vous|nous|je|tu)\b/;

/**
 * Asked how to get, change or end an access (« comment obtenir un accès ? », « quelle est la
 * démarche pour créer un compte ? », « la procédure à suivre pour … »): the procedure, not the access.
 */
const HOW_TO =
  /\b(comment|que (faut-il|dois-je|devons-nous|doit-on) faire|quel(le)?s? (est|sont) (la|les) (demarche|procedure|etape|modalite|marche)s?|(la|les) (demarche|procedure|etape|modalite)s? a suivre|marche a suivre)\b/;

/**
 * Asked whether an access should end or be given (« faut-il supprimer … ? », « dois-je demander … »,
 * « me dire s'il faut … »): a question about the request, not the request.
 */
const WHETHER =
  /\b(?:faut-il|faudrait-il|dois-je|devrais-je|doit-on|devrait-on|devons-nous|devrions-nous|est-il (?:necessaire|utile|obligatoire|preferable|conseille)|est-ce (?:qu'il faut|que je dois|que nous devons|qu'on doit|que l'on doit|necessaire|utile|obligatoire)|s'il faut|si (?:je dois|nous devons|on doit|l'on doit|il faut))\b/;
/** Asked how, or whether: what a revoke only asked about says. */
const HOW_OR_WHETHER = new RegExp(`${HOW_TO.source}|${WHETHER.source}`);

/**
 * Whether every clause of the text that speaks of an access only asks about it (SPEC §8: a
 * question), so that nobody is granted or loses an access they only asked about. A clause that
 * asks for it outright (« je souhaite obtenir un accès. Comment faire ? ») keeps the request.
 */
function onlyAsksAbout(ownLines: readonly string[], asking: RegExp): boolean {
  const clauses = ownLines
    .join("\n")
    .split(SENTENCE_END)
    .flatMap((sentence) => fold(sentence).split(CLAUSE_END))
    .filter(asksAccess);
  return clauses.length > 0 && clauses.every((clause) => asking.test(clause));
}

/**
 * What a folded sentence says beside an access request: all of it, or when it asks for the
 * access, its clauses that do not (« …, et pourriez-vous me dire quand le calcul sera disponible
 * ? »). Their question mark is the request's (« Pourriez-vous ouvrir un accès pour …, afin qu'il
 * demande les calculs ? ») unless the clause asks in its own words.
 */
function besideInSentence(sentence: string): string[] {
  if (!asksAccess(sentence)) return [sentence];
  return sentence
    .split(CLAUSE_END)
    .filter((clause) => !asksAccess(clause))
    .map((clause) => (OWN_QUESTION.test(clause) ? clause : clause.replace(/\?/g, " ").trim()));
}

/**
 * What a text says beside its access request, folded, one sentence a line: the sender's own
 * sentences (above any forwarded message: its words were written to the sender, not to us) less
 * those that ask for the access (but for their other clauses) and those left without a word once
 * their addresses are gone (« x@… ? » under « merci d'ouvrir un accès à : »). A question or a
 * dispute written beside the request (« Par ailleurs, quand les résultats de mars seront-ils
 * disponibles ? ») is what remains.
 */
export function besideAccessRequest(text: string): string {
  const lines = text.split("\n");
  const folded = lines.map(fold);
  const forward = folded.findIndex(
    (line) => FORWARD_MARKER.test(line) || (HEADER_LINE.test(line) && !SUBJECT_LINE.test(line)),
  );
  const own = forward < 0 ? lines : lines.slice(0, forward);
  return own
    .join("\n")
    .split(SENTENCE_END)
    .map(fold)
    .flatMap(besideInSentence)
    .filter((sentence) => WORD.test(sentence.replace(ADDRESS, " ")))
    .join("\n");
}
