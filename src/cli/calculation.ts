import type { Command } from "commander";
import { replayCalculation } from "../calculations/replay.ts";
import {
  CalculationNotFoundError,
  findByPublicId,
  findPublicIds,
  type StoredCalculation,
} from "../calculations/store.ts";
import type { Db } from "../db/client.ts";
import { formatTicketNumber } from "../support/tickets.ts";
import { describeCalculation, describeDiff } from "./calculation-view.ts";
import { UsageError, withDatabase } from "./context.ts";

/**
 * `tranche calculation show|recompute TR-2026-000123`: a calculation found by the identifier its
 * result email gives, for a dispute that reached support without being linked to it (by phone, by
 * a message that quotes nothing).
 */
export function registerCalculationCommands(program: Command): void {
  const calculation = program
    .command("calculation")
    .description("un calcul, par l'identifiant de son courriel de résultat (TR-2026-000123)");

  calculation
    .command("show <id>")
    .description("demande, résultat, version des données et tickets liés d'un calcul")
    .action((id: string) =>
      withDatabase(async (db) => {
        const c = await stored(db, id);
        const dataset = await db.dataset.findUnique({
          where: { id: c.datasetId },
          select: { id: true, label: true, importedAt: true },
        });
        const links = await db.ticketCalculation.findMany({
          where: { calculationId: c.id },
          orderBy: { ticketId: "asc" },
          select: { ticketId: true },
        });
        const tickets = links.map((l) => formatTicketNumber(l.ticketId));
        console.log(
          [
            ...describeCalculation({ ...c, dataset }),
            `  Courriel de résultat : ${c.resultMessageId ?? "(aucun)"}`,
            `  Tickets liés : ${tickets.length ? tickets.join(", ") : "aucun"}`,
          ].join("\n"),
        );
      }),
    );

  calculation
    .command("recompute <id>")
    .description("recalcule sur les données actives et explique les différences")
    .action((id: string) =>
      withDatabase(async (db, config) => {
        const c = await stored(db, id);
        const replay = await replayCalculation(db, c, { nuclearCoefficient: config.nuclearCoefficient });
        console.log(describeDiff(c.publicId, c.reference, replay.diff));
      }),
    );
}

async function stored(db: Db, id: string): Promise<StoredCalculation> {
  if (findPublicIds(id).length !== 1)
    throw new UsageError(`« ${id} » : identifiant de calcul attendu (TR-2026-000123)`);
  const found = await findByPublicId(db, id);
  if (!found) throw new CalculationNotFoundError(id);
  return found;
}
