import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTranche } from "../helpers/cli.ts";
import { createTestDatabase } from "../helpers/database.ts";

let test: Awaited<ReturnType<typeof createTestDatabase>>;
const ids: Record<string, number> = {};

beforeAll(async () => {
  test = await createTestDatabase();
  const row = async (name: string, status: string, content: boolean) => {
    const created = await test.db.outboxMessage.create({
      data: {
        messageId: `<${name}@example.test>`,
        kind: "result",
        envelopeFrom: "no-reply@example.test",
        recipients: "jeanne.martin@editeur.fr",
        status,
        attempts: 1,
        lastResponse: status === "dead" ? "550 5.1.1 mailbox unavailable" : null,
        ...(content ? { content: { create: { raw: Buffer.from("Subject: x\r\n\r\nx\r\n") } } } : {}),
      },
    });
    ids[name] = created.id;
  };
  await row("refused", "dead", true);
  await row("purged", "dead", false);
  await row("sent", "sent", true);
});
afterAll(() => test.close());

describe("tranche outbox retry", () => {
  it("puts dead letters back in the queue once the cause is fixed, keeping their last answer; exits 1 if one named was not", async () => {
    const run = runTranche(["outbox", "retry", `#${ids.refused}`, String(ids.purged), String(ids.sent)], {
      DATABASE_URL: test.url,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`1 envoi(s) remis en file : #${ids.refused}`);
    expect(run.stdout).toContain(`rien à renvoyer : #${ids.purged}`);
    expect(run.stdout).toContain(`inconnus) : #${ids.sent}`);
    const refused = await test.db.outboxMessage.findUniqueOrThrow({ where: { id: ids.refused } });
    expect(refused).toMatchObject({
      status: "pending",
      leasedBy: null,
      lastResponse: "550 5.1.1 mailbox unavailable",
    });
    expect(refused.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await test.db.outboxMessage.findUniqueOrThrow({ where: { id: ids.purged } })).status).toBe(
      "dead",
    );
  });

  it("asks for the ids or --all, never both nor neither", () => {
    for (const args of [
      ["outbox", "retry"],
      ["outbox", "retry", "--all", "3"],
    ]) {
      const run = runTranche(args, { DATABASE_URL: test.url });
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr).toContain("indiquez les numéros des envois");
    }
  });
});

describe("dead letters beyond what `tranche status` lists", () => {
  it("are counted by `status`, which names the command listing them all: `outbox list [--dead]`", async () => {
    const many = await createTestDatabase();
    try {
      for (let i = 1; i <= 23; i++) {
        await many.db.outboxMessage.create({
          data: {
            messageId: `<dead-${i}@example.test>`,
            kind: "result",
            envelopeFrom: "no-reply@example.test",
            recipients: `refused-${i}@editeur.fr`,
            status: "dead",
            attempts: 1,
            lastResponse: "550 5.1.1 User unknown",
          },
        });
      }
      await many.db.outboxMessage.create({
        data: {
          messageId: "<retried@example.test>",
          kind: "ticket-ack",
          envelopeFrom: "no-reply@example.test",
          recipients: "later@editeur.fr",
          status: "pending",
          attempts: 2,
          lastResponse: "421 4.3.2 try again later",
        },
      });
      const status = runTranche(["status"], { DATABASE_URL: many.url });
      expect(status.stdout).toContain("File d'envoi : 1 en attente, 0 envoyés, 23 refusés");
      expect(status.stdout.match(/^ {2}#\d+ /gm)).toHaveLength(20);
      expect(status.stdout).toContain("  … et 4 autre(s) : tranche outbox list");

      const all = runTranche(["outbox", "list"], { DATABASE_URL: many.url });
      expect(all.stdout.match(/^#\d+ /gm)).toHaveLength(24);
      expect(all.stdout).toMatch(
        /^#\d+ ticket-ack → later@editeur\.fr : nouvel essai au prochain passage du démon \(2 essai\(s\)\) : 421 4\.3\.2/m,
      );
      expect(all.stdout).toContain("tranche outbox retry <#id…> | --all");
      const dead = runTranche(["outbox", "list", "--dead"], { DATABASE_URL: many.url });
      expect(
        dead.stdout.match(
          /^#\d+ result → refused-\d+@editeur\.fr : refusé \(lettre morte\) après 1 essai\(s\) : 550 5\.1\.1 User unknown$/gm,
        ),
      ).toHaveLength(23);
      expect(dead.stdout).not.toContain("later@editeur.fr");
    } finally {
      await many.close();
    }
  });
});
