import type { Command } from "commander";
import { grantAccess, listAuthorised, revokeAccess } from "../access/store.ts";
import { operatorName, withDatabase } from "./context.ts";

export function registerAccessCommands(program: Command): void {
  const access = program.command("access").description("adresses autorisées à demander des calculs");

  access
    .command("grant <address>")
    .description("autorise une adresse")
    .action((address: string) =>
      withDatabase(async (db) => {
        const outcome = await grantAccess(db, address, operatorName());
        console.log(
          outcome === "granted"
            ? `${address} est autorisée.`
            : `${address} était déjà autorisée : rien n'a changé.`,
        );
      }),
    );

  access
    .command("revoke <address>")
    .description("retire l'autorisation d'une adresse")
    .action((address: string) =>
      withDatabase(async (db) => {
        const outcome = await revokeAccess(db, address, operatorName());
        console.log(
          outcome === "revoked"
            ? `${address} n'est plus autorisée.`
            : `${address} n'était pas autorisée : rien n'a changé.`,
        );
      }),
    );

  access
    .command("list")
    .description("liste les adresses autorisées")
    .option("--all", "inclut les adresses révoquées")
    .action((options: { all?: boolean }) =>
      withDatabase(async (db) => {
        const rows = await listAuthorised(db, { includeRevoked: options.all });
        if (!rows.length) {
          console.log("Aucune adresse autorisée (tranche access grant <adresse>).");
          return;
        }
        for (const row of rows) {
          const state = row.revokedAt
            ? `révoquée le ${row.revokedAt.toISOString()} par ${row.revokedBy}`
            : "autorisée";
          console.log(
            `${row.email}\t${row.organisation}\t${state}\tdepuis ${row.grantedAt.toISOString()} (${row.grantedBy})`,
          );
        }
      }),
    );
}
