import type { Field } from "../engine/types.ts";
import { ACTIVITY_LABELS, formatCount } from "./result-view.ts";
import type { HelpEmailData, HelpProblem, RowsPlace } from "./templates.ts";

/** Field labels as the request form writes them (the help shows the form, not the result tables). */
export const FORM_LABELS: Record<Field, string> = {
  finessRadio: "FINESS radiologie",
  amRadio: "AM radiologie",
  finessMn: "FINESS médecine nucléaire",
  amMn: "AM médecine nucléaire",
};

/** The form's order, which is also the example's. */
const FORM_ORDER: readonly Field[] = ["finessRadio", "amRadio", "finessMn", "amMn"];

export interface HelpView {
  contactAddress: string;
  sender: string;
  submissionAddress: string;
  originalSubject: string | null;
  understood: string[];
  problems: string[];
  /** The copy-paste example, one line each. */
  example: string[];
  rules: string[];
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${formatCount(Math.round(bytes / (1024 * 1024)))} Mo`;
  if (bytes >= 1024) return `${formatCount(Math.round(bytes / 1024))} ko`;
  return `${bytes} octets`;
}

const numbers = (n: number) =>
  n === 0 ? "aucun numéro lu" : n === 1 ? "1 numéro lu" : `${formatCount(n)} numéros lus`;

function explain(problem: HelpProblem, contactAddress: string): string {
  switch (problem.kind) {
    case "missing-reference":
      return "La référence (nom de l'établissement ou du groupe) est absente : elle est obligatoire et figure dans le résultat.";
    case "no-identifiers":
      return "Aucun numéro FINESS ou AM n'a été trouvé : indiquez au moins un numéro, après le libellé de son champ.";
    case "unreadable-activity":
      return `Le type d'activité « ${problem.text} » n'a pas été compris : indiquez Radiologie, Médecine nucléaire ou Mixte.`;
    case "field-without-activity":
      return "Des numéros figurent sous un libellé « FINESS » ou « AM » qui ne précise pas l'activité, et le type d'activité n'est pas indiqué : écrivez par exemple « FINESS radiologie » ou « AM médecine nucléaire », ou indiquez le type d'activité.";
    case "row-without-activity":
      return "Dans le tableau joint, au moins une ligne ne précise pas son activité : indiquez pour chaque établissement ou médecin Radiologie, Médecine nucléaire ou Mixte.";
    case "row-without-identifier":
      return rowsWithoutIdentifier(problem.tables);
    case "finess-column-ambiguous":
      return `Le tableau joint « ${problem.filename} » comporte plusieurs colonnes FINESS sans préciser laquelle contient le FINESS géographique : aucune n'a été lue. Intitulez « FINESS géographique » la colonne des FINESS des sites (le FINESS juridique n'est pas pris en compte).`;
    case "malformed":
      return "Le message n'a pas pu être lu (sa structure est invalide) : envoyez la demande dans un nouveau message, en texte simple.";
    case "attachment-unreadable": {
      // It opened: calling it damaged would send the sender looking for the wrong fault.
      if (problem.cause === "no-table")
        return `La pièce jointe « ${problem.filename} » ne contient pas le tableau du bon de commande (une ligne par établissement ou médecin : nom, FINESS géographique, RPPS, numéros d'AM, activité) : aucun numéro n'y a été lu.`;
      const why = {
        "unsupported-type":
          "seuls les tableaux du bon de commande aux formats CSV, XLSX ou Word (DOCX) sont lus",
        "too-large": "le fichier dépasse la taille maximale acceptée",
        damaged: "le fichier est illisible ou endommagé",
      }[problem.cause];
      return `La pièce jointe « ${problem.filename} » n'a pas pu être lue : ${why}.`;
    }
    case "too-many-attachments":
      return `Le message comporte ${formatCount(problem.count)} pièces jointes ; au plus ${formatCount(problem.limit)} sont lues.`;
    case "too-many-identifiers":
      return `La demande comporte ${formatCount(problem.count)} numéros, au-delà de la limite de ${formatCount(problem.limit)} par calcul. Une commande se calcule en une seule demande (les tranches de deux calculs ne s'additionnent pas) : si la vôtre en compte réellement davantage, écrivez à ${contactAddress}.`;
    case "several-requests":
      return severalRequests(problem.references);
    case "body-too-large":
      return `Le message est trop volumineux pour être lu (plus de ${formatBytes(problem.limitBytes)}) : envoyez la demande dans un nouveau message, sans historique ni images.`;
    case "recipient-refused":
      return problem.cause === "other-organisation"
        ? `L'adresse du champ Email (${problem.address}) n'appartient pas à la même société que l'adresse d'envoi : le résultat n'est envoyé qu'à une adresse de votre société.`
        : `L'adresse du champ Email (${problem.address}) n'est pas autorisée à recevoir des résultats : demandez son accès à ${contactAddress}, ou retirez ce champ pour recevoir le résultat à votre adresse.`;
  }
}

const REFERENCES_SHOWN = 5;

/** Two requests in one message: neither is calculated, the lists of both would make one tranche. */
function severalRequests(references: readonly string[]): string {
  const names = referenceNames(references);
  return `Le message contient plusieurs demandes, chacune avec sa référence et ses numéros${names ? ` (${names})` : ""} : aucune n'a été calculée, car un message ne donne qu'un calcul. Envoyez chaque demande dans un message séparé ; si ces numéros relèvent d'une même commande, indiquez-les tous sous une seule référence.`;
}

/** « « A », « B » et 2 autres »: at most REFERENCES_SHOWN of them named. */
function referenceNames(references: readonly string[]): string {
  const shown = references.slice(0, REFERENCES_SHOWN).map((r) => `« ${r} »`);
  const more = references.length - shown.length;
  return joinedWithEt(more > 0 ? [...shown, `${formatCount(more)} autre${more > 1 ? "s" : ""}`] : shown);
}

/** « a, b et c », as French lists its items. */
function joinedWithEt(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(", ")} et ${items.at(-1)}` : (items[0] ?? "");
}

const ROWS_SHOWN = 10;

function rowList(rows: readonly number[]): string {
  const sorted = [...new Set(rows)].sort((a, b) => a - b);
  if (sorted.length === 1) return `la ligne ${sorted[0]}`;
  if (sorted.length > ROWS_SHOWN)
    return `les lignes ${sorted.slice(0, ROWS_SHOWN).join(", ")}… (${formatCount(sorted.length)} lignes)`;
  return `les lignes ${joinedWithEt(sorted.map(String))}`;
}

/** Where the rows are: a Word document has no row numbers, so they are counted from the table's first. */
function tablePlace(t: RowsPlace): string {
  if (t.table !== null)
    return `du ${t.table === 1 ? "1er" : `${t.table}e`} tableau du document « ${t.filename} » (en comptant sa ligne d'en-tête)`;
  return `du tableau « ${t.filename} »${t.sheet ? ` (feuille « ${t.sheet} »)` : ""}`;
}

/** Which rows of which table name someone without a number, so that the sender can find them. */
function rowsWithoutIdentifier(tables: readonly RowsPlace[]) {
  const located = tables.filter((t) => t.rows.length > 0);
  const n = located.reduce((sum, t) => sum + new Set(t.rows).size, 0);
  const where = located.map((t) => `${rowList(t.rows)} ${tablePlace(t)}`).join(" et ");
  const subject = where
    ? where.charAt(0).toUpperCase() + where.slice(1)
    : "Au moins une ligne du tableau joint";
  const what =
    n > 1
      ? "indiquent des établissements ou des médecins sans FINESS géographique ni numéro d'AM lisible : ils n'ont pas été comptés"
      : "indique un établissement ou un médecin sans FINESS géographique ni numéro d'AM lisible : il n'a pas été compté";
  return `${subject} ${what}. Indiquez le FINESS géographique de chaque établissement et les numéros d'AM de chaque médecin libéral (le RPPS seul ne suffit pas, et une formule en erreur comme #N/A ne donne aucun numéro).`;
}

/** The help email's view: what was understood, what is missing or wrong, and the expected format. */
export function helpView(data: HelpEmailData): HelpView {
  const { understood } = data;
  // Several requests in one message: what was read is all of theirs, counted together.
  const several = data.problems.find((p) => p.kind === "several-requests");
  const requests =
    several?.kind === "several-requests" && several.references.length > 1 ? several.references : null;
  const together = requests ? ` (les ${formatCount(requests.length)} demandes ensemble)` : "";
  const unreadActivity = data.problems.find((p) => p.kind === "unreadable-activity");
  const activity = understood.activity
    ? ACTIVITY_LABELS[understood.activity]
    : unreadActivity
      ? `« ${unreadActivity.text} » (non reconnu)`
      : "non indiqué";
  return {
    contactAddress: data.contactAddress,
    sender: data.sender,
    submissionAddress: data.submissionAddress,
    originalSubject: data.originalSubject || null,
    understood: [
      requests
        ? `Références : ${referenceNames(requests)}`
        : `Référence : ${understood.reference ?? "non trouvée"}`,
      `Type d'activité : ${activity}`,
      ...(understood.recipient ? [`Email (destinataire du résultat) : ${understood.recipient}`] : []),
      ...FORM_ORDER.map(
        (f) => `${FORM_LABELS[f]} : ${numbers(understood.counts[f])}${understood.counts[f] ? together : ""}`,
      ),
    ],
    problems: data.problems.map((p) => explain(p, data.contactAddress)),
    example: helpExample(data.sender),
    rules: [
      "Un champ par ligne, sous la forme « libellé : valeur ».",
      "Les listes de numéros sont séparées par « ; ».",
      "Type d'activité : Radiologie, Médecine nucléaire ou Mixte ; seuls les champs de l'activité choisie sont pris en compte.",
      "Le champ Email est facultatif : sans lui, le résultat est envoyé à l'adresse qui fait la demande.",
      `Au plus ${formatCount(data.maxIdentifiers)} numéros par demande.`,
      "Le tableau du bon de commande peut aussi être joint au format CSV, XLSX ou Word (DOCX).",
    ],
  };
}

/** A complete request in the labelled format of the web form, ready to copy and adapt. */
export function helpExample(sender: string): string[] {
  return [
    `Email : ${sender}`,
    "Référence : Centre d'imagerie des Tilleuls",
    "Type d'activité : Mixte",
    "FINESS radiologie : 920000650; 750712184",
    "AM radiologie : 751234567; 921234566",
    "FINESS médecine nucléaire : 920000650",
    "AM médecine nucléaire : 131234568",
  ];
}
