import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAccessPolicy } from "../../src/access/policy.ts";
import { grantAccess } from "../../src/access/store.ts";
import { loadConfig } from "../../src/config/load.ts";
import { type ClaimResult, claimAndProcess, claimAndProcessAll } from "../../src/daemon/claim.ts";
import type { InboundMessageRef, MessageHandler } from "../../src/daemon/handler.ts";
import { createPipeline } from "../../src/daemon/pipeline.ts";
import { type Db, openDatabase } from "../../src/db/client.ts";
import type { Mailbox } from "../../src/intake/types.ts";
import { createRenderer } from "../../src/render/renderer.ts";
import { importSmallDataset } from "../helpers/datasets.ts";
import { buildMail, calculationBody } from "../helpers/mail.ts";
import { type PostgresServer, startPostgres } from "../servers/postgres.ts";

// A request sent to calcul@ with contact@ in copy is read once per mailbox; on PostgreSQL the two
// mailboxes (or two daemons) handle the two copies in concurrent transactions.

const ORG = "editeur-ris.fr";
const PAUL = `paul.durand@${ORG}`;
const config = loadConfig({ TRANCHE_CONFIG: "" }, "/nonexistent");

let postgres: PostgresServer;
let db: Db;
let dir: string;
let pipeline: MessageHandler;

beforeAll(async () => {
  postgres = await startPostgres();
  db = await openDatabase(postgres.url);
  dir = mkdtempSync(join(tmpdir(), "tranche-copies-"));
  await importSmallDataset(db, dir, "SAE 2023", {
    finess: [
      ["920000650", "Hôpital Foch", 52_000, 1_800],
      ["750712184", "Clinique des Pins", 12_000, 0],
    ],
    am: [["751234567", "radiologie", 6_100]],
  });
  await grantAccess(db, PAUL, { decidedBy: "operator:test", now: new Date() });
  pipeline = createPipeline({
    config,
    logger: pino({ level: "silent" }),
    renderer: await createRenderer(),
    policy: loadAccessPolicy(config, process.cwd()),
    rateLimits: { senderPerHour: 100, organisationPerHour: 100 },
  });
}, 60_000);
afterAll(async () => {
  await db?.$disconnect();
  await postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let uid = 0;
/** The same bytes, delivered to both mailboxes. */
function copies(raw: Buffer): Record<Mailbox, InboundMessageRef> {
  uid++;
  const copy = (mailbox: Mailbox) => ({ mailbox, uidValidity: "1", uid: String(uid), raw });
  return { submissions: copy("submissions"), contact: copy("contact") };
}

const requestMail = (messageId: string, finessRadio = "750712184") =>
  buildMail({
    from: PAUL,
    subject: "Demande de calcul",
    messageId,
    headers: { Cc: "contact@example.test" },
    body: calculationBody({ reference: "Clinique des Pins", activity: "Radiologie", finessRadio }),
  });

const REPLIES = {
  result: { decision: "reply-result", mail: requestMail },
  help: {
    decision: "reply-help",
    mail: (messageId: string) =>
      buildMail({
        from: PAUL,
        subject: "Demande",
        messageId,
        headers: { Cc: "contact@example.test" },
        body: "Référence : CH Lens\nType d'activité : Radiologie\nFINESS radiologie :\n",
      }),
  },
  unauthorised: {
    decision: "reply-unauthorised",
    mail: (messageId: string) =>
      buildMail({
        from: `inconnu@${ORG}`,
        subject: "Calcul",
        messageId,
        headers: { Cc: "contact@example.test" },
        body: calculationBody({ reference: "CH Lens", finessRadio: "920000650" }),
      }),
  },
} as const;

function gate(): { open: () => void; opened: Promise<void> } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/**
 * The pipeline, whose transaction then stays open, its reply written but not committed, until
 * `release`; `answered` once the reply is written.
 */
function holding(then: "commit" | "fail" = "commit") {
  const answered = gate();
  const release = gate();
  const handler: MessageHandler = async (message, tx) => {
    const outcome = await pipeline(message, tx);
    answered.open();
    await release.opened;
    if (then === "fail") throw new Error("the attempt fails after its reply was written");
    return outcome;
  };
  return { handler, answered: answered.opened, release: release.open };
}

/** Until `work` has settled or one of the server's sessions waits for a lock another one holds. */
async function settledOrBlocked(work: Promise<unknown>): Promise<void> {
  let settled = false;
  work.then(
    () => (settled = true),
    () => (settled = true),
  );
  const blocked = async () => {
    const [row] = await db.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`,
    );
    return row!.n > 0;
  };
  while (!settled && !(await blocked())) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * The copy in calcul@ answered, its transaction not yet committed (then committed, or failing),
 * when contact@ reads its own copy: the two claims' results.
 */
async function race(copy: Record<Mailbox, InboundMessageRef>, then: "commit" | "fail" = "commit") {
  const calcul = holding(then);
  const first = claimAndProcess(db, calcul.handler, copy.submissions, { maxAttempts: 3 });
  await calcul.answered;
  const second = claimAndProcess(db, pipeline, copy.contact, { maxAttempts: 3 });
  await settledOrBlocked(second);
  calcul.release();
  return Promise.all([first, second]);
}

async function decisionOf(result: ClaimResult): Promise<string | null> {
  const row = await db.inboundMessage.findUniqueOrThrow({ where: { id: result.inboundId! } });
  return row.decision;
}

const repliesTo = (...results: ClaimResult[]) =>
  db.outboxMessage.count({ where: { inboundMessageId: { in: results.map((r) => r.inboundId!) } } });

describe("copies of a message read in both mailboxes at once, on PostgreSQL", () => {
  it.each(Object.entries(REPLIES))("answers the %s reply once", async (_, { decision, mail }) => {
    const [a, b] = await race(copies(mail(`<copie-${decision}@${ORG}>`)));
    expect([a.committed, b.committed]).toEqual([true, true]);
    expect([await decisionOf(a), await decisionOf(b)]).toEqual([decision, "duplicate-copy"]);
    expect(await repliesTo(a, b)).toBe(1);
  });

  it("answers the other copy when the first one's attempt fails after answering", async () => {
    const copy = copies(requestMail(`<copie-echec@${ORG}>`));
    const [a, b] = await race(copy, "fail");
    expect([a.committed, a.disposition]).toEqual([false, "retry"]);
    expect(await decisionOf(b)).toBe("reply-result");
    // calcul@'s next scan files its copy without a reply.
    expect(await decisionOf(await claimAndProcess(db, pipeline, copy.submissions, { maxAttempts: 3 }))).toBe(
      "duplicate-copy",
    );
    expect(await repliesTo(a, b)).toBe(1);
  });

  it("answers two requests once each when the mailboxes' transactions reach their copies in crossing order", async () => {
    const x = copies(requestMail(`<croise-x@${ORG}>`, "750712184"));
    const y = copies(requestMail(`<croise-y@${ORG}>`, "920000650"));
    // calcul@ takes Y then X in one transaction, contact@ X then Y in another: calcul@ has answered
    // Y when contact@ answers X, then each comes to the copy of the message the other answered.
    const [calculAtX, xAnswered] = [gate(), gate()];
    const calculHandler: MessageHandler = async (message, tx) => {
      if (message.uid === x.submissions.uid) {
        calculAtX.open();
        await xAnswered.opened;
      }
      return pipeline(message, tx);
    };
    const contactHandler: MessageHandler = async (message, tx) => {
      const outcome = await pipeline(message, tx);
      if (message.uid === x.contact.uid) xAnswered.open();
      return outcome;
    };
    // One attempt allowed: a message whose attempt counted as failed would be parked at once.
    const options = { maxAttempts: 1 };
    const refs = [y.submissions, x.submissions, x.contact, y.contact];
    const calcul = claimAndProcessAll(db, calculHandler, refs.slice(0, 2), options);
    await calculAtX.opened;
    const contact = claimAndProcessAll(db, contactHandler, refs.slice(2), options);
    const results = [...(await calcul), ...(await contact)];
    // Each waits for the other: PostgreSQL ends the deadlock by failing one of the two waits. That
    // message is left for the next scan, which files it as a copy.
    expect(results.map((r) => r.disposition).sort()).toEqual([
      "processed",
      "processed",
      "processed",
      "retry",
    ]);
    const left = results.findIndex((r) => r.disposition === "retry");
    const [rescanned] = await claimAndProcessAll(db, pipeline, [refs[left]!], options);
    results[left] = rescanned!;
    expect((await Promise.all(results.map(decisionOf))).sort()).toEqual([
      "duplicate-copy",
      "duplicate-copy",
      "reply-result",
      "reply-result",
    ]);
    expect(await repliesTo(...results)).toBe(2);
  });
});
