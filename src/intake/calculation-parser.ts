import { type Activity, emptyLists, FIELDS, type Field, type FieldLists } from "../engine/types.ts";
import { normaliseIdentifier } from "../identifiers/normalise.ts";
import { NUMBER_SIGN, splitIdentifierList } from "../identifiers/split.ts";
import { fold } from "../text/fold.ts";
import { identifierShapedNumbers, strayNumbersOf } from "./stray-numbers.ts";
import type { CalculationProblem } from "./types.ts";

/**
 * A labelled field of the web form (SPEC §5); `finess`/`am` are labels that name no activity,
 * `finessBoth` one that names both ("FINESS radiologie et médecine nucléaire", "FINESS mixte").
 */
type LabelKind = Field | "finess" | "finessBoth" | "am" | "recipient" | "reference" | "activity";

/** Words that only decorate a label: "N°", "Liste des numéros", "géographique", articles. */
const NOISE = new Set([
  "n",
  "no",
  "nº",
  "n°",
  "num",
  "numero",
  "numeros",
  "liste",
  "des",
  "de",
  "du",
  "d",
  "la",
  "le",
  "les",
  "l",
  "s",
  "geographique",
  "geographiques",
  "geo",
  "g",
  // établissement géographique, as the order form's columns write it ("FINESS EG").
  "eg",
  "votre",
  "vos",
  "saisir",
]);

function labelWords(label: string): string[] {
  return (
    fold(label)
      .replace(/^[\s\-*•·>|#]+/, "")
      .replace(/[°º]/g, " ")
      .split(/[\s'().*_/]+/)
      .map((w) => w.replace(/[^a-z0-9-]/g, ""))
      // "N° FINESS - Radiologie": a dash between words is punctuation, not a word of the label.
      .filter((w) => /[a-z0-9]/.test(w) && !NOISE.has(w))
  );
}

const isFiness = (w: string) => /^fin+e?s+e?s*$/.test(w) || w === "finness";
const isAm = (w: string) => w === "am" || w === "a-m" || w === "assurance" || w === "maladie";
// Radiotherapy (cancer treatment) is not radiology.
const isRadio = (w: string) => /^radi(?!oth)/.test(w);
const isNuclear = (w: string) => /^nuc?l/.test(w) || ["mn", "nuc", "med", "medecine"].includes(w);

const IDENTIFIER_EXTRAS = new Set([
  "etablissement",
  "etablissements",
  "site",
  "sites",
  "en",
  "pour",
  "medecin",
  "medecins",
  "liberaux",
  "et",
]);
const RECIPIENT_WORDS = new Set([
  "adresse",
  "email",
  "e-mail",
  "mail",
  "courriel",
  "electronique",
  "destinataire",
  "resultat",
  "calcul",
  "demandeur",
]);
const REFERENCE_WORDS = new Set([
  "reference",
  "ref",
  "nom",
  "etablissement",
  "groupe",
  "ou",
  "client",
  "commande",
  "structure",
  "identifiant",
  "libre",
]);
const ACTIVITY_WORDS = new Set(["type", "activite", "activites", "couverte", "choisie"]);

/** Which form field a label names, tolerating typos, accents, case and "N°/Liste des numéros". */
export function classifyLabel(label: string): LabelKind | null {
  const words = labelWords(label);
  if (words.length === 0 || words.length > 9) return null;
  const finess = words.some(isFiness);
  const am =
    words.includes("am") ||
    words.includes("a-m") ||
    (words.includes("assurance") && words.includes("maladie"));
  if (finess !== am) {
    const rest = words.filter((w) => !isFiness(w) && !isAm(w));
    const mixte = rest.some((w) => /^mixtes?$/.test(w));
    const radio = rest.some(isRadio);
    const nuclear = rest.some((w) => !isRadio(w) && isNuclear(w));
    const known = rest.every((w) => isRadio(w) || isNuclear(w) || IDENTIFIER_EXTRAS.has(w) || mixte);
    if (!known) return null;
    // A FINESS of both activities goes to both FINESS fields (SPEC §6: it contributes both). A
    // doctor has one activity: such an AM label is read as one naming none (the stated activity's).
    if (mixte || (radio && nuclear)) return finess ? "finessBoth" : "am";
    if (radio) return finess ? "finessRadio" : "amRadio";
    if (nuclear) return finess ? "finessMn" : "amMn";
    return finess ? "finess" : "am";
  }
  if (words.every((w) => ACTIVITY_WORDS.has(w)) && words.some((w) => w.startsWith("activite")))
    return "activity";
  if (words.every((w) => RECIPIENT_WORDS.has(w)) && words.some((w) => /mail|courriel/.test(w)))
    return "recipient";
  if (words.every((w) => REFERENCE_WORDS.has(w)) && words.some((w) => w !== "ou" && w !== "nom"))
    return "reference";
  return null;
}

// An activity named to be excluded: "radiologie (pas de médecine nucléaire)", "sans radiologie", "hors MN".
// One separator before each word, at most four words between: linear on any input (the words can
// be read one way only, and the repetition is bounded).
const EXCLUDED_ACTIVITY =
  /\b(?:pas|sans|hors|sauf|excepte|aucune?)\b(?:[\s']+(?:de|d|du|la|l|en|activite)\b){0,4}[\s']*(?:medecine nucleaire|nucleaire|medecine|mn|radiologie|radio)\b/g;

/** Reads an activity type as users write it; null when it is not one of the three. */
export function readActivity(value: string): Activity | null {
  const v = fold(value).replace(/_/g, " ").replace(EXCLUDED_ACTIVITY, " ");
  if (!v.trim()) return null;
  const radio = /\bradi(?!oth)/.test(v);
  const nuclear = /\bnuc?l|\bmn\b|\bmed(ecine)?\b/.test(v);
  if (/\bmixte?s?\b|\bles deux\b/.test(v) || (radio && nuclear)) return "mixte";
  if (radio) return "radiologie";
  if (nuclear) return "medecine-nucleaire";
  return null;
}

export interface LabelledCalculation {
  recipient: string | null;
  reference: string | null;
  activity: Activity | null;
  /** The activity as typed when it could not be read. */
  activityText: string | null;
  lists: FieldLists;
  /** How many labels of the form were recognised (any field). */
  labelsFound: number;
  /** Whether a label named an identifier field (even with an empty value). */
  identifierLabelFound: boolean;
  problems: CalculationProblem[];
  /**
   * With "several-requests": the references that each head lists of their own, in order (two
   * requests written in one message); empty otherwise.
   */
  requestReferences: string[];
  /**
   * Numbers shaped like a FINESS or N°AM on lines read as no field (neither a label nor its
   * value), and in no list: normalised, unique, in order (see strayNumbersOf).
   */
  strayNumbers: string[];
}

interface LabelMatch {
  kind: LabelKind;
  value: string;
}

/** Separators between a label and its value, most explicit first. */
const SEPARATORS = [/\s*[:=]\s*/, /\s*\t\s*/, /\s*\|\s*/, /\s{2,}/];
/**
 * A dash between spaces, last: « Référence - CH Lens », « FINESS - Radiologie - 620100057 » (whose
 * label holds one). A value may hold one too (« Référence - CH Lens - site 2 »).
 */
const DASH = /\s+[-\u2013\u2014]\s+/g;
/**
 * Letters, digits, separators, brackets, quotes and invisible marks: nothing a sentence needs
 * beyond a list, names beside numbers included ("CH Lens : 620100057", "Clinique (750712184)"),
 * and what such a comment holds: "(site n°2)", "(IRM/scanner)", "CH Lens & Béthune". Not `+` nor
 * `@`: "+33 1 23 45 67 89" holds nine digits, and a line with an address is a signature's.
 */
const IDENTIFIER_LINE = /^[\s\p{L}\p{N};,.:()[\]«»"“”'’°º/&\u002D\u2010-\u2015\p{Cf}]+$/u;
/** Company and contact numbers of a signature or letterhead, never identifiers of the request. */
const CONTACT_NUMBER =
  /\b(siren|siret|rcs|tva|ape|naf|rpps|adeli|tel|telephone|fax|portable|mobile|standard|capital)\b/;

/**
 * A line that continues a list of identifiers: it holds a number of an identifier's length (9
 * characters once typed spaces and dots are gone), whatever comment is beside it ("750712184 CH
 * Paris": the comment is dropped by splitIdentifierList), or it holds only mistyped numbers (8 or
 * 10 digits: they stay in the list, to be reported invalid, rather than ending it and losing the
 * numbers below). "Tel 0123456789", "01.23.45.67.89", "SIREN 552100554" or "Merci 2 fois" under a
 * list is prose, and ends the list.
 */
function continuesList(line: string): boolean {
  if (!IDENTIFIER_LINE.test(line) || CONTACT_NUMBER.test(fold(line))) return false;
  const numbers = splitValues(line).map(normaliseIdentifier);
  if (numbers.some((n) => n.length === 9)) return true;
  return ONLY_NUMBERS.test(line.replace(NUMBER_SIGN, "")) && numbers.length > 0 && numbers.every(mistyped);
}
/**
 * A number of 8 or 10 digits: one digit dropped or doubled. Not a French phone number (10 digits
 * from 0, « 01 23 45 67 89 ») nor an RPPS (11 digits), which a signature writes under a list.
 */
const mistyped = (n: string) => /^\d{8}$/.test(n) || /^[1-9]\d{9}$/.test(n);
/**
 * A line of identifiers only (digits, `2A`/`2B`/`9A`–`9F` prefixes, separators, a glued « n° » or
 * `/`), that continues a list: the only line a list goes on to past a blank line. A comment, a
 * signature, a phone number or a footer below a blank line is not the list's.
 */
const onlyIdentifiers = (line: string) =>
  ONLY_NUMBERS.test(
    line
      .replace(NUMBER_SIGN, "")
      .replace(/(?<=\p{N})\/(?=\p{N})/gu, ";")
      .replace(/\b(2a|2b|9[a-f])/gi, "00"),
  ) && continuesList(line);
/**
 * « 750712184 CH Arras », « CH Lens : 620100057 », « Clinique du Parc (750712184) »: one identifier
 * beside an establishment's name — a capital first, up to six words, no digit, no sentence mark.
 * Its shape (which comes first, and the mark between them), or null for any other line. Past a
 * blank line a list goes on to a line of its last line's shape: « 620100057 CH Lens » under
 * « 750712184 CH Arras ». Not to a sentence (« 620100057 est fermé depuis 2024. »), a signature's
 * name and phone, a number with a comment of another shape: their numbers stay out, and the
 * result names them (strayNumbers).
 */
function commentedShape(line: string): string | null {
  const text = line.trim();
  if (text.length > COMMENTED_SPAN || !continuesList(text)) return null;
  for (const [shape, pattern] of COMMENTED) {
    const m = pattern.exec(text);
    const number = m?.groups?.number ?? "";
    const comment = m?.groups?.comment ?? "";
    if (!m || normaliseIdentifier(number).length !== 9) continue;
    if (comment.trim().split(/\s+/).length > COMMENT_WORDS) return null;
    const named = fold(comment);
    if (NOT_AN_ESTABLISHMENT.test(named)) return null;
    const who = DOCTOR_TITLE.test(named) ? "doctor" : "place";
    const activity = NUCLEAR_NAMED.test(named) ? "-nuclear" : RADIOLOGY_NAMED.test(named) ? "-radiology" : "";
    return `${shape}${m.groups?.mark?.trim() ?? ""}:${who}${activity}`;
  }
  return null;
}
/**
 * A comment that is no establishment's name: an instruction (« Ne pas prendre en compte », « À
 * retirer », « Doublon »), a company's own number (« Éditeur SA », « Siège »).
 */
const NOT_AN_ESTABLISHMENT =
  /\b(ne|pas|sans|hors|sauf|retir\w*|exclu\w*|supprim\w*|annul\w*|doublons?|erreurs?|ignor\w*|fermee?s?|remplac\w*|siege|sa|sas|sasu|sarl|eurl)\b/;
/**
 * Words that take a number out, in both notes below (folded text): « à retirer », an instruction
 * (« retirer / retirez / supprimez … »), what was done (« retiré », « supprimé »), or a mistake.
 */
const REMOVED =
  "a (retirer|supprimer|exclure|ignorer|enlever|oter)|retirer|retirez|supprimer|supprimez|enlever|enlevez|exclure|excluez|ignorer|ignorez|oter|otez|retiree?s?|supprimee?s?|enlevee?s?|exclue?s?|annulee?s?|hors perimetre|non concernee?s?|(est|etait) une erreur|erronee?s?|par erreur";
/** Verbs that take a number out, for « ne pas … » never to read as leaving it out (« ne pas retirer »). */
const REMOVAL_VERBS = "retirer|supprimer|enlever|exclure|oter";
/**
 * A list's line that says to leave its number out (« 620100057 CH Lens (ne pas prendre en compte) »):
 * the list goes on below it, without it. Not « doublon »: a repeated number counts once (SPEC §6),
 * so its line is read, the other numbers on it with it; nor « ne pas oublier / omettre / retirer »,
 * which keeps it.
 */
const excludedHere = (folded: string) => NOT_COUNTED.test(folded) || leaveOutWords(folded) !== null;
const NOT_COUNTED = new RegExp(
  String.raw`\bne (pas|plus)(?! (l'|le |la |les )?(oublier|omettre|${REMOVAL_VERBS})\b)\b`,
);
/**
 * A note that leaves a number out of the calculation (« → ne pas prendre en compte le 620000018 »,
 * « 620000018 : à retirer », « merci de retirer 620000018 »). Not « doublon » (the number above it
 * stays the sender's), nor « ne pas oublier » (which keeps it): a verb of counting after « ne pas »,
 * or after « ne » in the imperative (« ne prenez pas en compte »).
 */
const LEAVES_OUT = new RegExp(
  String.raw`\b(ne (pas|plus) (le |la |l'|les )?(prendre en compte|prendre|compter|inclure|retenir|tenir compte|comptabiliser|integrer)|ne (le |la |l'|les )?(prenez|comptez|retenez|tenez) (pas|plus)|n'(incluez|integrez|en tenez) (pas|plus)|sans (le |la |l'|les )?(compter|prendre en compte|tenir compte)|${REMOVED})\b`,
  "g",
);
/** What before a removal verb makes it keep the number: « ne pas retirer », « ne le supprimez pas », « sans retirer ». */
const NEGATED_BEFORE = /\b(?:ne|n'|sans)\s*(?:[a-z']+\s+){0,2}$/;
/**
 * The first words of `folded` that leave a number out, unless negated (« merci de ne pas retirer
 * 620000018 » keeps it); null when there are none.
 */
function leaveOutWords(folded: string): { index: number; length: number } | null {
  for (const m of folded.matchAll(LEAVES_OUT)) {
    const negatable = !m[0].startsWith("ne ") && !m[0].startsWith("n'") && !m[0].startsWith("sans ");
    if (negatable && NEGATED_BEFORE.test(folded.slice(Math.max(0, m.index - 24), m.index))) continue;
    return { index: m.index, length: m[0].length };
  }
  return null;
}
/**
 * « sauf 620000018 », « à l'exception du 620000018 »: out only with the numbers written right
 * after it (« sauf erreur de ma part » leaves none out).
 */
const EXCEPT = /\b(?:sauf|excepte|hormis|a l'exception d(?:e|u|es)?)\b/;
/** After « le dernier » or « le premier », what makes it no number of the list (« le dernier mail »). */
const NOT_A_NUMBER = String.raw`(?! (?:message|mail|e-mail|email|courriel|envoi|echange|fichier|tableau|calcul|devis)\b)`;
/** The note names the list's last number without writing it (« ne pas prendre en compte ce dernier »). */
const THE_LAST_ONE = new RegExp(String.raw`\b(?:ce dernier|le dernier|celui-ci|ce numero)\b${NOT_A_NUMBER}`);
/** … or its first (« ne pas prendre en compte le premier »). */
const THE_FIRST_ONE = new RegExp(String.raw`\b(?:le premier|ce premier)\b${NOT_A_NUMBER}`);
/** The one of `numbers` a note (`folded`) points at: the first for « le premier », else the last. */
const pointedAt = (folded: string, numbers: readonly string[]) =>
  THE_FIRST_ONE.test(folded) ? numbers[0] : numbers.at(-1);

/**
 * The list's number (normalised) that `line` leaves out by its place without writing it
 * (« (ne pas prendre en compte ce dernier / le premier) »), else null. `parts` are the list's lines so far.
 */
function numberLeftOutByPlace(line: string, parts: readonly string[]): string | null {
  // Most lines of a list are numbers: a word of the note must be there before anything is folded.
  if (line.length > COMMENTED_SPAN || !/dernier|premier|celui|num/i.test(line)) return null;
  const folded = fold(line);
  const placed = THE_LAST_ONE.test(folded) || THE_FIRST_ONE.test(folded);
  if (!leaveOutWords(folded) || !placed || identifierShapedNumbers(line).length > 0) return null;
  return pointedAt(folded, numbersIn(parts.join("\n"))) ?? null;
}
/** « 920000650 (a été) remplacé par 690000880 », « remplacer 920000650 par 690000880 » (folded). */
const REPLACED = /\bremplac(?:ee?s?|er)\b(?<between>[^;()]*?)\bpar\b/;
/** The reverse wording, the new number first: « 690000880 (remplace 920000650) », « … en remplacement du … ». */
const REPLACES = /\b(?:remplace(?:nt)?|en remplacement d(?:e|u|es)?)\b/;
/**
 * A former number in brackets after the current one: « 690000880 (ancien 920000650) »,
 * « (anciennement …) », « (ancien n° / FINESS : …) », « (ex-FINESS …) » — the same site under its
 * old number. Only a number right after the words: « (ancien hôpital) », « l'ancien site 920000650 »
 * name no former number.
 */
const FORMER =
  /\((?:[^()]*?[\s,;])?(?:anciennement|ancien(?:ne)?(?:\s+(?:numero|n°|no|finess|am|code|identifiant))?|ex-(?:finess|am|numero|n°))\s*:?\s*(?=(?:2[ab]|9[a-f]|\d))/;
/** A list's numbers in `text` (a line's part), normalised: comments' words and short numbers dropped. */
const numbersIn = (text: string) =>
  splitValues(text)
    .filter((token) => /\d/.test(token))
    .map(normaliseIdentifier);
/** A note's or replacement's text after its words: up to its closing bracket or the next list mark. */
const noteRest = (folded: string, end: number) => folded.slice(end).split(/[;)\]]/)[0] ?? "";
/** A number as a note writes it: a department prefix or a digit, then digits, spaces, dots, dashes. */
const NOTE_NUMBER = String.raw`(?:2[ab]|9[a-f]|\d)[\d .\u002D]*\d`;
/** Between numbers a note names together: separators, « et », « ou », « ni », articles. */
const NOTE_JOIN = String.raw`(?:\s|[;,/]|\b(?:et|ou|ni|le|la|les|du|des)\b|l')+`;
/** Before a note's first number: « : », « le », « du », « n° », « les numéros suivants ». */
const NOTE_LEAD =
  /^(?:\s|[:=]|\b(?:en compte|le|la|les|du|des|de|numeros?|finess|am|suivants?)\b|n°|no\b|l'|d')*/;
const NOTE_RUN = new RegExp(`^${NOTE_NUMBER}(?:${NOTE_JOIN}${NOTE_NUMBER})*`);

/**
 * The numbers (normalised) a note's words at `start`–`end` of `folded` are followed by, written
 * one after the other (« retirer 920000650 et 620000018 de la liste »: both; « retiré le 920000650
 * qui est fermé, et ajouté le 620000018 »: the first). Inside brackets, up to the closing one; in a
 * note that follows the list's numbers on its line, up to the next list mark (« 920000650 à
 * retirer ; 620000018 » names none: the 620000018 is the list's).
 */
function numbersWrittenAfter(folded: string, start: number, end: number): string[] {
  const before = folded.slice(0, start);
  const inBrackets =
    Math.max(before.lastIndexOf("("), before.lastIndexOf("[")) >
    Math.max(before.lastIndexOf(")"), before.lastIndexOf("]"));
  const rest = folded.slice(end);
  const scope = inBrackets
    ? rest.split(/[)\]]/)[0]!
    : numbersIn(before).length > 0
      ? rest.split(/[;)\]]/)[0]!
      : rest;
  const run = NOTE_RUN.exec(scope.slice(NOTE_LEAD.exec(scope)![0].length));
  return run ? numbersIn(run[0]) : [];
}

/**
 * The replaced number and its replacement (normalised) of a replacement written in `folded`,
 * either way round (« A remplacé par B », « B remplace A »); null when none names a replaced number.
 */
function replacementIn(folded: string): { old?: string; replacement?: string } | null {
  const by = REPLACED.exec(folded);
  if (by) {
    return {
      old: numbersIn(folded.slice(0, by.index) + (by.groups?.between ?? "")).at(-1),
      replacement: numbersIn(noteRest(folded, by.index + by[0].length))[0],
    };
  }
  const of = REPLACES.exec(folded);
  const old = of ? numbersIn(noteRest(folded, of.index + of[0].length))[0] : undefined;
  if (of && old) return { old, replacement: numbersIn(folded.slice(0, of.index)).at(-1) };
  const former = FORMER.exec(folded);
  const current = former ? numbersIn(folded.slice(0, former.index)).at(-1) : undefined;
  const formerNumber = former ? numbersIn(noteRest(folded, former.index + former[0].length))[0] : undefined;
  return current && formerNumber ? { old: formerNumber, replacement: current } : null;
}

/**
 * The numbers (normalised) that a correction written among a list's own numbers (`folded`)
 * leaves out: the replaced one of a replacement, the new one only if a note says « le nouveau »;
 * else those a note writes after its words (« — ne pas prendre en compte 751234568 »), else the
 * one it follows (« 920000650 (à retirer) », « … ; 690000880 (le dernier est une erreur) »), or the
 * line's first it names (« 750000549 ; 920000650 (ne pas prendre en compte le premier) »).
 */
function numbersLeftOutHere(folded: string): string[] {
  const replaced = replacementIn(folded);
  if (replaced) {
    const number = /\b(le nouveau|la nouvelle)\b/.test(folded) ? replaced.replacement : replaced.old;
    return number ? [number] : [];
  }
  const except = EXCEPT.exec(folded);
  if (except) {
    const written = numbersWrittenAfter(folded, except.index, except.index + except[0].length);
    if (written.length > 0) return written;
  }
  const words = leaveOutWords(folded);
  if (!words) return [];
  const written = numbersWrittenAfter(folded, words.index, words.index + words.length);
  if (written.length > 0) return written;
  const before = pointedAt(folded, numbersIn(folded.slice(0, words.index)));
  return before ? [before] : [];
}
/** Numbers a sentence apart from the lists leaves out, from the lists of the activity it names, if any. */
interface ProseNote {
  numbers: ReadonlySet<string>;
  activity: "radiology" | "nuclear" | null;
}
const FIELD_ACTIVITY: Record<Field, "radiology" | "nuclear"> = {
  finessRadio: "radiology",
  amRadio: "radiology",
  finessMn: "nuclear",
  amMn: "nuclear",
};
/** Words a note that leaves a number out holds, checked before folding a line. */
const MAY_LEAVE_OUT =
  /retir|suppr|enlev|exclu|ignor|\b[oô]t(?:er|ez)\b|compt|sauf|except|hormis|erreur|erron|annul|hors|concern|rempla/i;
/**
 * A line of the sender's own text, read into no field, that leaves out numbers it writes or
 * follows (« Merci de retirer 920000650 et 620000018 », « Le 920000650 est à retirer ») wherever it
 * stands: above the lists, below them past a blank line, between them. Only numbers it writes:
 * « ce dernier » means something only under a list.
 */
function proseLeavesOut(line: string): ProseNote[] {
  if (line.length > LABEL_SPAN * 2 || !/\d/.test(line) || !MAY_LEAVE_OUT.test(line)) return [];
  const folded = fold(line);
  const numbers = numbersLeftOutHere(folded);
  if (numbers.length === 0) return [];
  const nuclear = NUCLEAR_NAMED.test(folded);
  const radiology = RADIOLOGY_NAMED.test(folded);
  return [
    { numbers: new Set(numbers), activity: nuclear === radiology ? null : nuclear ? "nuclear" : "radiology" },
  ];
}
/** A doctor's name (« Dr Martin »): beside an N°AM, not an establishment's FINESS. */
const DOCTOR_TITLE = /^(dr|docteur|pr|professeur|mme|mr|m)\b/;
/**
 * An activity named (« Médecine nucléaire : 620000026 », « TEP - 620000026 »): past a blank line
 * under « CH Arras : 750712184 », the start of another activity's list, not this one's.
 */
const NUCLEAR_NAMED = /\b(nucl\w*|mn|tep|scinti\w*)\b/;
const RADIOLOGY_NAMED = /\bradi(?!oth)\w*/;
const COMMENTED_SPAN = 120;
const COMMENT_WORDS = 6;
const NUMBER = String.raw`(?<number>(?:2[ABab]|9[A-Fa-f]|\d)[\d .\u002D]{0,12}\d)`;
const COMMENT = String.raw`(?<comment>\p{Lu}[\p{L}\p{M}'’ &/\u002D]*?)`;
const MARK = String.raw`(?:\s*(?<mark>[:\u002D\u2013\u2014])\s*|\s+)`;
/** Bounded: each part is one run of its own characters, on a line of at most COMMENTED_SPAN. */
const COMMENTED: [string, RegExp][] = [
  ["number-first", new RegExp(`^${NUMBER}${MARK}${COMMENT}$`, "u")],
  ["number-first()", new RegExp(String.raw`^${NUMBER}\s*\(${COMMENT}\)$`, "u")],
  ["comment-first", new RegExp(`^${COMMENT}${MARK}${NUMBER}$`, "u")],
  ["comment-first()", new RegExp(String.raw`^${COMMENT}\s*\(${NUMBER}\)$`, "u")],
];
const LABEL_SPAN = 200;
const ONLY_NUMBERS = /^[\d\s;,.\u002D\u2010-\u2015]+$/;

/** A bullet or list number before a value: `• 920000650`, Outlook's `·    920000650`, `2) 750712184`. */
const LIST_MARKER = /^\s*(?:[•·*▪◦‣●○■□►➢→✓✔–—-]|\d{1,2}[.)])[\s\u00a0]+/u;

/** Salutations that end the sender's own words: what follows is a signature. */
const CLOSING =
  /^(?:(?:tres |bien )+)?(?:cordialement|cdlt|bav|a vous|bien a vous|(?:sinceres |meilleures )?salutations|merci (?:d'avance|par avance|beaucoup)|bonne (?:journee|soiree|fin de journee|reception))[\s,.!]*$/;
/** Words a CLOSING or FORWARD_START line holds, checked before folding the line. */
const MAY_CLOSE_OR_FORWARD =
  /cordial|cdlt|bav|vous|salutation|merci|bonne|-{2}|de\s*\*?\s*:|from|exp[ée]di|forward/i;
/** A forwarded message starts below the sender's signature ("De : …", "---- Message transféré ----"). */
const FORWARD_START = /^\s*\*?(?:de|from)\s*\*?\s*:\s*\S|^\s*-{2,}.*-{2,}\s*$|reexpedie|forwarded message/;

const MAX_CELLS = 30;

/**
 * The cells of a table row as text: tab-separated (HTML tables, an Excel paste), `|`-separated, or
 * columns of two or more spaces; null for a line of one cell. Empty cells keep their place.
 */
function splitCells(line: string): string[] | null {
  let cells: string[];
  if (line.includes("\t")) cells = line.split("\t");
  else if ((line.match(/\|/g)?.length ?? 0) >= 2 || /\s\|\s/.test(line))
    cells = line.replace(/^\s*\|/, "").split("|");
  else cells = line.split(/\s{2,}/);
  cells = cells.map((c) => c.trim());
  while (cells.length && !cells.at(-1)) cells.pop();
  // The form has seven fields: a row of more cells than this is not one of its tables.
  return cells.length >= 2 && cells.length <= MAX_CELLS ? cells : null;
}

/**
 * Rewrites lines that hold several fields into one line per field, so that each number goes to
 * its own label: a table row of label/value pairs ("Référence | CH Test | Type d'activité |
 * Mixte"), a row of labels over columns of values (an Excel paste: "FINESS radiologie | AM
 * radiologie", then one row per establishment), and "FINESS radiologie : 920000650 AM radiologie :
 * 751234567" typed on one line. A line with one label is left as it is. Cells of a table row under
 * no label go to `aside`: read into no field.
 */
function oneFieldPerLine(lines: readonly string[], aside: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const cells = /\t|\||\s\s/.test(line) ? splitCells(line) : null;
    const matches = cells?.map((cell) => (cell ? matchLabel(cell) : null)) ?? [];
    if (cells && matches.filter(Boolean).length >= 2) {
      if (isHeaderRow(cells, matches)) {
        // A header row: the rows below it are its columns, up to a blank line, a line with a label,
        // or one whose cells under a list's label are not numbers ("Cordialement", a signature).
        const rows: string[][] = [];
        let j = i + 1;
        for (; j < lines.length; j++) {
          const row = splitCells(lines[j]!) ?? [lines[j]!.trim()];
          if (!row.some(Boolean) || row.some((cell) => cell && matchLabel(cell))) break;
          const lists = matches.map((m, c) => (m && isListKind(m.kind) ? (row[c] ?? "") : ""));
          if (!lists.some(Boolean) || lists.some((cell) => cell && !continuesList(cell))) break;
          rows.push(row);
          // Cells under no label, or under a column that is no field (« Nom », « RPPS »): read into none.
          aside.push(...row.filter((cell, c) => cell && !matches[c]));
        }
        // An order form's FINESS and N°AM columns name no activity: each row's activity column does.
        const activityColumn = matches.findIndex((m) => m?.kind === "activity");
        const byRow = activityColumn >= 0 && matches.some((m) => m?.kind === "finess" || m?.kind === "am");
        for (const [c, cell] of cells.entries()) {
          const kind = matches[c]?.kind;
          if (!cell || !kind || (byRow && c === activityColumn)) continue;
          if (byRow && (kind === "finess" || kind === "am")) {
            for (const row of rows)
              if (row[c])
                out.push(`${rowLabel(kind, readActivity(row[activityColumn] ?? ""), cell)} : ${row[c]}`);
            continue;
          }
          const values = rows.map((row) => row[c] ?? "").filter(Boolean);
          out.push(`${cell.replace(/\s*[:=]\s*$/, "")} : ${values.join("; ")}`);
        }
        i = j - 1;
        continue;
      }
      // Label/value pairs: a value cell belongs to the label before it.
      let field: string[] | null = null;
      for (const [c, cell] of cells.entries()) {
        if (!cell) continue;
        const match = matches[c];
        if (match?.value === "") {
          if (field) out.push(field.join(" "));
          field = [`${cell.replace(/\s*[:=]\s*$/, "")} :`];
        } else if (match) {
          if (field) out.push(field.join(" "));
          field = [cell];
        } else if (field) field.push(cell);
        else out.push(cell);
      }
      if (field) out.push(field.join(" "));
      continue;
    }
    // Two fields on one line need two separators: « Référence : CH Arras ; FINESS radiologie : … »,
    // and without a mark between them a list first, for a reference or an email's value may hold a
    // colon ("Référence : Bon de commande : BC-2025-114").
    const twoFields = line.indexOf(":") !== line.lastIndexOf(":");
    const fields = twoFields ? splitFieldsOfLine(line) : [line];
    if (!fields) {
      aside.push(line);
      continue;
    }
    for (const field of fields) {
      const first = field.indexOf(":") !== field.lastIndexOf(":") ? matchLabel(field) : null;
      out.push(...(first && isListKind(first.kind) ? splitInlineLabels(field) : [field]));
    }
  }
  return out;
}

/** The longest label looked for before a colon (« Liste des numéros FINESS médecine nucléaire »). */
const MAX_LABEL = 80;
/** Marks a label may begin after, nearest first (« ; N° FINESS - Radiologie : » needs two). */
const MARKS_TRIED = 3;

/** A field without the mark that set the next one apart (no part of its value); linear time. */
function withoutEndMark(field: string): string {
  const text = field.trimEnd();
  const mark = /[;,|.]$/.test(text) || /\s[-\u2013\u2014/]$/.test(text);
  return (mark ? text.slice(0, -1) : text).trim();
}

/**
 * Where a field typed on the line of another ends: « ; », « , », « | », « . », or a dash or slash
 * between spaces. Fixed alternatives, matched at one place at a time (linear).
 */
const FIELD_MARK = /[;,|]|\.(?=\s)|\s[-\u2013\u2014/]\s/g;

/** What follows a colon up to the next field's mark: a bare « Type »'s value, to tell if it is an activity. */
function valueUpToMark(line: string, colon: number): string {
  const rest = line.slice(colon + 1);
  const end = rest.search(FIELD_MARK);
  return end < 0 ? rest : rest.slice(0, end);
}

/**
 * The list's or activity's label that ends `text` (a field's start up to a colon), after the
 * field's numbers, as splitInlineLabels finds it; `offset` is where `text` starts in its line.
 */
function labelAfterNumbers(text: string, offset: number): { start: number; kind: LabelKind } | null {
  const words = [...text.matchAll(/\S+/g)];
  for (let k = Math.min(6, words.length - 1); k >= 1; k--) {
    const first = words[words.length - k]!;
    const kind = classifyLabel(text.slice(first.index));
    if (kind && (isListKind(kind) || kind === "activity") && /\d/.test(text.slice(0, first.index)))
      return { start: offset + first.index, kind };
  }
  return null;
}

/**
 * A request written on one line, each field after a mark (SPEC §5 labels): « Référence : CH Arras ;
 * Activité : Radiologie ; FINESS radiologie : 620100057 ; 620000018 », or with « - » or « | »
 * between fields. The line starts with a label, and each later « label : » right after a mark starts
 * the next field; a list's values run to it. Read only when that is certain: a colon in a list's
 * value that starts no field (« Site : 620000018 » — whose number is it?), a reference, email or
 * activity holding a number shaped like an identifier (« Référence : CH Arras 620100057 »), or a
 * second reference, email or activity label (the first one's value may hold it: « Référence :
 * Commande - Client : CH Arras ») make it uncertain. Then null when the line holds identifiers
 * (read into no field: stray numbers, named; alone, the help reply), else the line left whole.
 */
function splitFieldsOfLine(line: string): string[] | null {
  const colons = [...line.matchAll(/[:=]/g)].map((m) => m.index);
  // The form has seven fields: a line of many more colons is no request typed on one line.
  if (colons.length < 2 || colons.length > MAX_CELLS || colons[0]! > LABEL_SPAN) return [line];
  const firstKind = labelOf(line.slice(0, colons[0]), valueUpToMark(line, colons[0]!));
  if (!firstKind) return [line];
  const starts = [0];
  const kinds: LabelKind[] = [firstKind];
  let previous = colons[0]!;
  // A colon after a mark that starts no field, or a second reference: where fields end is not sure.
  let uncertain = false;
  // « FINESS radiologie : 620100057. Remarque : ne pas prendre en compte 620000018. »
  let noteInList = false;
  for (const colon of colons.slice(1)) {
    const from = Math.max(previous + 1, colon - MAX_LABEL);
    const marks = [...line.slice(from, colon).matchAll(FIELD_MARK)].map((m) => ({
      start: from + m.index,
      end: from + m.index + m[0].length,
    }));
    // The label begins after a mark: the nearest one giving a label (« N° FINESS - Radiologie : »).
    let found: { start: number; kind: LabelKind } | null = null;
    for (const mark of marks.reverse().slice(0, MARKS_TRIED)) {
      const kind = labelOf(line.slice(mark.end, colon), valueUpToMark(line, colon));
      if (kind) {
        found = { start: mark.end, kind };
        break;
      }
    }
    const current = kinds.at(-1)!;
    // « FINESS radiologie : 620100057 AM radiologie : … »: a list's label right after its numbers.
    if (!found && isListKind(current)) {
      const start = Math.max(starts.at(-1)!, colon - LABEL_SPAN);
      found = labelAfterNumbers(line.slice(start, colon), start);
    }
    if (found && (isListKind(found.kind) || !kinds.includes(found.kind))) {
      starts.push(found.start);
      kinds.push(found.kind);
      previous = colon;
    } else if (isListKind(current) || found) {
      uncertain = true;
      noteInList ||= isListKind(current) && !found && noteAfterMark(line, marks.at(-1)?.end ?? -1, colon);
    }
  }
  if (starts.length === 1 && !uncertain) return [line];
  const fields = starts.map((start, n) => withoutEndMark(line.slice(start, starts[n + 1] ?? line.length)));
  const numberInSingle = fields.some((field, n) => {
    const value = field.slice(field.search(/[:=]/) + 1);
    return !isListKind(kinds[n]!) && identifierShapedNumbers(value).length > 0;
  });
  if (!uncertain && !numberInSingle) return fields;
  // Left whole, the line is one field: its numbers would go to a reference or activity (dropped
  // unsaid), or to the first list (another field's numbers moved into it). Read into none, they
  // are stray numbers the result names. A list alone with a comment's colon stays a list.
  const lost = !isListKind(firstKind) || starts.length > 1 || noteInList;
  return lost && identifierShapedNumbers(line).length > 0 ? null : [line];
}

/**
 * Whether a list's colon after a mark opens a note about a number (« . Remarque : ne pas prendre
 * en compte 620000018 », « - Attention : 620000018 est en médecine nucléaire »): words without a
 * digit before it, and after it, up to the next mark, a number shaped like an identifier beside
 * other words. « ; CH Lens : 620000018 » names a number, « (CH Arras : site 2) » holds no mark.
 */
function noteAfterMark(line: string, markEnd: number, colon: number): boolean {
  if (markEnd < 0 || /\d/.test(line.slice(markEnd, colon))) return false;
  const rest = line.slice(colon + 1);
  const next = rest.search(FIELD_MARK);
  const after = next < 0 ? rest : rest.slice(0, next);
  const numbers = identifierShapedNumbers(after);
  return numbers.length > 0 && /\p{L}{2}/u.test(after);
}

const isListKind = (kind: LabelKind) => kind !== "recipient" && kind !== "reference" && kind !== "activity";

/**
 * Whether a table row is a header: labels without values, beside a list's label maybe columns
 * that are no field (« Nom », « RPPS »: words without a digit). Such a word right after the
 * reference's or activity's label is its value (« Référence | CH Test »): a row of pairs.
 */
function isHeaderRow(cells: readonly string[], matches: readonly (LabelMatch | null)[]): boolean {
  const lists = matches.some((m) => m && isListKind(m.kind));
  let previous: LabelKind | null = null;
  return cells.every((cell, c) => {
    const match = matches[c];
    if (!cell) return true;
    if (match) {
      previous = match.kind;
      return match.value === "";
    }
    return lists && !/\d/.test(cell) && (previous === null || isListKind(previous));
  });
}

/** The label of a row's FINESS or N°AM under its activity; a mixte doctor's N°AM names none (the message's). */
function rowLabel(kind: "finess" | "am", activity: Activity | null, header: string): string {
  const words = { radiologie: "radiologie", "medecine-nucleaire": "médecine nucléaire", mixte: "mixte" };
  if (!activity || (kind === "am" && activity === "mixte")) return header.replace(/\s*[:=]\s*$/, "");
  return `${kind === "finess" ? "FINESS" : "AM"} ${words[activity]}`;
}

/** "FINESS radiologie : 920000650 AM radiologie : 751234567" → one line per label. */
function splitInlineLabels(line: string): string[] {
  const words = line.trim().split(/\s+/);
  const starts: number[] = [0];
  let previousSeparator = -1;
  for (let i = 0; i < words.length && starts.length < MAX_CELLS; i++) {
    const word = words[i]!;
    if (!word.endsWith(":")) continue;
    if (previousSeparator >= 0) {
      // The longest run of words before this colon that is a label, leaving a value to the one before.
      const labelEnd = word === ":" ? i : i + 1;
      for (let k = Math.min(6, labelEnd - previousSeparator - 2); k >= 1; k--) {
        const label = words
          .slice(labelEnd - k, labelEnd)
          .join(" ")
          .replace(/:$/, "");
        const kind = classifyLabel(label);
        // Only a list's or the activity's label, after the numbers of the field before it.
        const before = words.slice(starts.at(-1), labelEnd - k).join(" ");
        if (kind && (isListKind(kind) || kind === "activity") && /\d/.test(before)) {
          starts.push(labelEnd - k);
          break;
        }
      }
    }
    previousSeparator = i;
  }
  if (starts.length === 1) return [line];
  return starts.map((start, n) => words.slice(start, starts[n + 1] ?? words.length).join(" "));
}

/** Drops trailing spaces and table bars in linear time (a `[\s|]+$` regex is quadratic on long runs). */
function trimTrailing(line: string): string {
  let end = line.length;
  while (end > 0 && /[\s|]/.test(line[end - 1]!)) end--;
  return line.slice(0, end);
}

/** A line "label : value" (also `=`, a tab, a table cell, or a label alone with values below). */
function matchLabel(rawLine: string): LabelMatch | null {
  const line = trimTrailing(rawLine.replace(/^[\s|>*•·-]+/, ""));
  if (!line) return null;
  // A label is short: look for its separator near the start only, so a long line costs linear time.
  const head = line.slice(0, LABEL_SPAN);
  for (const separator of SEPARATORS) {
    const sep = separator.exec(head);
    if (!sep || sep.index === 0) continue;
    // Gmail's plain text of bold labels: "*Référence :* CH de Lens".
    const value = line
      .slice(sep.index + sep[0].length)
      .replace(/^\*+/, "")
      .trim();
    const kind = labelOf(line.slice(0, sep.index), value);
    if (kind) return { kind, value };
  }
  // The longest label before a dash: « FINESS - Radiologie », not « FINESS » (a field without activity).
  for (const dash of [...head.matchAll(DASH)].reverse()) {
    const value = line.slice(dash.index + dash[0].length).trim();
    const kind = dash.index > 0 ? labelOf(line.slice(0, dash.index), value) : null;
    if (kind) return { kind, value };
  }
  const whole = line.length <= LABEL_SPAN ? classifyLabel(line.replace(/[:=]\s*$/, "")) : null;
  if (whole) return { kind: whole, value: "" };
  // "FINESS radiologie 920000650; 920000651": the label runs into the numbers. Only a line of
  // numbers, comments in brackets aside (« 750000549 (CH Arras) »), counts: "Le FINESS 750712185
  // est indiqué invalide" is prose, not a field.
  const running = labelRunningIntoNumber(line);
  if (running && ONLY_NUMBERS.test(running.value.replace(/\b(2a|2b|9[a-f])/gi, "00").replace(BRACKETED, " ")))
    return running;
  return null;
}
/**
 * A label's field, or the activity's for a bare « Type » whose value is one (« Type : Radiologie »;
 * not « Type : clinique privée »).
 */
function labelOf(label: string, value: string): LabelKind | null {
  const kind = classifyLabel(label);
  if (kind) return kind;
  return labelWords(label).join(" ") === "type" && readActivity(value) ? "activity" : null;
}

/** A comment in brackets beside a number: « (CH Arras) », « (Dr Martin) », « (à retirer) ». */
const BRACKETED = /\([^()]{0,80}\)/g;

/**
 * A list's label running into a number without a separator (« AM radiologie 751234567 … »), with
 * what follows it, whatever that is; null otherwise. Under another list, such a line starts a field
 * of its own even when it is not one: it never goes on with the list above it.
 */
function labelRunningIntoNumber(line: string): LabelMatch | null {
  if (!/^\p{L}/u.test(line)) return null;
  const words = line.split(/\s+/);
  for (let k = Math.min(words.length - 1, 8); k >= 1; k--) {
    const rest = words.slice(k).join(" ");
    if (!/^(\d|2[ab]\d)/i.test(rest)) continue;
    const kind = classifyLabel(words.slice(0, k).join(" "));
    if (kind && kind !== "recipient" && kind !== "reference" && kind !== "activity")
      return { kind, value: rest };
  }
  return null;
}

/** What people write in a field they leave empty: not an identifier to report as invalid. */
const NOTHING =
  /^(neant|aucun|aucune|rien|vide|n\/?a|na|nc|sans objet|non concernee?s?|non applicable|pas de \w+)\.?$/;

function splitValues(text: string): string[] {
  if (NOTHING.test(fold(text))) return [];
  return splitIdentifierList(text.replace(/\s(et|and|puis)\s/gi, ";"));
}

/**
 * The activity stated above the request's lists: both (mixte) when they stand under different
 * activity labels (« Type d'activité : Radiologie », its lists, then « Type d'activité : Médecine
 * nucléaire », its lists). A list's own label never changes it: a nuclear-medicine field under
 * Radiologie is not applicable (SPEC §6). With no list under any label, the first one stated.
 */
function activityOfSections(
  stated: Activity | null,
  sections: readonly { activity: Activity | null }[],
): Activity | null {
  const activities = new Set(sections.map((section) => section.activity ?? stated));
  activities.delete(null);
  if (activities.size > 1) return "mixte";
  return activities.values().next().value ?? stated;
}

/** Reads the labelled fields of SPEC §5 from the sender's own text. Never throws. */
export function parseLabelledCalculation(text: string): LabelledCalculation {
  const aside: string[] = [];
  const lines = oneFieldPerLine(
    text.split("\n").map((line) => line.replace(LIST_MARKER, "")),
    aside,
  );
  const result: LabelledCalculation = {
    recipient: null,
    reference: null,
    activity: null,
    activityText: null,
    lists: emptyLists(),
    labelsFound: 0,
    identifierLabelFound: false,
    problems: [],
    requestReferences: [],
    strayNumbers: [],
  };
  // Lines read as a field's label or value: the others may hold a number the request meant.
  const read = new Set<number>();
  // Numbers a note below a list left out of it, named in the result like the unread lines' numbers.
  const leftOutNumbers: string[] = [];
  // Lists naming no activity, with the activity label above them (« Type d'activité : Médecine
  // nucléaire » heads a section of one request).
  const generic: { kind: "finess" | "am"; tokens: string[]; activity: Activity | null }[] = [];
  // The reference and activity labels above each non-empty list: which request, which activity.
  const sections: { reference: string | null; activity: Activity | null }[] = [];
  // Each reference as typed, by its folded form (« CH Arras » and « ch arras » are one).
  const references = new Map<string, string>();
  let referenceAbove: string | null = null;
  let activityAbove: Activity | null = null;
  // Numbers a sentence of the sender's apart from the lists leaves out (« Merci de retirer le 920000650 »).
  const proseNotes: ProseNote[] = [];
  // Below a closing salutation, up to a forwarded message: a signature, whose "E-mail :" or
  // "Activité : éditeur de logiciels" is not a field of the request.
  let inSignature = false;
  // Whether a line of the signature (the name) came below the closing: from there on, a list's
  // label is the signer's own number (a doctor's « N° AM : … »), not a field of the request. Right
  // under the closing, it may still be the request's ("Merci d'avance", then a forgotten field).
  let signed = false;
  for (let i = 0; i < lines.length; i++) {
    // Folded only when a salutation or a forward may start here: most lines are neither.
    const line = lines[i] ?? "";
    let closing = false;
    if (MAY_CLOSE_OR_FORWARD.test(line)) {
      const folded = fold(line);
      closing = CLOSING.test(folded);
      // A salutation above the request ("Merci beaucoup !", then the fields) closes nothing.
      if (closing) [inSignature, signed] = [result.labelsFound > 0, false];
      else if (FORWARD_START.test(folded)) inSignature = false;
    }
    const match = matchLabel(lines[i] ?? "");
    if (!match) {
      if (inSignature && !closing && line.trim()) signed = true;
      else if (!inSignature) proseNotes.push(...proseLeavesOut(line));
      continue;
    }
    const single = match.kind === "recipient" || match.kind === "reference" || match.kind === "activity";
    if (inSignature && (single || signed)) continue;
    result.labelsFound++;
    read.add(i);
    let value = match.value;
    if (single) {
      if (!value) {
        // The value below the label, maybe after a blank line (HTML tables give one per cell).
        let j = i + 1;
        if (!(lines[j] ?? "").trim()) j++;
        const next = lines[j] ?? "";
        if (next.trim() && !matchLabel(next)) {
          value = next.trim();
          i = j;
          read.add(j);
        }
      }
      value = value.replace(/\t/g, " ").trim();
      if (!value) continue;
      // The first value of a field counts: a later one is more likely a signature's or a quote's.
      if (match.kind === "recipient") {
        result.recipient ??=
          /[^\s<>"'@:]+@[^\s<>"'@;,]+\.[a-z]{2,}/i.exec(value.slice(0, 320))?.[0]?.toLowerCase() ?? null;
      } else if (match.kind === "reference") {
        result.reference ??= value.slice(0, 200);
        referenceAbove = fold(value);
        if (!references.has(referenceAbove)) references.set(referenceAbove, value.slice(0, 200));
      } else {
        activityAbove = readActivity(value);
        if (!result.activity) {
          result.activity = activityAbove;
          result.activityText = result.activity ? null : (result.activityText ?? value.slice(0, 100));
        }
      }
      continue;
    }
    result.identifierLabelFound = true;
    // Values continue on the following lines until another label or prose. Gmail's `<div><br></div>`
    // and Outlook's empty paragraphs put blank lines between values: past one, only a line of
    // identifiers goes on with the list.
    const parts = [value];
    // Numbers of this list that a note on or below it leaves out (normalised), named in the result.
    const leftOut = new Set<string>();
    const leaveOut = (numbers: readonly string[]) => {
      for (const number of numbers) leftOut.add(number);
      leftOutNumbers.push(...numbers);
    };
    // « FINESS : 750000549 ; 920000650 (à retirer) »: a correction on the label's own line.
    leaveOut(numbersLeftOutHere(fold(value)));
    let j = i + 1;
    if (!value) while (j < lines.length && !(lines[j] ?? "").trim()) j++;
    for (; j < lines.length; j++) {
      if (!(lines[j] ?? "").trim()) {
        let k = j + 1;
        while (k < lines.length && !(lines[k] ?? "").trim()) k++;
        const shape = commentedShape(parts.at(-1) ?? "");
        const next = lines[k] ?? "";
        const goesOn =
          onlyIdentifiers(next) ||
          (shape && commentedShape(next) === shape) ||
          numberLeftOutByPlace(next, parts) !== null;
        if (k === lines.length || !goesOn) break;
        j = k;
      }
      const next = lines[j] ?? "";
      if (matchLabel(next) || labelRunningIntoNumber(next.trim())) break;
      // « (ne pas prendre en compte ce dernier) »: the list goes on below it, without the number it points at.
      const placed = numberLeftOutByPlace(next, parts);
      if (placed !== null) {
        leaveOut([placed]);
        continue;
      }
      if (!continuesList(next)) break;
      const folded = fold(next);
      // A note or replacement that leaves out a number (« → ne pas prendre en compte le 620000018 »,
      // « 750000549 ; 690000880 (à retirer) ») takes that one out, here or listed above; the line's
      // others count. Any other such line is left unread: its numbers are named, not counted.
      const out = numbersLeftOutHere(folded);
      if (out.length > 0) leaveOut(out);
      else if (excludedHere(folded)) continue;
      parts.push(next);
      read.add(j);
    }
    i = j - 1;
    const tokens = splitValues(parts.join("\n")).filter((token) => !leftOut.has(normaliseIdentifier(token)));
    if (tokens.length > 0) sections.push({ reference: referenceAbove, activity: activityAbove });
    if (match.kind === "finessBoth") {
      result.lists.finessRadio.push(...tokens);
      result.lists.finessMn.push(...tokens);
    } else if (match.kind === "finess" || match.kind === "am")
      generic.push({ kind: match.kind, tokens, activity: activityAbove });
    else if (match.kind !== "recipient" && match.kind !== "reference" && match.kind !== "activity")
      result.lists[match.kind].push(...tokens);
  }
  for (const { kind, tokens, activity: above } of generic) {
    if (tokens.length === 0) continue;
    // A list above every activity label belongs to the (first) one stated below it.
    const activity = above ?? result.activity;
    if (activity === "radiologie")
      result.lists[kind === "finess" ? "finessRadio" : "amRadio"].push(...tokens);
    else if (activity === "medecine-nucleaire")
      result.lists[kind === "finess" ? "finessMn" : "amMn"].push(...tokens);
    else if (!result.problems.includes("field-without-activity"))
      result.problems.push("field-without-activity");
  }
  result.activity = activityOfSections(result.activity, sections);
  // Lists above every reference label belong to the first one.
  const first = references.keys().next().value ?? null;
  const heading = new Set(sections.map((section) => section.reference ?? first));
  heading.delete(null);
  if (heading.size > 1) {
    result.problems.push("several-requests");
    result.requestReferences = [...references].filter(([key]) => heading.has(key)).map(([, typed]) => typed);
  }
  for (const note of proseNotes) {
    for (const field of FIELDS) {
      if (note.activity && FIELD_ACTIVITY[field] !== note.activity) continue;
      result.lists[field] = result.lists[field].filter(
        (token) => !note.numbers.has(normaliseIdentifier(token)),
      );
    }
  }
  if (result.activityText) result.problems.push("unreadable-activity");
  const listed = new Set(FIELDS.flatMap((field) => result.lists[field].map(normaliseIdentifier)));
  // The reference is read, but a number in it (« Référence : CH Arras 620100057 ») counts for
  // nothing: it is a candidate too, named only if the reference data knows it.
  const reference = result.reference ? [result.reference] : [];
  result.strayNumbers = strayNumbersOf(
    [...lines.filter((_, n) => !read.has(n)), ...aside, ...leftOutNumbers, ...reference],
    listed,
  );
  return result;
}
