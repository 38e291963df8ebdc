import type { Command } from "commander";
import { requeueDeadLetters } from "../outbox/outgoing.ts";
import { UsageError, withDatabase } from "./context.ts";
import { describeStuckEmail, STUCK_COLUMNS, stuck } from "./status.ts";

export function registerOutboxCommands(program: Command): void {
  const outbox = program.command("outbox").description("file d'envoi des réponses");
  outbox
    .command("list")
    .description(
      "liste les envois refusés (lettres mortes) et ceux qui sont réessayés, les plus récents d'abord",
    )
    .option("--dead", "seulement les envois refusés")
    .action((options: { dead?: boolean }) =>
      withDatabase(async (db) => {
        const now = new Date();
        const rows = await db.outboxMessage.findMany({
          where: options.dead ? { status: "dead" } : stuck(now),
          orderBy: { id: "desc" },
          select: STUCK_COLUMNS,
        });
        if (!rows.length) {
          console.log(options.dead ? "Aucun envoi refusé." : "Aucun envoi refusé ni réessayé.");
          return;
        }
        for (const row of rows) console.log(describeStuckEmail(row, now));
        if (rows.some((row) => row.status === "dead"))
          console.log("Remettre en file une fois la cause corrigée : tranche outbox retry <#id…> | --all");
      }),
    );
  outbox
    .command("retry")
    .description(
      "remet en file les envois refusés (lettres mortes, listées par `tranche status`) une fois la cause corrigée",
    )
    .argument("[ids...]", "numéros des envois (#12 ou 12), tels que `tranche status` les affiche")
    .option("--all", "tous les envois refusés")
    .action((ids: string[], options: { all?: boolean }) =>
      withDatabase(async (db) => {
        if ((options.all ?? false) === ids.length > 0)
          throw new UsageError("indiquez les numéros des envois à remettre en file, ou --all");
        const numbers = ids.map((text) => {
          const id = Number(text.replace(/^#/, ""));
          if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`numéro d'envoi invalide : ${text}`);
          return id;
        });
        const outcome = await requeueDeadLetters(db, options.all ? "all" : numbers, new Date());
        const list = (rows: number[]) => rows.map((id) => `#${id}`).join(", ");
        console.log(
          outcome.requeued.length
            ? `${outcome.requeued.length} envoi(s) remis en file : ${list(outcome.requeued)} (le démon les envoie à son prochain passage)`
            : "Aucun envoi remis en file.",
        );
        if (outcome.withoutContent.length)
          console.log(
            `Contenu déjà effacé par la durée de conservation, rien à renvoyer : ${list(outcome.withoutContent)}`,
          );
        if (outcome.notDead.length)
          console.log(`Pas des envois refusés (envoyés, en attente ou inconnus) : ${list(outcome.notDead)}`);
        // A script must see that a named email was not put back.
        if (outcome.withoutContent.length + outcome.notDead.length > 0) process.exitCode = 1;
      }),
    );
}
