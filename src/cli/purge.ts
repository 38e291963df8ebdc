import { resolve } from "node:path";
import type { Command } from "commander";
import { formatCount } from "../render/result-view.ts";
import { purgeRawContent } from "../retention/purge.ts";
import { withDatabase } from "./context.ts";

export function registerPurgeCommand(program: Command): void {
  program
    .command("purge")
    .description("efface le contenu brut des messages plus anciens que la durée de conservation")
    .option("--dry-run", "compte seulement ce qui serait effacé")
    .action((options: { dryRun?: boolean }) =>
      withDatabase(async (db, config) => {
        const summary = await purgeRawContent(db, {
          retentionDays: config.retentionDays,
          now: new Date(),
          dryRun: options.dryRun,
          mailRoot: resolve(config.mailRoot),
        });
        const verb = summary.dryRun ? "serait effacé" : "effacé";
        console.log(
          `Messages antérieurs au ${summary.cutoff.toISOString()} (conservation : ${config.retentionDays} jours) :`,
        );
        console.log(`  reçus : contenu brut ${verb} pour ${formatCount(summary.inbound)} message(s)`);
        console.log(`  envoyés : contenu brut ${verb} pour ${formatCount(summary.outbox)} message(s)`);
        console.log(
          `  fichiers sous ${config.mailRoot} ${summary.dryRun ? "qui seraient supprimés" : "supprimés"} : ` +
            `${formatCount(summary.receivedFiles)} message(s) reçu(s) traité(s), ` +
            `${formatCount(summary.sentFiles)} copie(s) envoyée(s)`,
        );
        for (const folder of summary.skippedFolders) {
          console.log(`  dossier ignoré (on y arrive par un lien symbolique) : ${folder}`);
        }
        console.log(
          "Calculs, décisions d'accès, journal et tickets sont conservés, ainsi que le courrier pas encore traité (new/, tmp/).",
        );
      }),
    );
}
