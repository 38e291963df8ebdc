import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { Daemon } from "../../src/daemon/daemon.ts";
import type { InboundMessageRef } from "../../src/daemon/handler.ts";
import { mailboxSources } from "../../src/daemon/runtime.ts";
import type { Db } from "../../src/db/client.ts";
import { MAX_HEADER_BYTES, rawBudget } from "../../src/intake/intake.ts";
import { MaildirSource } from "../../src/mailbox/maildir.ts";
import type { SourceStatus } from "../../src/mailbox/source.ts";
import { fileTransport } from "../../src/outbox/transport.ts";
import { OutboxWorker } from "../../src/outbox/worker.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { replyHandler, requestEmail } from "../helpers/reply-handler.ts";
import { waitFor } from "../servers/ports.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let root: string;
let daemon: Daemon | null = null;

beforeEach(async () => {
  database = await createTestDatabase();
  db = database.db;
  root = mkdtempSync(join(tmpdir(), "tranche-maildir-"));
});
afterEach(async () => {
  await daemon?.stop();
  daemon = null;
  await database.close();
  rmSync(root, { recursive: true, force: true });
});

function start(fail?: (subject: string) => boolean, maxAttempts = 3): Daemon {
  return startWith(
    replyHandler({ ...(fail ? { fail } : {}), quarantine: (s) => s.includes("suspect") }),
    maxAttempts,
  );
}

function startWith(handler: ReturnType<typeof replyHandler>, maxAttempts: number): Daemon {
  const logger = pino({ level: "silent" });
  daemon = new Daemon({
    db,
    handler,
    sources: [new MaildirSource("submissions", join(root, "submissions"), { pollMs: 100 })],
    outbox: new OutboxWorker(db, { transport: fileTransport(join(root, "sent")), logger, pollMs: 100 }),
    logger,
    maxAttempts,
    rescanCron: "",
  });
  return daemon;
}

/** Delivers like an MTA: write in tmp/, rename into new/. */
function deliver(name: string, content: string): void {
  const box = join(root, "submissions");
  mkdirSync(join(box, "tmp"), { recursive: true });
  mkdirSync(join(box, "new"), { recursive: true });
  writeFileSync(join(box, "tmp", name), content);
  renameSync(join(box, "tmp", name), join(box, "new", name));
}

const sent = () => readdirSync(join(root, "sent")).filter((f) => f.endsWith(".eml"));

describe("the Maildir source", () => {
  it("answers a message dropped in new/ and files it in cur/ as seen", async () => {
    await start().start();
    deliver("1700000000.M1P1.host", requestEmail("m1"));
    await waitFor("a reply written", () => sent().length === 1);
    await waitFor("the request filed", () => readdirSync(join(root, "submissions", "cur")).length === 1);
    const [filed] = readdirSync(join(root, "submissions", "cur"));
    expect(filed).toMatch(/^1700000000\.M1P1\.host#[0-9a-f]{12}:2,S$/);
    expect(readdirSync(join(root, "submissions", "new"))).toEqual([]);
    const reply = readFileSync(join(root, "sent", sent()[0]!), "utf8");
    expect(reply).toMatch(/^In-Reply-To: <req-m1@editeur\.example\.test>$/m);
    const row = await db.inboundMessage.findFirstOrThrow();
    expect([row.uidValidity, row.uid, row.status]).toEqual(["maildir", filed!.slice(0, -4), "processed"]);
  });

  it("reads a request copied straight into new/ only once it is completely written", async () => {
    await start().start();
    const box = join(root, "submissions");
    const content = requestEmail("slow-copy");
    const half = Math.floor(content.length / 2);
    // A `cp` into new/: the file appears empty, then grows.
    writeFileSync(join(box, "new", "copied.eml"), "");
    await new Promise((resolve) => setTimeout(resolve, 150));
    writeFileSync(join(box, "new", "copied.eml"), content.slice(0, half));
    await new Promise((resolve) => setTimeout(resolve, 150));
    writeFileSync(join(box, "new", "copied.eml"), content);
    await waitFor("a reply written", () => sent().length === 1);
    const row = await db.inboundMessage.findFirstOrThrow();
    expect(Buffer.from(row.raw!).toString()).toBe(content);
    expect(readFileSync(join(root, "sent", sent()[0]!), "utf8")).toMatch(/^In-Reply-To: <req-slow-copy@/m);
  });

  it("answers a request whose file is dated in the future (copied with its timestamps from a machine with a wrong clock)", async () => {
    await start().start();
    const box = join(root, "submissions");
    writeFileSync(join(box, "tmp", "from-the-future.eml"), requestEmail("future"));
    // `cp -p` / `rsync -t` / `tar x` keep the writer's mtime: here a day ahead of this machine.
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
    utimesSync(join(box, "tmp", "from-the-future.eml"), tomorrow, tomorrow);
    renameSync(join(box, "tmp", "from-the-future.eml"), join(box, "new", "from-the-future.eml"));
    await waitFor("a reply written", () => sent().length === 1, 3_000);
    expect(readFileSync(join(root, "sent", sent()[0]!), "utf8")).toMatch(/^In-Reply-To: <req-future@/m);
  });

  it("picks up what was already waiting at start, and answers each once after a restart", async () => {
    for (let i = 0; i < 20; i++) deliver(`1700000000.M${i}P1.host`, requestEmail(`w${i}`));
    await start().start();
    await waitFor("20 replies", () => sent().length === 20);
    await daemon!.stop();
    // A message put back in new/ (a crash before the move) is filed again, not answered again.
    const box = join(root, "submissions");
    const third = readdirSync(join(box, "cur")).find((name) => name.startsWith("1700000000.M3P1.host#"))!;
    renameSync(join(box, "cur", third), join(box, "new", "1700000000.M3P1.host"));
    await start().start();
    await waitFor("filed again", () => readdirSync(join(box, "new")).length === 0);
    await daemon!.stop();
    daemon = null;
    expect(sent()).toHaveLength(20);
  });

  it("answers a new request dropped under a name already used, and keeps both files", async () => {
    await start().start();
    deliver("demande.eml", requestEmail("first"));
    await waitFor("the first reply", () => sent().length === 1);
    await waitFor("the first filed", () => readdirSync(join(root, "submissions", "new")).length === 0);
    deliver("demande.eml", requestEmail("second"));
    await waitFor("the second reply", () => sent().length === 2);
    await waitFor("the second filed", () => readdirSync(join(root, "submissions", "cur")).length === 2);
    expect(await db.inboundMessage.count({ where: { status: "processed" } })).toBe(2);
  });

  it("reads a file larger than intake reads only up to its header, as the configuration sets it", async () => {
    const config = loadConfig(
      {
        TRANCHE_CONFIG: "",
        TRANCHE_MAIL_ROOT: root,
        TRANCHE_MAX_ATTACHMENT_BYTES: "100000",
        TRANCHE_MAX_ATTACHMENTS: "1",
      },
      root,
    );
    const budget = rawBudget(config);
    const sources = mailboxSources(config);
    const seen: InboundMessageRef[] = [];
    for (const source of sources)
      source.start(
        async (message) => {
          seen.push(message);
          return "processed";
        },
        () => {},
      );
    try {
      const big = `${requestEmail("huge")}\r\n${"A".repeat(budget)}\r\n`;
      deliver("1700000003.M1P1.host", big);
      deliver("1700000003.M2P1.host", requestEmail("small"));
      await waitFor("both read", () => seen.length === 2);
      const [head, small] = [...seen].sort((a, b) => a.uid.localeCompare(b.uid));
      expect(head!.raw).toEqual(Buffer.from(big).subarray(0, MAX_HEADER_BYTES));
      expect(head!.size).toBe(Buffer.byteLength(big));
      expect(small!.raw.toString()).toBe(requestEmail("small"));
      expect(small!.size).toBeUndefined();
    } finally {
      for (const source of sources) await source.stop();
    }
  });

  it("keeps a quarantined message in .Quarantine/cur, without a reply", async () => {
    await start().start();
    deliver("1700000002.M1P1.host", requestEmail("suspect"));
    await waitFor(
      "quarantined",
      () => readdirSync(join(root, "submissions", ".Quarantine", "cur")).length === 1,
    );
    expect((await db.inboundMessage.findFirstOrThrow()).status).toBe("quarantined");
    expect(sent()).toEqual([]);
  });

  it("recreates a filing folder someone deleted, and goes on answering the messages after it", async () => {
    await start().start();
    await waitFor("first scan", async () => (await db.mailboxState.count()) === 1);
    // Support emptied the quarantine by deleting the whole folder.
    rmSync(join(root, "submissions", ".Quarantine"), { recursive: true, force: true });
    deliver("1700000004.M1P1.host", requestEmail("suspect-apres-menage"));
    deliver("1700000004.M2P1.host", requestEmail("apres-menage"));
    await waitFor("the request after it answered", () => sent().length === 1);
    await waitFor(
      "the suspect one quarantined",
      () => readdirSync(join(root, "submissions", ".Quarantine", "cur")).length === 1,
    );
    await waitFor("nothing left in new/", () => readdirSync(join(root, "submissions", "new")).length === 0);
    expect(readFileSync(join(root, "sent", sent()[0]!), "utf8")).toMatch(/^In-Reply-To: <req-apres-menage@/m);
  });

  it("says which file it cannot read (delivered by another user, mode 0600) and reads the others", () => {
    const box = join(root, "submissions");
    deliver("1700000005.M1P1.host", requestEmail("illisible"));
    deliver("1700000005.M2P1.host", requestEmail("lisible"));
    // Delivered by another user (the MTA's), mode 0600; the daemon runs as its own user (the image
    // does): here a process without root's right to read any file (CAP_DAC_OVERRIDE).
    chownSync(join(box, "new", "1700000005.M1P1.host"), 65534, 65534);
    chmodSync(join(box, "new", "1700000005.M1P1.host"), 0o600);
    const child = spawnSync(
      "setpriv",
      [
        "--bounding-set=-dac_override,-dac_read_search",
        process.execPath,
        "bin/run-ts.js",
        "test/mailbox/maildir-entry.ts",
      ],
      { env: { ...process.env, MAILDIR: box }, encoding: "utf8", timeout: 30_000 },
    );
    expect(child.stderr).toBe("");
    const { seen, statuses } = JSON.parse(child.stdout) as { seen: string[]; statuses: SourceStatus[] };
    expect(seen).toEqual([expect.stringMatching(/^1700000005\.M2P1\.host#/)]);
    expect(statuses.map((s) => s.error).filter(Boolean)).toEqual([
      expect.stringMatching(/1700000005\.M1P1\.host not read: EACCES/),
    ]);
    expect(readdirSync(join(box, "new"))).toEqual(["1700000005.M1P1.host"]);
  });

  it("moves a message that keeps failing to .Failed/cur after the last attempt", async () => {
    const d = start((s) => s.includes("poison"), 2);
    await d.start();
    deliver("1700000001.M1P1.host", requestEmail("poison"));
    await waitFor("first attempt", async () => (await db.inboundMessage.count()) === 1);
    await waitFor("parked", () => readdirSync(join(root, "submissions", ".Failed", "cur")).length === 1);
    const row = await db.inboundMessage.findFirstOrThrow();
    expect([row.status, row.attempts]).toEqual(["failed", 2]);
    expect(sent()).toEqual([]);
  });
});
