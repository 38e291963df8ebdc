import type { CalculationDiff, IdentifierChange, IdentifierStatus } from "../calculations/diff.ts";
import type { StoredCalculation } from "../calculations/store.ts";
import type { AmCounts, FinessCounts } from "../engine/types.ts";
import { FIELDS } from "../engine/types.ts";
import { FIELD_LABELS, formatCount } from "../render/result-view.ts";
import { REASON_LABELS } from "./calc.ts";

// How support sees a calculation in the terminal: `tickets show` and `calculation show`,
// `tickets recompute` and `calculation recompute`.

const CAUSE_LABELS: Record<IdentifierChange["cause"], string> = {
  "added-to-reference": "ajouté aux données de référence",
  "removed-from-reference": "retiré des données de référence",
  "reference-counts-changed": "chiffres modifiés dans les données de référence",
  "rules-changed": "mêmes données : règles ou coefficient différents",
  "old-data-unavailable": "ancienne version des données supprimée",
};

/** Senders' text reaches the support terminal: control characters (escape sequences) are neutralised. */
export function printable(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const control =
      (code < 0x20 && char !== "\n" && char !== "\r" && char !== "\t") || (code >= 0x7f && code < 0xa0);
    out += control ? "\ufffd" : char;
  }
  return out;
}

/** A stored calculation: who asked, inputs as typed, valid and invalid identifiers, total, dataset. */
export function describeCalculation(
  c: StoredCalculation & { dataset: { id: number; label: string; importedAt: Date } | null },
  how?: string,
): string[] {
  const lines = [
    `Calcul ${c.publicId}${how ? ` (${how})` : ""} du ${c.createdAt.toISOString()}`,
    `  Demandé par ${c.sender}, envoyé à ${c.recipient} ; référence « ${printable(c.reference)} »`,
    `  Activité : ${c.activity}${c.activityInferred ? " (déduite des champs remplis)" : ""}`,
    `  Données de référence : ${c.dataset ? `version n°${c.dataset.id} « ${c.dataset.label} » importée le ${c.dataset.importedAt.toISOString()}` : `version n°${c.datasetId} (supprimée)`}`,
    "  Saisi :",
  ];
  for (const field of FIELDS)
    lines.push(`    ${FIELD_LABELS[field].padEnd(29)}: ${c.request[field].join("; ")}`);
  if (c.request.amOfMixteRows?.length)
    lines.push(
      `    N°AM de lignes « mixte » du tableau, jugés dans le champ de l'activité du médecin : ${c.request.amOfMixteRows.join("; ")}`,
    );
  lines.push("  Valides :");
  for (const field of FIELDS)
    lines.push(`    ${FIELD_LABELS[field].padEnd(29)}: ${c.result.valid[field].join("; ")}`);
  lines.push("  Invalides :");
  for (const field of FIELDS) {
    const values = c.result.invalid[field].map((i) => `${i.value} (${REASON_LABELS[i.reason]})`);
    lines.push(`    ${FIELD_LABELS[field].padEnd(29)}: ${values.join("; ")}`);
  }
  lines.push(
    `  Total : ${formatCount(c.result.radiologyExams)} + ${c.result.nuclearCoefficient} × ${formatCount(c.result.nuclearExams)} = ${formatCount(c.total)} ; tranche ${c.tranche ?? "aucune (total nul)"}`,
  );
  return lines;
}

/** A recomputation, in French, for support: the figures before → after, then each identifier that moved. */
export function describeDiff(publicId: string, reference: string, diff: CalculationDiff): string {
  const d = diff.datasets;
  const version = (v: { id: number; label: string } | null) =>
    v ? `n°${v.id} « ${v.label} »` : "(supprimée)";
  const lines = [
    `Calcul ${publicId} — référence « ${printable(reference)} »`,
    `  Données de référence : ${version(d.before)} → ${version(d.after)}${d.before?.id === d.after?.id ? " (même version)" : ""}`,
    `  ${diff.changed ? "Le résultat change." : "Le résultat est inchangé."}`,
    `  Tranche : ${diff.tranche.before ?? "aucune"} → ${diff.tranche.after ?? "aucune"}`,
    `  Total : ${formatCount(diff.total.before)} → ${formatCount(diff.total.after)} (radiologie ${formatCount(diff.radiologyExams.before)} → ${formatCount(diff.radiologyExams.after)} ; médecine nucléaire ${formatCount(diff.nuclearExams.before)} → ${formatCount(diff.nuclearExams.after)}, coefficient ${diff.nuclearCoefficient.before} → ${diff.nuclearCoefficient.after})`,
    `  Identifiants valides : ${diff.validCount.before} → ${diff.validCount.after} ; invalides : ${diff.invalidCount.before} → ${diff.invalidCount.after}`,
  ];
  if (!diff.identifiers.length) lines.push("  Aucun identifiant n'a changé de statut ni de chiffres.");
  for (const change of diff.identifiers) {
    lines.push(
      `  - ${FIELD_LABELS[change.field]} ${printable(change.value)} : ${status(change.before)} → ${status(change.after)} ; ${CAUSE_LABELS[change.cause]} (${counts(change.countsBefore)} → ${counts(change.countsAfter)})`,
    );
  }
  return lines.join("\n");
}

function status(s: IdentifierStatus | null): string {
  if (s === null) return "absent";
  return s.state === "valid" ? "valide" : `invalide (${REASON_LABELS[s.reason]})`;
}

function counts(c: FinessCounts | AmCounts | null): string {
  if (c === null) return "absent des données";
  if ("acts" in c)
    return `${c.activity === "radiologie" ? "radiologie" : "médecine nucléaire"}, ${formatCount(c.acts)} actes`;
  return `${formatCount(c.radiology)} examens de radiologie, ${formatCount(c.nuclear)} de médecine nucléaire`;
}
