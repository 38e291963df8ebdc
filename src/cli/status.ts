import type { Command } from "commander";
import { isDaemonRunning } from "../daemon/lock.ts";
import { outboxCounts } from "../outbox/worker.ts";
import { withDatabase } from "./context.ts";

export const when = (date: Date | null | undefined) =>
  date ? date.toISOString().replace("T", " ").slice(0, 19) : "—";

/** Emails refused (dead letters) or being retried: what `status` lists, the newest first. */
export const STUCK = { OR: [{ status: "dead" }, { status: "pending", attempts: { gt: 0 } }] };
export const STUCK_COLUMNS = {
  id: true,
  kind: true,
  status: true,
  attempts: true,
  recipients: true,
  lastResponse: true,
  nextAttemptAt: true,
} as const;
/** Stuck emails `status` lists; `tranche outbox list` shows them all. */
const LISTED = 20;

export function describeStuckEmail(m: {
  id: number;
  kind: string;
  status: string;
  attempts: number;
  recipients: string;
  lastResponse: string | null;
  nextAttemptAt: Date | null;
}): string {
  return `#${m.id} ${m.status} ${m.kind} → ${m.recipients} (${m.attempts} essai(s)${m.status === "pending" ? `, prochain ${when(m.nextAttemptAt)}` : ""}) : ${m.lastResponse ?? ""}`;
}

export function registerStatusCommand(program: Command): void {
  program
    .command("status")
    .description("état du démon : boîtes, connexions, messages en attente ou en échec, file d'envoi")
    .action(() =>
      withDatabase(async (db) => {
        const out: string[] = [];
        // On SQLite the daemon's lock says whether one runs (PostgreSQL: ask each daemon's /healthz).
        const running = isDaemonRunning(db);
        if (running === true) out.push("Démon : en marche sur cette base");
        if (running === false)
          out.push("Démon : arrêté (les états ci-dessous sont ceux de son dernier passage)");
        const mailboxes = await db.mailboxState.findMany({ orderBy: { mailbox: "asc" } });
        out.push("Boîtes :");
        if (mailboxes.length === 0) out.push("  (aucune : le démon n'a jamais tourné)");
        for (const m of mailboxes) {
          out.push(
            `  ${m.mailbox.padEnd(12)} ${m.source.padEnd(8)} ${m.state.padEnd(10)} UIDVALIDITY ${m.uidValidity ?? "—"}, dernier UID ${m.lastUid}, mis à jour ${when(m.updatedAt)}`,
          );
          if (m.lastError) out.push(`    dernière erreur (${when(m.lastErrorAt)}) : ${m.lastError}`);
        }
        const groups = await db.inboundMessage.groupBy({ by: ["status"], _count: { _all: true } });
        out.push("Messages reçus :");
        for (const g of groups) out.push(`  ${g.status.padEnd(12)} ${g._count._all}`);
        const backlog = await db.inboundMessage.findMany({
          where: { status: { in: ["claimed", "failed"] } },
          orderBy: { id: "desc" },
          take: 20,
          select: { id: true, mailbox: true, status: true, attempts: true, subject: true, lastError: true },
        });
        if (backlog.length) out.push("En échec ou à réessayer (20 derniers) :");
        for (const m of backlog) {
          out.push(
            `  #${m.id} ${m.mailbox} ${m.status} (${m.attempts} essai(s)) « ${m.subject ?? ""} » : ${m.lastError ?? ""}`,
          );
        }
        const outbox = await outboxCounts(db);
        out.push(
          `File d'envoi : ${outbox.pending} en attente, ${outbox.sent} envoyés, ${outbox.dead} refusés`,
        );
        const stuck = await db.outboxMessage.findMany({
          where: STUCK,
          orderBy: { id: "desc" },
          take: LISTED,
          select: STUCK_COLUMNS,
        });
        for (const m of stuck) out.push(`  ${describeStuckEmail(m)}`);
        if (stuck.length === LISTED) {
          const more = (await db.outboxMessage.count({ where: STUCK })) - LISTED;
          if (more > 0) out.push(`  … et ${more} autre(s) : tranche outbox list`);
        }
        process.stdout.write(`${out.join("\n")}\n`);
      }),
    );
}
