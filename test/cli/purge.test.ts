import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTranche } from "../helpers/cli.ts";
import { insertInbound, rawEmail } from "../helpers/contact.ts";
import { createTestDatabase } from "../helpers/database.ts";

let test: Awaited<ReturnType<typeof createTestDatabase>>;
let old: number;
const day = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  test = await createTestDatabase();
  const raw = rawEmail("marie@editeur.fr", "Calcul", "<old@editeur.fr>", "FINESS radiologie : 920000650");
  old = await insertInbound(test.db, {
    messageId: "<old@editeur.fr>",
    from: "marie@editeur.fr",
    subject: "Calcul",
    raw,
    receivedAt: new Date(Date.now() - 40 * day),
  });
});
afterAll(() => test.close());

/** `tranche …` against this file's database, as support member "claire". */
function tranche(args: string[], env: Record<string, string> = {}) {
  return runTranche(args, { DATABASE_URL: test.url, TRANCHE_OPERATOR: "claire", ...env });
}

describe("tranche purge (operators)", { timeout: 120_000 }, () => {
  it("counts first with --dry-run, then erases raw content past the configured retention", async () => {
    const env = { TRANCHE_RETENTION_DAYS: "30" };
    const dry = tranche(["purge", "--dry-run"], env);
    expect(dry.stdout).toContain("(conservation : 30 jours)");
    expect(dry.stdout).toContain("reçus : contenu brut serait effacé pour 1 message(s)");
    expect((await test.db.inboundMessage.findUniqueOrThrow({ where: { id: old } })).raw).not.toBeNull();

    const done = tranche(["purge"], env);
    expect(done.stdout).toContain("reçus : contenu brut effacé pour 1 message(s)");
    expect(done.stdout).not.toContain("920000650");
    expect((await test.db.inboundMessage.findUniqueOrThrow({ where: { id: old } })).raw).toBeNull();
  });
});
