import type { Command } from "commander";
import { isDaemonRunning } from "../daemon/lock.ts";
import { outboxCounts } from "../outbox/worker.ts";
import { withDatabase } from "./context.ts";

export const when = (date: Date | null | undefined) =>
  date ? date.toISOString().replace("T", " ").slice(0, 19) : "—";

/** A time as `status` writes it (UTC, as `when`): HH:MM today, with the date otherwise. */
function clock(date: Date, now: Date): string {
  const iso = date.toISOString();
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? iso.slice(11, 16) : when(date).slice(0, 16);
}

/** Being sent now: leased to a worker whose lease runs (`nextAttemptAt` is its end while leased). */
const inFlight = (now: Date) => ({ status: "pending", leasedBy: { not: null }, nextAttemptAt: { gt: now } });

/**
 * Emails to watch, the newest first: refused (dead letters), refused before and not sent yet, or
 * left leased by a worker that died. A first attempt in flight is none of these: counted, not
 * listed (twenty sends under way would hide the dead letters).
 */
export const stuck = (now: Date) => ({
  OR: [
    { status: "dead" },
    { status: "pending", attempts: { gt: 0 }, NOT: { ...inFlight(now), lastResponse: null } },
  ],
});
export const STUCK_COLUMNS = {
  id: true,
  kind: true,
  status: true,
  attempts: true,
  recipients: true,
  lastResponse: true,
  nextAttemptAt: true,
  leasedBy: true,
} as const;
/** Stuck emails `status` lists; `tranche outbox list` shows them all. */
const LISTED = 20;

/** What became of an email, in words: refused, being sent, waiting for its next attempt, interrupted. */
export function describeStuckEmail(
  m: {
    id: number;
    kind: string;
    status: string;
    attempts: number;
    recipients: string;
    lastResponse: string | null;
    nextAttemptAt: Date;
    leasedBy: string | null;
  },
  now: Date,
): string {
  const head = `#${m.id} ${m.kind} → ${m.recipients} : `;
  const answer = m.lastResponse ?? "";
  if (m.status === "dead") return `${head}refusé (lettre morte) après ${m.attempts} essai(s) : ${answer}`;
  if (m.leasedBy && m.nextAttemptAt > now)
    return `${head}en cours d'envoi (essai ${m.attempts}, réservé jusqu'à ${clock(m.nextAttemptAt, now)})${m.lastResponse ? ` ; essai précédent : ${answer}` : ""}`;
  if (m.leasedBy)
    return `${head}envoi interrompu (essai ${m.attempts}, réservation expirée à ${clock(m.nextAttemptAt, now)}) : renvoyé au prochain passage du démon${m.lastResponse ? ` ; essai précédent : ${answer}` : ""}`;
  if (m.nextAttemptAt > now)
    return `${head}en attente de nouvel essai à ${clock(m.nextAttemptAt, now)} (${m.attempts} essai(s)) : ${answer}`;
  return `${head}nouvel essai au prochain passage du démon (${m.attempts} essai(s)) : ${answer}`;
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
        const now = new Date();
        const outbox = await outboxCounts(db);
        const sending = await db.outboxMessage.count({ where: inFlight(now) });
        out.push(
          `File d'envoi : ${outbox.pending} en attente${sending ? ` (dont ${sending} en cours d'envoi)` : ""}, ${outbox.sent} envoyés, ${outbox.dead} refusés`,
        );
        const watched = await db.outboxMessage.findMany({
          where: stuck(now),
          orderBy: { id: "desc" },
          take: LISTED,
          select: STUCK_COLUMNS,
        });
        for (const m of watched) out.push(`  ${describeStuckEmail(m, now)}`);
        if (watched.length === LISTED) {
          const more = (await db.outboxMessage.count({ where: stuck(now) })) - LISTED;
          if (more > 0) out.push(`  … et ${more} autre(s) : tranche outbox list`);
        }
        process.stdout.write(`${out.join("\n")}\n`);
      }),
    );
}
