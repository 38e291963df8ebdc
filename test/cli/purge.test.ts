import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTranche } from "../helpers/cli.ts";
import { insertInbound, rawEmail } from "../helpers/contact.ts";
import { createTestDatabase } from "../helpers/database.ts";

let test: Awaited<ReturnType<typeof createTestDatabase>>;
let old: number;
let mailRoot: string;
let handled: string;
let sent: string;
let unprocessed: string;
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
  // The embedded defaults' copies on disk: a handled message, a sent email, and mail not yet read.
  mailRoot = mkdtempSync(join(tmpdir(), "tranche-purge-cli-"));
  handled = join(mailRoot, "submissions", "cur", "1.M1.host:2,S");
  sent = join(mailRoot, "sent", "2026-01-01T10-00-00-000Z-1.eml");
  unprocessed = join(mailRoot, "submissions", "new", "2.M2.host");
  for (const path of [handled, sent, unprocessed]) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, raw);
    utimesSync(path, new Date(Date.now() - 40 * day), new Date(Date.now() - 40 * day));
  }
});
afterAll(async () => {
  await test.close();
  rmSync(mailRoot, { recursive: true, force: true });
});

/** `tranche …` against this file's database, as support member "claire". */
function tranche(args: string[], env: Record<string, string> = {}) {
  return runTranche(args, { DATABASE_URL: test.url, TRANCHE_OPERATOR: "claire", ...env });
}

describe("tranche purge (operators)", { timeout: 120_000 }, () => {
  it("counts first with --dry-run, then erases raw content and mail files past the configured retention", async () => {
    const env = { TRANCHE_RETENTION_DAYS: "30", TRANCHE_MAIL_ROOT: mailRoot };
    const dry = tranche(["purge", "--dry-run"], env);
    expect(dry.stdout).toContain("(conservation : 30 jours)");
    expect(dry.stdout).toContain("reçus : contenu brut serait effacé pour 1 message(s)");
    expect(dry.stdout).toContain(
      `fichiers sous ${mailRoot} qui seraient supprimés : 1 message(s) reçu(s) traité(s), 1 copie(s) envoyée(s)`,
    );
    expect((await test.db.inboundMessage.findUniqueOrThrow({ where: { id: old } })).raw).not.toBeNull();
    expect(existsSync(handled)).toBe(true);

    const done = tranche(["purge"], env);
    expect(done.stdout).toContain("reçus : contenu brut effacé pour 1 message(s)");
    expect(done.stdout).toContain(
      `fichiers sous ${mailRoot} supprimés : 1 message(s) reçu(s) traité(s), 1 copie(s) envoyée(s)`,
    );
    expect(done.stdout).not.toContain("920000650");
    expect((await test.db.inboundMessage.findUniqueOrThrow({ where: { id: old } })).raw).toBeNull();
    expect(existsSync(handled)).toBe(false);
    expect(existsSync(sent)).toBe(false);
    expect(existsSync(unprocessed)).toBe(true);
  });
});
