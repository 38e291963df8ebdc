import type { Activity, CalculationResult, Field, InvalidReason } from "../engine/types.ts";
import { FIELDS } from "../engine/types.ts";

/** Row labels of the documented result layout, in FIELDS order. */
export const FIELD_LABELS: Record<Field, string> = {
  amRadio: "No AM radiologie",
  finessRadio: "No FINESS radiologie",
  amMn: "No AM médecine nucléaire",
  finessMn: "No FINESS médecine nucléaire",
};

export const ACTIVITY_LABELS: Record<Activity, string> = {
  radiologie: "Radiologie",
  "medecine-nucleaire": "Médecine nucléaire",
  mixte: "Mixte",
};

export interface ResultRow {
  label: string;
  /** Values joined by "; ", empty when none. */
  values: string;
}

export interface InvalidExplanation {
  value: string;
  label: string;
  reason: string;
}

/** Everything the result templates show, already worded in French. */
export interface ResultView {
  contactAddress: string;
  publicId: string;
  reference: string;
  requester: string;
  valid: ResultRow[];
  invalid: ResultRow[];
  tranche: string | null;
  /** Why no tranche applies, when the total is 0. */
  noTranche: string | null;
  activity: string;
  activityInferred: boolean;
  total: string;
  totalDetail: string;
  dataset: string;
  reasons: InvalidExplanation[];
  /** Why the result comes to the requester rather than the address the request named. */
  recipientNote: string | null;
  /** Known numbers of the request's text read into no field, named after the documented layout. */
  strayNote: string | null;
  /** Hidden rows of an attached workbook that were counted, named after the documented layout. */
  hiddenRowsNote: string | null;
  /** Hidden columns of an attached workbook that were counted, likewise. */
  hiddenColumnsNote: string | null;
}

/** The request's Email field named an address the result may not go to (SPEC §5): it went to the sender. */
export interface RecipientRefusal {
  address: string;
  cause: "not-authorised" | "other-organisation";
}

export interface ResultContext {
  publicId: string;
  reference: string;
  requester: string;
  dataset: { id: string | number; label: string };
  activityInferred: boolean;
  contactAddress: string;
  recipientRefused?: RecipientRefusal | null;
  /**
   * FINESS or N°AM the reference data knows, present in the request's text but read into no field
   * (normalised): the result names them, so that a number the reading missed is never left out
   * unsaid. Absent or empty: nothing is said.
   */
  strayNumbers?: readonly string[] | null;
  /**
   * Rows an attached workbook hides (by hand, or a filter left on) whose numbers were counted: the
   * result names them, since the sender may have hidden them to leave them out.
   */
  hiddenRows?: readonly HiddenRowsPlace[] | null;
  /** Likewise the columns it hides whose numbers were counted, by letter and header. */
  hiddenColumns?: readonly HiddenColumnsPlace[] | null;
}

/** Hidden columns of one sheet of an attached workbook, by letter and header (« D (N° AM) »). */
export interface HiddenColumnsPlace {
  filename: string;
  sheet: string | null;
  columns: readonly string[];
}

/** Hidden rows of one sheet of an attached workbook, numbered as the sheet shows them. */
export interface HiddenRowsPlace {
  filename: string;
  sheet: string | null;
  rows: readonly number[];
}

/** French thousands grouping with a plain space, readable in both parts ("75 000"). */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

const isFiness = (field: Field) => field === "finessRadio" || field === "finessMn";
const isRadio = (field: Field) => field === "amRadio" || field === "finessRadio";

function explain(field: Field, reason: InvalidReason, activity: Activity): string {
  switch (reason) {
    case "format":
      return isFiness(field)
        ? "format incorrect : un numéro FINESS géographique comporte 9 caractères (le département, puis 7 chiffres) et se termine par une clé de contrôle valide"
        : "format incorrect : un numéro AM comporte 9 chiffres et commence par un numéro de département";
    case "unknown":
      return isFiness(field)
        ? "numéro FINESS absent des données de référence"
        : "numéro AM absent des données de référence";
    case "no-activity": {
      // One reason for "zero of the field's kind" and, for a doctor, "of the other activity".
      const kind = isRadio(field) ? "radiologie" : "médecine nucléaire";
      return isFiness(field)
        ? `aucun examen de ${kind} pour cet établissement dans les données de référence`
        : `aucune activité de ${kind} pour ce médecin dans les données de référence (aucun acte, ou médecin d'une autre activité)`;
    }
    case "not-applicable":
      return `champ non pris en compte pour le type d'activité « ${ACTIVITY_LABELS[activity]} »`;
  }
}

function noTrancheReason(result: CalculationResult): string {
  const submitted = FIELDS.some((f) => result.valid[f].length > 0 || result.invalid[f].length > 0);
  const why = submitted
    ? "aucun des numéros saisis n'a pu être pris en compte (voir les motifs dans les détails du calcul)"
    : "aucun numéro FINESS ou AM n'a été saisi";
  return `Aucune tranche de financement ne s'applique : ${why}, le total d'examens annuels de référence est donc de 0.`;
}

function recipientNote(refusal: RecipientRefusal, context: ResultContext): string {
  const why =
    refusal.cause === "other-organisation"
      ? "n'appartient pas à la même société que l'adresse d'envoi"
      : `n'est pas autorisée à recevoir des résultats (son accès se demande à ${context.contactAddress})`;
  return `Ce résultat vous est adressé : l'adresse indiquée dans le champ Email de la demande (${refusal.address}) ${why}.`;
}

/** The numbers a request holds but the calculation left out, and how to have them counted. */
function strayNote(numbers: readonly string[]): string {
  const one = numbers.length === 1;
  const what = one
    ? "Numéro présent dans votre message mais lu dans aucun champ, non pris en compte dans le calcul"
    : "Numéros présents dans votre message mais lus dans aucun champ, non pris en compte dans le calcul";
  const how = one
    ? "S'il fait partie de la commande, renvoyez la demande complète en le plaçant"
    : "S'ils font partie de la commande, renvoyez la demande complète en les plaçant";
  return `${what} : ${numbers.join("; ")}. ${how} sous le libellé du champ concerné (par exemple « FINESS radiologie : ») : les tranches de deux calculs ne s'additionnent pas.`;
}

/** Row spans named in a note: a filter may hide thousands of rows, the note stays a sentence. */
const MAX_ROW_SPANS = 10;

/**
 * Rows as a reader names them: runs of three or more as « 12 à 480 », at most MAX_ROW_SPANS of
 * them, then « … » and how many rows in all.
 */
function rowList(rows: readonly number[]): string {
  const spans: string[] = [];
  for (let i = 0; i < rows.length; ) {
    let j = i;
    while (j + 1 < rows.length && rows[j + 1] === rows[j]! + 1) j++;
    if (j - i >= 2) spans.push(`${rows[i]} à ${rows[j]}`);
    else spans.push(...rows.slice(i, j + 1).map(String));
    i = j + 1;
  }
  if (spans.length <= MAX_ROW_SPANS) return spans.join(", ");
  return `${spans.slice(0, MAX_ROW_SPANS).join(", ")}, … (${rows.length} lignes en tout)`;
}

/** Hidden rows that were counted, where they are, and how to leave them out. */
function hiddenRowsNote(places: readonly HiddenRowsPlace[]): string {
  const rows = places.reduce((n, p) => n + p.rows.length, 0);
  const where = places
    .map((p) => {
      const lines = p.rows.length === 1 ? `ligne ${p.rows[0]}` : `lignes ${rowList(p.rows)}`;
      return `${lines} du tableau « ${p.filename} »${p.sheet ? ` (feuille « ${p.sheet} »)` : ""}`;
    })
    .join(" et ");
  const what =
    rows === 1
      ? "Ligne masquée dans le tableau joint, lue et prise en compte dans le calcul"
      : "Lignes masquées dans le tableau joint, lues et prises en compte dans le calcul";
  const how =
    rows === 1
      ? "Si elle ne fait pas partie de la commande, supprimez-la du tableau et renvoyez la demande"
      : "Si elles ne font pas partie de la commande, supprimez-les du tableau et renvoyez la demande";
  return `${what} : ${where}. ${how} (un filtre ou un masquage ne les retire pas du fichier).`;
}

/** Hidden columns that were counted, where they are, and how to leave them out. */
function hiddenColumnsNote(places: readonly HiddenColumnsPlace[]): string {
  const count = places.reduce((n, p) => n + p.columns.length, 0);
  const where = places
    .map((p) => {
      const columns = p.columns.map((c) => `« ${c} »`).join(", ");
      return `${p.columns.length === 1 ? "colonne" : "colonnes"} ${columns} du tableau « ${p.filename} »${p.sheet ? ` (feuille « ${p.sheet} »)` : ""}`;
    })
    .join(" et ");
  const [what, how] =
    count === 1
      ? [
          "Colonne masquée dans le tableau joint, lue et prise en compte dans le calcul",
          "Si ses numéros ne font pas partie de la commande, supprimez-la du tableau et renvoyez la demande (un masquage ne la retire pas du fichier)",
        ]
      : [
          "Colonnes masquées dans le tableau joint, lues et prises en compte dans le calcul",
          "Si leurs numéros ne font pas partie de la commande, supprimez-les du tableau et renvoyez la demande (un masquage ne les retire pas du fichier)",
        ];
  return `${what} : ${where}. ${how}.`;
}

/** The result email's view of an engine result and the request it answers. */
export function buildResultView(result: CalculationResult, context: ResultContext): ResultView {
  const row = (field: Field, values: string[]): ResultRow => ({
    label: FIELD_LABELS[field],
    values: values.join("; "),
  });
  const nuclearWeighted = result.nuclearExams * result.nuclearCoefficient;
  return {
    contactAddress: context.contactAddress,
    publicId: context.publicId,
    reference: context.reference,
    requester: context.requester,
    valid: FIELDS.map((f) => row(f, result.valid[f])),
    invalid: FIELDS.map((f) =>
      row(
        f,
        result.invalid[f].map((i) => i.value),
      ),
    ),
    tranche: result.tranche,
    noTranche: result.tranche ? null : noTrancheReason(result),
    activity: ACTIVITY_LABELS[result.activity],
    activityInferred: context.activityInferred,
    total: formatCount(result.total),
    totalDetail: `radiologie : ${formatCount(result.radiologyExams)} ; médecine nucléaire : ${formatCount(result.nuclearExams)} × ${result.nuclearCoefficient} = ${formatCount(nuclearWeighted)}`,
    dataset: `${context.dataset.label} (version ${context.dataset.id})`,
    recipientNote: context.recipientRefused ? recipientNote(context.recipientRefused, context) : null,
    strayNote: context.strayNumbers?.length ? strayNote(context.strayNumbers) : null,
    hiddenRowsNote: context.hiddenRows?.length ? hiddenRowsNote(context.hiddenRows) : null,
    hiddenColumnsNote: context.hiddenColumns?.length ? hiddenColumnsNote(context.hiddenColumns) : null,
    reasons: FIELDS.flatMap((f) =>
      result.invalid[f].map((i) => ({
        value: i.value,
        label: FIELD_LABELS[f],
        reason: explain(f, i.reason, result.activity),
      })),
    ),
  };
}
