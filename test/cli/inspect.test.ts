import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantAccess, listAuthorised } from "../../src/access/store.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { MAIL_FIXTURES } from "../helpers/intake.ts";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");

let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  database = await createTestDatabase();
  await grantAccess(database.db, "jean.dupont@editeur-radiologie.fr", {
    decidedBy: "operator:test",
    now: new Date(),
  });
  await grantAccess(database.db, "claire.martin@editeur-radiologie.fr", {
    decidedBy: "operator:test",
    now: new Date(),
  });
});
afterAll(() => database.close());

async function inspect(...args: string[]) {
  const { TRANCHE_CONFIG: _ignored, ...env } = process.env;
  return run(process.execPath, ["bin/tranche.js", "inspect", ...args], {
    cwd: ROOT,
    env: { ...env, DATABASE_URL: database.url },
  });
}

describe("tranche inspect", () => {
  it("prints exactly one JSON object for a calculation request answered with a result", async () => {
    const { stdout } = await inspect(join(MAIL_FIXTURES, "calc-outlook-html-only-table.eml"), "--json");
    expect(stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(stdout)).toEqual({
      messageId: "<calc-outlook-html-only-table.7@editeur-radiologie.fr>",
      from: "claire.martin@editeur-radiologie.fr",
      authenticated: true,
      kind: "calculation",
      automatedReason: null,
      calculation: {
        recipient: null,
        reference: "Polyclinique Saint-Jean",
        activity: "mixte",
        activityInferred: false,
        finessRadio: ["130856255", "690515291"],
        amRadio: [],
        finessMn: ["130856255"],
        amMn: [],
      },
      access: null,
      support: null,
      decision: "reply-result",
    });
  });

  it("decides from the database: an unknown sender is told how to ask for access", async () => {
    const { stdout } = await inspect(join(MAIL_FIXTURES, "calc-unauthorised-sender.eml"), "--json");
    expect(JSON.parse(stdout)).toMatchObject({ kind: "calculation", decision: "reply-unauthorised" });
  });

  it("reads an access request from the contact mailbox without applying it", async () => {
    const { stdout } = await inspect(
      join(MAIL_FIXTURES, "access-change-remplacer.eml"),
      "--mailbox",
      "contact",
      "--json",
    );
    expect(JSON.parse(stdout)).toMatchObject({
      kind: "access",
      access: {
        action: "change",
        email: "jean.dupont@editeur-radiologie.fr",
        newEmail: "j.dupont@editeur-radiologie.fr",
      },
      decision: "access-changed",
    });
    const emails = (await listAuthorised(database.db)).map((row) => row.email);
    expect(emails).toEqual(["claire.martin@editeur-radiologie.fr", "jean.dupont@editeur-radiologie.fr"]);
  });

  it("names the automated reason of an out-of-office", async () => {
    const { stdout } = await inspect(
      join(MAIL_FIXTURES, "ooo-exchange-french.eml"),
      "--mailbox",
      "contact",
      "--json",
    );
    expect(JSON.parse(stdout)).toMatchObject({
      kind: "automated",
      automatedReason: "out-of-office",
      decision: "ignore-automated",
    });
  });

  it("prints a French summary without --json", async () => {
    const { stdout } = await inspect(join(MAIL_FIXTURES, "spoofed-dmarc-fail.eml"));
    expect(stdout).toContain("Authentifié : non");
    expect(stdout).toContain("Décision : mis de côté sans réponse : expéditeur non authentifié");
  });

  it("refuses an unknown mailbox with a usage error", async () => {
    const failure = await inspect(join(MAIL_FIXTURES, "other-thanks.eml"), "--mailbox", "spam").catch(
      (e) => e,
    );
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain("contact ou submissions");
  });
});
