import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTranche } from "../helpers/cli.ts";
import { createTestDatabase } from "../helpers/database.ts";

let test: Awaited<ReturnType<typeof createTestDatabase>>;
const MINUTE = 60_000;
/** As `tranche status` writes a time (UTC, as its other times): HH:MM today, with the date otherwise. */
const clock = (date: Date) =>
  date.toISOString().slice(0, 10) === new Date().toISOString().slice(0, 10)
    ? date.toISOString().slice(11, 16)
    : date.toISOString().slice(0, 16).replace("T", " ");
const at = {
  leaseEnd: new Date(Date.now() + 2 * MINUTE),
  retry: new Date(Date.now() + 20 * MINUTE),
  expired: new Date(Date.now() - 5 * MINUTE),
};

beforeAll(async () => {
  test = await createTestDatabase();
  const row = (name: string, to: string, fields: Record<string, unknown>) =>
    test.db.outboxMessage.create({
      data: {
        messageId: `<${name}@example.test>`,
        kind: "result",
        envelopeFrom: "no-reply@example.test",
        recipients: to,
        status: "pending",
        ...fields,
        content: { create: { raw: Buffer.from("Subject: Calcul de la tranche\r\n\r\nBonjour,\r\n") } },
      },
    });
  // A first attempt being sent now: leased by the daemon's worker, no answer yet.
  await row("in-flight", "jeanne.martin@editeur.fr", {
    attempts: 1,
    leasedBy: "worker-a",
    nextAttemptAt: at.leaseEnd,
  });
  // A retry being sent now, after a 421.
  await row("retry-in-flight", "paul.durand@editeur.fr", {
    attempts: 3,
    leasedBy: "worker-a",
    nextAttemptAt: at.leaseEnd,
    lastResponse: "421 4.3.2 Service non disponible, réessayez plus tard",
  });
  // Waiting out its backoff after a temporary failure.
  await row("retrying", "claire.bernard@radiologie-sud.fr", {
    attempts: 2,
    nextAttemptAt: at.retry,
    lastResponse: "451 4.7.1 Greylisting in action, please come back later",
  });
  // Leased by a daemon that died while sending it.
  await row("interrupted", "marc.petit@imagerie-nord.fr", {
    attempts: 1,
    leasedBy: "worker-dead",
    nextAttemptAt: at.expired,
  });
  await row("refused", "parti@editeur.fr", {
    status: "dead",
    attempts: 1,
    lastResponse: "550 5.1.1 <parti@editeur.fr>: Recipient address rejected: User unknown",
  });
});
afterAll(() => test.close());

describe("tranche status, for the outbox", () => {
  it("says plainly which email is being sent, waiting for its next attempt, interrupted or refused", () => {
    const { stdout } = runTranche(["status"], { DATABASE_URL: test.url });
    expect(stdout).toContain("File d'envoi : 4 en attente (dont 2 en cours d'envoi), 0 envoyés, 1 refusés");
    const line = (to: string) => stdout.split("\n").find((l) => l.includes(`→ ${to}`));
    // A first attempt in flight is not stuck: counted above, not listed among the emails to watch.
    expect(line("jeanne.martin@editeur.fr")).toBeUndefined();
    expect(line("paul.durand@editeur.fr")).toBe(
      `  #2 result → paul.durand@editeur.fr : en cours d'envoi (essai 3, réservé jusqu'à ${clock(at.leaseEnd)}) ; essai précédent : 421 4.3.2 Service non disponible, réessayez plus tard`,
    );
    expect(line("claire.bernard@radiologie-sud.fr")).toBe(
      `  #3 result → claire.bernard@radiologie-sud.fr : en attente de nouvel essai à ${clock(at.retry)} (2 essai(s)) : 451 4.7.1 Greylisting in action, please come back later`,
    );
    expect(line("marc.petit@imagerie-nord.fr")).toBe(
      `  #4 result → marc.petit@imagerie-nord.fr : envoi interrompu (essai 1, réservation expirée à ${clock(at.expired)}) : renvoyé au prochain passage du démon`,
    );
    expect(line("parti@editeur.fr")).toBe(
      "  #5 result → parti@editeur.fr : refusé (lettre morte) après 1 essai(s) : 550 5.1.1 <parti@editeur.fr>: Recipient address rejected: User unknown",
    );
  });
});
