import {
  existsSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../src/db/client.ts";
import { MaildirSource } from "../../src/mailbox/maildir.ts";
import { purgeRawContent } from "../../src/retention/purge.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { waitFor } from "../servers/ports.ts";

const now = new Date("2026-11-20T10:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 24 * 60 * 60 * 1000);

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let dir: string;
let root: string;
beforeEach(async () => {
  database = await createTestDatabase();
  db = database.db;
  dir = mkdtempSync(join(tmpdir(), "tranche-retention-"));
  root = join(dir, "mail");
});
afterEach(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw email at `root/relative`, last modified `age` days before `now`. */
function mail(relative: string, age: number): string {
  const path = join(root, relative);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, "From: marie@editeur.fr\r\nSubject: Calcul\r\n\r\nFINESS radiologie : 920000650\r\n");
  utimesSync(path, daysAgo(age), daysAgo(age));
  return path;
}

/** Every file left under the mail root, relative, sorted. */
function remaining(): string[] {
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((name) => !statSync(join(root, name)).isDirectory())
    .sort();
}

const purge = (dryRun = false) => purgeRawContent(db, { retentionDays: 90, now, dryRun, mailRoot: root });

describe("the retention purge of local mail files", () => {
  it("deletes processed mail and sent copies older than the retention, never unprocessed mail", async () => {
    for (const mailbox of ["contact", "submissions"]) {
      mail(`${mailbox}/cur/1.M1.host:2,S`, 91);
      mail(`${mailbox}/cur/2.M2.host:2,S`, 89);
      mail(`${mailbox}/.Quarantine/cur/3.M3.host:2,S`, 91);
      mail(`${mailbox}/.Failed/cur/4.M4.host:2,S`, 91);
      // Not processed yet, however old: kept.
      mail(`${mailbox}/new/5.M5.host`, 400);
      mail(`${mailbox}/tmp/6.M6.host`, 400);
      mail(`${mailbox}/.Quarantine/new/7.M7.host`, 400);
    }
    mail("sent/2026-08-01T10-00-00-000Z-1.eml", 111);
    mail("sent/2026-11-19T10-00-00-000Z-2.eml", 1);
    // Not sent copies: a write in progress, a file of someone else's, a nested folder.
    mail("sent/.2026-08-01T10-00-00-000Z-3.eml.tmp", 111);
    mail("sent/notes.txt", 111);
    mail("sent/archive/2026-01-01T10-00-00-000Z-4.eml", 300);
    mail("contact/cur/.hidden", 300);
    mail("journal.eml", 300);

    const dry = await purge(true);
    expect(dry).toMatchObject({ dryRun: true, receivedFiles: 6, sentFiles: 1, skippedFolders: [] });
    expect(remaining()).toHaveLength(21);

    expect(await purge()).toMatchObject({
      dryRun: false,
      receivedFiles: 6,
      sentFiles: 1,
      skippedFolders: [],
    });
    expect(remaining()).toEqual([
      "contact/.Quarantine/new/7.M7.host",
      "contact/cur/.hidden",
      "contact/cur/2.M2.host:2,S",
      "contact/new/5.M5.host",
      "contact/tmp/6.M6.host",
      "journal.eml",
      "sent/.2026-08-01T10-00-00-000Z-3.eml.tmp",
      "sent/2026-11-19T10-00-00-000Z-2.eml",
      "sent/archive/2026-01-01T10-00-00-000Z-4.eml",
      "sent/notes.txt",
      "submissions/.Quarantine/new/7.M7.host",
      "submissions/cur/2.M2.host:2,S",
      "submissions/new/5.M5.host",
      "submissions/tmp/6.M6.host",
    ]);

    // Nothing left past the retention: a second run deletes nothing.
    expect(await purge()).toMatchObject({ receivedFiles: 0, sentFiles: 0 });
  });

  it("never follows a symlink: a linked folder is skipped and reported, a linked file is not deleted", async () => {
    const outside = join(dir, "elsewhere");
    mkdirSync(outside);
    const target = join(outside, "1.M1.host:2,S");
    writeFileSync(target, "not the service's");
    utimesSync(target, daysAgo(300), daysAgo(300));
    mkdirSync(join(root, "contact"), { recursive: true });
    symlinkSync(outside, join(root, "contact", "cur"));
    // A folder linked inside the mail root is skipped too: sent/ leading to unprocessed mail.
    const unprocessed = mail("submissions/new/2.M2.host.eml", 300);
    symlinkSync(join(root, "submissions", "new"), join(root, "sent"));
    mkdirSync(join(root, "submissions", "cur"), { recursive: true });
    const link = join(root, "submissions", "cur", "3.M3.host:2,S");
    symlinkSync(target, link);
    lutimesSync(link, daysAgo(300), daysAgo(300));

    expect(await purge()).toMatchObject({
      receivedFiles: 0,
      sentFiles: 0,
      skippedFolders: ["contact/cur", "sent"],
    });
    expect(existsSync(target)).toBe(true);
    expect(existsSync(unprocessed)).toBe(true);
    expect(readdirSync(join(root, "submissions", "cur"))).toEqual(["3.M3.host:2,S"]);
  });

  it("purges through a mail root that is itself a symlink, and creates nothing when there is none", async () => {
    expect(await purge()).toMatchObject({ receivedFiles: 0, sentFiles: 0, skippedFolders: [] });
    expect(existsSync(root)).toBe(false);

    const real = join(dir, "real-mail");
    mkdirSync(real);
    symlinkSync(real, root);
    mail("submissions/cur/1.M1.host:2,S", 91);
    mail("sent/2026-08-01T10-00-00-000Z-1.eml", 91);
    expect(await purge()).toMatchObject({ receivedFiles: 1, sentFiles: 1, skippedFolders: [] });
    expect(readdirSync(join(real, "submissions", "cur"))).toEqual([]);
  });

  it("dates handled Maildir mail from when it was handled, not when it was delivered", async () => {
    const box = join(root, "submissions");
    const source = new MaildirSource("submissions", box, { pollMs: 50, settleMs: 0 });
    const delivered = new Date(Date.now() - 200 * 24 * 60 * 60 * 1000);
    writeFileSync(join(box, "new", "1.M1.host"), "From: marie@editeur.fr\r\n\r\nFINESS : 920000650\r\n");
    utimesSync(join(box, "new", "1.M1.host"), delivered, delivered);
    const before = Date.now();
    source.start(
      async () => "processed",
      () => {},
    );
    try {
      await waitFor("the message handled", () => readdirSync(join(box, "cur")).length === 1);
    } finally {
      await source.stop();
    }
    const handled = join(box, "cur", readdirSync(join(box, "cur"))[0]!);
    expect(statSync(handled).mtimeMs).toBeGreaterThanOrEqual(before - 1000);

    // 200 days after delivery but just handled: kept for the whole retention.
    expect(await purgeRawContent(db, { retentionDays: 90, now: new Date(), mailRoot: root })).toMatchObject({
      receivedFiles: 0,
    });
    expect(existsSync(handled)).toBe(true);
  });
});
