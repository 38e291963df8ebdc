import type { Command } from "commander";
import type { CalculationRequest, CalculationResult, InvalidReason } from "../engine/types.ts";
import { FIELDS } from "../engine/types.ts";
import { splitIdentifierList } from "../identifiers/split.ts";
import { readActivity } from "../intake/calculation-parser.ts";
import { calculate } from "../reference/calculate.ts";
import { FIELD_LABELS, formatCount } from "../render/result-view.ts";
import { UsageError, withDatabase } from "./context.ts";

export const REASON_LABELS: Record<InvalidReason, string> = {
  format: "format invalide",
  unknown: "inconnu des données de référence",
  "no-activity": "sans activité de ce type",
  "not-applicable": "champ hors du type d'activité choisi",
};

interface CalcOptions {
  activity: string;
  finessRadio: string[];
  amRadio: string[];
  finessMn: string[];
  amMn: string[];
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerCalcCommand(program: Command): void {
  program
    .command("calc")
    .description("calcule la tranche de financement d'une commande")
    .requiredOption("--activity <type>", "radiologie | medecine-nucleaire | mixte")
    .option("--finess-radio <list>", "FINESS radiologie (séparés par ;)", collect, [])
    .option("--am-radio <list>", "N°AM radiologie", collect, [])
    .option("--finess-mn <list>", "FINESS médecine nucléaire", collect, [])
    .option("--am-mn <list>", "N°AM médecine nucléaire", collect, [])
    .option("--json", "sortie JSON (un objet)")
    .action((options: CalcOptions) =>
      withDatabase(async (db, config) => {
        // Read as a request's « Type d'activité » is: radio, MN, nucléaire, Médecine nucléaire…
        const activity = readActivity(options.activity);
        if (!activity) {
          throw new UsageError(
            `--activity « ${options.activity} » : radiologie, medecine-nucleaire ou mixte attendu`,
          );
        }
        const request: CalculationRequest = {
          activity,
          amRadio: options.amRadio.flatMap(splitIdentifierList),
          finessRadio: options.finessRadio.flatMap(splitIdentifierList),
          amMn: options.amMn.flatMap(splitIdentifierList),
          finessMn: options.finessMn.flatMap(splitIdentifierList),
        };
        if (
          request.amRadio.length +
            request.finessRadio.length +
            request.amMn.length +
            request.finessMn.length >
          config.maxIdentifiers
        ) {
          throw new UsageError(`au plus ${config.maxIdentifiers} identifiants par calcul`);
        }
        const { result, dataset } = await calculate(db, request, {
          nuclearCoefficient: config.nuclearCoefficient,
        });
        if (options.json) {
          process.stdout.write(
            `${JSON.stringify({
              tranche: result.tranche,
              total: result.total,
              activity: result.activity,
              valid: result.valid,
              invalid: result.invalid,
              dataset: { id: String(dataset.id), label: dataset.label },
            })}\n`,
          );
          return;
        }
        process.stdout.write(formatSummary(result, dataset));
      }),
    );
}

function formatSummary(result: CalculationResult, dataset: { id: number; label: string }): string {
  const lines: string[] = [];
  lines.push(
    result.tranche
      ? `Tranche de financement : ${result.tranche} (${formatCount(result.total)} examens annuels de référence)`
      : "Aucune tranche : aucune activité éligible parmi les identifiants valides (total = 0).",
  );
  lines.push(
    `Calcul : ${formatCount(result.radiologyExams)} examens de radiologie + ${result.nuclearCoefficient} × ${formatCount(result.nuclearExams)} examens de médecine nucléaire`,
  );
  lines.push(
    `Activité : ${result.activity} — données de référence : version n°${dataset.id} « ${dataset.label} »`,
  );
  lines.push("", "Données valides :");
  for (const field of FIELDS)
    lines.push(`  ${FIELD_LABELS[field].padEnd(29)}: ${result.valid[field].join("; ")}`);
  lines.push("", "Données invalides, non prises en compte dans le calcul :");
  for (const field of FIELDS) {
    const values = result.invalid[field].map((i) => `${i.value} (${REASON_LABELS[i.reason]})`);
    lines.push(`  ${FIELD_LABELS[field].padEnd(29)}: ${values.join("; ")}`);
  }
  return `${lines.join("\n")}\n`;
}
