import type { Activity, Field, FieldLists } from "../engine/types.ts";
import { normaliseIdentifier } from "../identifiers/normalise.ts";
import { splitIdentifierList } from "../identifiers/split.ts";
import type { CalculationProblem } from "./types.ts";

/** A labelled field of the web form (SPEC §5); `finess`/`am` are labels that name no activity. */
type LabelKind = Field | "finess" | "am" | "recipient" | "reference" | "activity";

/** Lowercase, without accents, typographic apostrophes made plain, spaces collapsed. */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[’‘`´]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

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
  "votre",
  "vos",
  "saisir",
]);

function labelWords(label: string): string[] {
  return fold(label)
    .replace(/^[\s\-*•·>|#]+/, "")
    .replace(/[°º]/g, " ")
    .split(/[\s'().*_/]+/)
    .map((w) => w.replace(/[^a-z0-9-]/g, ""))
    .filter((w) => w && !NOISE.has(w));
}

const isFiness = (w: string) => /^fin+e?s+e?s*$/.test(w) || w === "finness";
const isAm = (w: string) => w === "am" || w === "a-m" || w === "assurance" || w === "maladie";
const isRadio = (w: string) => /^radi/.test(w);
const isNuclear = (w: string) => /^nuc?l/.test(w) || ["mn", "nuc", "med", "medecine"].includes(w);

const IDENTIFIER_EXTRAS = new Set([
  "etablissement",
  "etablissements",
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
    const radio = rest.some(isRadio);
    const nuclear = rest.some((w) => !isRadio(w) && isNuclear(w));
    const known = rest.every((w) => isRadio(w) || isNuclear(w) || IDENTIFIER_EXTRAS.has(w));
    if (!known || (radio && nuclear)) return null;
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
  const radio = /\bradi/.test(v);
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
}

interface LabelMatch {
  kind: LabelKind;
  value: string;
}

/** Separators between a label and its value, most explicit first. */
const SEPARATORS = [/\s*[:=]\s*/, /\s*\t\s*/, /\s*\|\s*/, /\s{2,}/];
/** Letters, digits, separators, brackets and invisible marks: nothing a sentence needs beyond a list. */
const IDENTIFIER_LINE = /^[\s\p{L}\p{N};,.()\u002D\u2010-\u2015\p{Cf}]+$/u;

/**
 * A line that continues a list of identifiers: it holds at least one number of an identifier's
 * length (9 characters once typed spaces and dots are gone), whatever comment is beside it
 * ("750712184 CH Paris": the comment is dropped by splitIdentifierList). "Tel 0123456789" or
 * "Merci 2 fois" under a list holds none: it is prose, and ends the list.
 */
function continuesList(line: string): boolean {
  if (!IDENTIFIER_LINE.test(line)) return false;
  return splitValues(line).some((token) => normaliseIdentifier(token).length === 9);
}
const LABEL_SPAN = 200;
const ONLY_NUMBERS = /^[\d\s;,.\u002D\u2010-\u2015]+$/;

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
    const kind = classifyLabel(line.slice(0, sep.index));
    // Gmail's plain text of bold labels: "*Référence :* CH de Lens".
    if (kind)
      return {
        kind,
        value: line
          .slice(sep.index + sep[0].length)
          .replace(/^\*+/, "")
          .trim(),
      };
  }
  const whole = line.length <= LABEL_SPAN ? classifyLabel(line.replace(/[:=]\s*$/, "")) : null;
  if (whole) return { kind: whole, value: "" };
  // "FINESS radiologie 920000650; 920000651": the label runs into the numbers. Only a line of
  // numbers counts: "Le FINESS 750712185 est indiqué invalide" is prose, not a field.
  const words = line.split(/\s+/);
  for (let k = Math.min(words.length - 1, 8); k >= 1; k--) {
    const rest = words.slice(k).join(" ");
    if (!/^(\d|2[ab]\d)/i.test(rest) || !ONLY_NUMBERS.test(rest.replace(/\b(2a|2b|9[a-f])/gi, "00")))
      continue;
    const kind = classifyLabel(words.slice(0, k).join(" "));
    if (kind && kind !== "recipient" && kind !== "reference" && kind !== "activity")
      return { kind, value: rest };
  }
  return null;
}

const emptyLists = (): FieldLists => ({ amRadio: [], finessRadio: [], amMn: [], finessMn: [] });

/** What people write in a field they leave empty: not an identifier to report as invalid. */
const NOTHING =
  /^(neant|aucun|aucune|rien|vide|n\/?a|na|nc|sans objet|non concernee?s?|non applicable|pas de \w+)\.?$/;

function splitValues(text: string): string[] {
  if (NOTHING.test(fold(text))) return [];
  return splitIdentifierList(text.replace(/\s(et|and|puis)\s/gi, ";"));
}

/** Reads the labelled fields of SPEC §5 from the sender's own text. Never throws. */
export function parseLabelledCalculation(text: string): LabelledCalculation {
  const lines = text.split("\n");
  const result: LabelledCalculation = {
    recipient: null,
    reference: null,
    activity: null,
    activityText: null,
    lists: emptyLists(),
    labelsFound: 0,
    identifierLabelFound: false,
    problems: [],
  };
  const generic: { kind: "finess" | "am"; tokens: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const match = matchLabel(lines[i] ?? "");
    if (!match) continue;
    result.labelsFound++;
    let value = match.value;
    if (match.kind === "recipient" || match.kind === "reference" || match.kind === "activity") {
      if (!value) {
        // The value below the label, maybe after a blank line (HTML tables give one per cell).
        let j = i + 1;
        if (!(lines[j] ?? "").trim()) j++;
        const next = lines[j] ?? "";
        if (next.trim() && !matchLabel(next)) {
          value = next.trim();
          i = j;
        }
      }
      value = value.replace(/\t/g, " ").trim();
      if (!value) continue;
      if (match.kind === "recipient") {
        result.recipient =
          /[^\s<>"'@]+@[^\s<>"'@;,]+\.[a-z]{2,}/i.exec(value.slice(0, 320))?.[0]?.toLowerCase() ?? null;
      } else if (match.kind === "reference") result.reference = value.slice(0, 200);
      else {
        result.activity = readActivity(value);
        result.activityText = result.activity ? null : value.slice(0, 100);
      }
      continue;
    }
    result.identifierLabelFound = true;
    // Values continue on the following lines until a blank line, another label or prose.
    const parts = [value];
    let j = i + 1;
    if (!value) while (j < lines.length && !(lines[j] ?? "").trim()) j++;
    for (; j < lines.length; j++) {
      const next = lines[j] ?? "";
      if (!next.trim() || matchLabel(next) || !continuesList(next)) break;
      parts.push(next);
    }
    i = j - 1;
    const tokens = splitValues(parts.join("\n"));
    if (match.kind === "finess" || match.kind === "am") generic.push({ kind: match.kind, tokens });
    else result.lists[match.kind].push(...tokens);
  }
  for (const { kind, tokens } of generic) {
    if (tokens.length === 0) continue;
    if (result.activity === "radiologie")
      result.lists[kind === "finess" ? "finessRadio" : "amRadio"].push(...tokens);
    else if (result.activity === "medecine-nucleaire")
      result.lists[kind === "finess" ? "finessMn" : "amMn"].push(...tokens);
    else if (!result.problems.includes("field-without-activity"))
      result.problems.push("field-without-activity");
  }
  if (result.activityText) result.problems.push("unreadable-activity");
  return result;
}
