// The real daemon (the Dockerfile's CMD: `node --max-semi-space-size=4 --v8-pool-size=1 bin/tranche.js daemon`, a child
// process configured by environment) against the real test servers (private Dovecot, in-process SMTP
// sink), with real calculation requests from authorised, authenticated senders naming identifiers of
// the demo dataset: each one goes through intake → engine → a recorded calculation → the rendered
// result email. Measured in one run: end-to-end latency append → reply accepted with IDLE, backlog
// throughput against the floor (the same messages only fetched and re-sent, no processing), for a
// backlog found at start-up and for one arriving at the running daemon, the CPU the whole machine
// spends per message on each, peak RSS of the daemon process (VmHWM).
// Standalone: node bin/run-ts.js bench/daemon.ts
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import nodemailer from "nodemailer";
import pino from "pino";
import { loadAccessPolicy } from "../src/access/policy.ts";
import { grantAccess } from "../src/access/store.ts";
import { rateLimitsOf } from "../src/calculations/rate-limit.ts";
import { loadConfig } from "../src/config/load.ts";
import { claimAndProcessAll } from "../src/daemon/claim.ts";
import { createPipeline } from "../src/daemon/pipeline.ts";
import { type Db, openDatabase } from "../src/db/client.ts";
import { writeDemoDataset } from "../src/reference/demo.ts";
import { importReferenceData } from "../src/reference/import.ts";
import { createRenderer } from "../src/render/renderer.ts";
import { buildMail, calculationBody } from "../test/helpers/mail.ts";
import { type DovecotServer, startDovecot } from "../test/servers/dovecot.ts";
import { type SmtpSink, startSmtpSink } from "../test/servers/smtp-sink.ts";

const LATENCY_SAMPLES = 40;
const BACKLOG = 1_000;
// Many senders over several organisations, as in real traffic: each stays under the default
// per-sender and per-organisation hourly limits, so every request gets a calculation, not a ticket.
const ORGANISATIONS = 12;
const SENDERS_PER_ORGANISATION = 6;
const TARGETS = { p50Ms: 500, p99Ms: 2_000, ratio: 0.7, rssMb: 200 };
const root = fileURLToPath(new URL("..", import.meta.url));

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const verdict = (met: boolean) => (met ? "met" : "MISSED");

interface Identifiers {
  finess: string[];
  am: string[];
}

/** Radiology identifiers of the demo dataset with activity, so every request is answered with a tranche. */
function identifiersOf(dir: string): Identifiers {
  const rows = (file: string) =>
    readFileSync(join(dir, file), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(";"));
  return {
    finess: rows("finess.csv")
      .filter((cells) => Number(cells.at(-2)) > 0)
      .map((cells) => cells[0]!),
    am: rows("am.csv")
      .filter((cells) => cells[1] === "radiologie" && Number(cells[2]) > 0)
      .map((cells) => cells[0]!),
  };
}

const senderOf = (i: number) => {
  const organisation = i % ORGANISATIONS;
  const person = Math.floor(i / ORGANISATIONS) % SENDERS_PER_ORGANISATION;
  return `commercial${person}@editeur-ris-${organisation}.fr`;
};

function calculationRequest(ids: Identifiers, reference: string, i: number): Buffer {
  const pick = (list: string[], k: number) => list[(i * 7 + k * 131) % list.length]!;
  return buildMail({
    from: senderOf(i),
    fromName: "Jeanne Martin",
    subject: `Calcul de tranche — ${reference}`,
    body: calculationBody({
      reference,
      activity: "Radiologie",
      finessRadio: `${pick(ids.finess, 0)}; ${pick(ids.finess, 1)}`,
      amRadio: pick(ids.am, 2),
    }),
  });
}

async function appendBacklog(
  dovecot: DovecotServer,
  ids: Identifiers,
  prefix: string,
  folder = "INBOX",
): Promise<void> {
  const client = await dovecot.client("calcul");
  if (folder !== "INBOX") await client.mailboxCreate(folder);
  for (let i = 0; i < BACKLOG; i++) await client.append(folder, calculationRequest(ids, `${prefix}-${i}`, i));
  await client.logout();
}

/**
 * A backlog arriving at the running daemon: the messages, staged in another folder, are moved into
 * INBOX in one command, and the daemon learns of them by IDLE. Timed from that command to the last
 * reply accepted, so Dovecot's notification delay is included.
 */
async function arrivingBacklog(dovecot: DovecotServer, sink: SmtpSink, staging: string): Promise<number> {
  const client = await dovecot.client("calcul");
  await client.mailboxOpen(staging);
  const target = sink.received.length + BACKLOG;
  const started = performance.now();
  await client.messageMove("1:*", "INBOX", { uid: true });
  await sink.waitForCount(target, 300_000);
  const elapsed = performance.now() - started;
  await client.logout();
  return elapsed;
}

/** The bench's database: the demo dataset, and every sender of the backlog authorised. */
async function prepareDatabase(databaseUrl: string, dataDir: string): Promise<Db> {
  const db = await openDatabase(databaseUrl);
  await importReferenceData(db, dataDir, { label: "démo (benchmark)" });
  const now = new Date();
  for (let i = 0; i < ORGANISATIONS * SENDERS_PER_ORGANISATION; i++)
    await grantAccess(db, senderOf(i), { decidedBy: "operator:bench", now });
  return db;
}

/**
 * The daemon's processing without its I/O: the same requests claimed and handled in batches of 50
 * (claim → intake → engine → calculation → rendered reply → commit) by the daemon's own pipeline, in
 * this process, on a database of their own. No IMAP, no SMTP: what one thread can do at best.
 */
async function processingAlone(ids: Identifiers, databaseUrl: string, dataDir: string): Promise<number> {
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl });
  const db = await prepareDatabase(databaseUrl, dataDir);
  try {
    const handler = createPipeline({
      config,
      logger: pino({ level: "warn" }),
      renderer: await createRenderer(),
      policy: loadAccessPolicy(config),
      rateLimits: rateLimitsOf(config),
    });
    const messages = Array.from({ length: BACKLOG }, (_, i) => ({
      mailbox: "submissions" as const,
      uidValidity: "1",
      uid: String(i + 1),
      raw: calculationRequest(ids, `alone-${i}`, i),
    }));
    const started = performance.now();
    let queued = 0;
    for (let i = 0; i < messages.length; i += 50) {
      const results = await claimAndProcessAll(db, handler, messages.slice(i, i + 50), {
        maxAttempts: config.maxAttempts,
      });
      queued += results.reduce((sum, result) => sum + result.queued, 0);
    }
    const elapsed = performance.now() - started;
    if (queued !== BACKLOG) throw new Error(`processing alone queued ${queued} replies, ${BACKLOG} expected`);
    return elapsed;
  } finally {
    await db.$disconnect();
  }
}

/** The floor: fetch every message of the backlog and send each one on unchanged. */
async function floor(dovecot: DovecotServer, sink: SmtpSink): Promise<number> {
  const started = performance.now();
  const client = await dovecot.client("calcul");
  await client.mailboxOpen("INBOX");
  const messages = await client.fetchAll("1:*", { uid: true, source: true }, { uid: true });
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: sink.port,
    auth: { user: "daemon", pass: "sink-pw" },
    tls: { ca: [dovecot.tls.cert] },
    pool: true,
    // The daemon's own SMTP pool size (src/outbox/transport.ts).
    maxConnections: 4,
  });
  const target = sink.received.length + messages.length;
  await Promise.all(
    messages.map((m) =>
      transport.sendMail({
        envelope: { from: "no-reply@example.test", to: ["requester@example.test"] },
        raw: m.source!,
      }),
    ),
  );
  await sink.waitForCount(target, 120_000);
  const elapsed = performance.now() - started;
  transport.close();
  await client.messageDelete("1:*", { uid: true });
  await client.logout();
  return elapsed;
}

/**
 * The production image's command (the Dockerfile's CMD, `node <flags> bin/tranche.js daemon`, the same
 * flags as `npm start` and `npx tranche`), read from the Dockerfile so that the two cannot drift apart.
 */
function daemonCommand(): string[] {
  const cmd = readFileSync(join(root, "Dockerfile"), "utf8").match(/^CMD\s+(\[.*\])\s*$/m)?.[1];
  const argv = cmd ? (JSON.parse(cmd) as string[]) : [];
  if (argv[0] !== "node" || !argv.includes("bin/tranche.js"))
    throw new Error(`unexpected Dockerfile CMD ${cmd}`);
  return argv.slice(1);
}

/** `tranche daemon` as operators run it, configured by environment. */
function startDaemon(dovecot: DovecotServer, sink: SmtpSink, databaseUrl: string, dir: string) {
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []), ...daemonCommand()],
    {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        TRANCHE_MAIL_ROOT: dir,
        TRANCHE_CONTACT_IMAP_URL: dovecot.imapUrl("contact"),
        TRANCHE_SUBMISSIONS_IMAP_URL: dovecot.imapUrl("calcul"),
        TRANCHE_SMTP_URL: sink.url,
        TRANCHE_TLS_CA_FILE: dovecot.tls.certPath,
        TRANCHE_HTTP_PORT: "0",
        TRANCHE_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

/** Both mailboxes connected and idle (the daemon's own MailboxState rows). */
async function waitUntilIdle(db: Db, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`daemon exited (${child.exitCode}) before being idle`);
    const states = await db.mailboxState.findMany({ select: { state: true } });
    if (states.length === 2 && states.every((s) => s.state === "idle")) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("daemon not idle after 60 s");
}

/** The daemon's IMAP session on a mailbox is open (its MailboxState row says so). */
async function waitUntilConnected(db: Db, mailbox: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  const since = new Date(Date.now() - 1);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`daemon exited (${child.exitCode}) before connecting`);
    const state = await db.mailboxState.findUnique({ where: { mailbox } });
    if (state?.lastConnectedAt && state.lastConnectedAt >= since) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`daemon not connected to ${mailbox} after 60 s`);
}

/** Peak resident memory of a process so far (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmHWM:\s+(\d+) kB/m);
  if (!line) throw new Error(`no VmHWM for ${pid}`);
  return Number(line[1]) / 1024;
}

/** CPU seconds used so far by a process's main thread and by all its threads (from /proc). */
function cpuSeconds(pid: number): { main: number; all: number } {
  const ticks = (stat: string) => {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  const all = ticks(readFileSync(`/proc/${pid}/stat`, "utf8"));
  const main = ticks(readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8"));
  return { main, all };
}

/**
 * Busy CPU time of the whole machine so far, in ms: every process (the daemon, Dovecot, this process
 * and its SMTP sink) and the kernel's work for them, from /proc/stat (USER_HZ = 100).
 */
function machineBusyMs(): number {
  const fields = readFileSync("/proc/stat", "utf8")
    .split("\n", 1)[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields as [number, ...number[]];
  return (user + nice! + system! + irq! + softirq! + steal!) * 10;
}

async function stopDaemon(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

export async function benchDaemon(): Promise<void> {
  // As `npm test` does: Dovecot installed where it can be (root), else the command to run.
  const packages = spawnSync(process.execPath, [join(root, "scripts/system-packages.mjs"), "dovecot"], {
    stdio: "inherit",
  });
  if (packages.status !== 0) process.exit(packages.status ?? 1);
  const dovecot = await startDovecot();
  const sink = await startSmtpSink({ tls: dovecot.tls });
  const dir = mkdtempSync(join(tmpdir(), "tranche-bench-daemon-"));
  const databaseUrl = `file:${join(dir, "bench.db")}`;
  let db: Db | null = null;
  let child: ChildProcess | null = null;
  try {
    const dataDir = join(dir, "demo");
    writeDemoDataset(dataDir);
    const ids = identifiersOf(dataDir);
    db = await prepareDatabase(databaseUrl, dataDir);

    // Latency: one request at a time into an idle mailbox.
    let daemon = startDaemon(dovecot, sink, databaseUrl, dir);
    child = daemon.child;
    await waitUntilIdle(db, child);
    const startupRssMb = peakRssMb(child.pid!);
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const before = sink.received.length;
      const started = performance.now();
      await dovecot.append("calcul", calculationRequest(ids, `lat-${i}`, i));
      await sink.waitForCount(before + 1);
      latencies.push(performance.now() - started);
    }
    let rssMb = peakRssMb(child.pid!);
    await stopDaemon(child);

    // Floor, then the daemon on an identical backlog. The daemon's time runs from its IMAP session
    // being open (its MailboxState.lastConnectedAt: node, Prisma and template start-up excluded, as
    // a running daemon would not pay them) to the last reply accepted by the sink.
    await appendBacklog(dovecot, ids, "floor");
    let busy = machineBusyMs();
    const floorMs = await floor(dovecot, sink);
    const floorBusyMs = machineBusyMs() - busy;
    await appendBacklog(dovecot, ids, "backlog");
    await appendBacklog(dovecot, ids, "arriving", "Staging");
    const before = sink.received.length;
    daemon = startDaemon(dovecot, sink, databaseUrl, dir);
    child = daemon.child;
    await waitUntilConnected(db, "submissions", child);
    const cpuBefore = cpuSeconds(child.pid!);
    busy = machineBusyMs();
    await sink.waitForCount(before + BACKLOG, 300_000);
    const finished = Date.now();
    const daemonBusyMs = machineBusyMs() - busy;
    const cpuAfter = cpuSeconds(child.pid!);
    const session = await db.mailboxState.findUniqueOrThrow({ where: { mailbox: "submissions" } });
    const daemonMs = finished - session.lastConnectedAt!.getTime();

    // The same daemon process, now warm (its code optimised by the first backlog), as a long-running
    // daemon would be when a burst of requests arrives.
    await waitUntilIdle(db, child);
    const arrivingCpuBefore = cpuSeconds(child.pid!);
    busy = machineBusyMs();
    const arrivingMs = await arrivingBacklog(dovecot, sink, "Staging");
    const arrivingBusyMs = machineBusyMs() - busy;
    const arrivingCpuAfter = cpuSeconds(child.pid!);
    rssMb = Math.max(rssMb, peakRssMb(child.pid!));
    await stopDaemon(child);
    child = null;

    const calculations = await db.calculation.count();
    const expected = LATENCY_SAMPLES + 2 * BACKLOG;
    if (calculations !== expected)
      throw new Error(`${calculations} calculations recorded, ${expected} expected`);
    const aloneMs = await processingAlone(ids, `file:${join(dir, "alone.db")}`, dataDir);
    const warnings = daemon.output().trim();
    if (warnings) console.log(`daemon warnings:\n${warnings.slice(0, 2000)}`);

    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const daemonRate = (BACKLOG * 1000) / daemonMs;
    const floorRate = (BACKLOG * 1000) / floorMs;
    const ratio = daemonRate / floorRate;
    console.log(
      "daemon (tranche daemon child process: Dovecot IMAP IDLE → claim → intake → engine → calculation → rendered result → SMTP sink, SQLite)",
    );
    console.log(
      `  latency append → reply accepted, ${LATENCY_SAMPLES} requests: p50 ${p50.toFixed(0)} ms (target ≤ ${TARGETS.p50Ms}: ${verdict(p50 <= TARGETS.p50Ms)}), p99 ${p99.toFixed(0)} ms (target ≤ ${TARGETS.p99Ms}: ${verdict(p99 <= TARGETS.p99Ms)})`,
    );
    console.log(
      `  backlog of ${BACKLOG}: daemon ${(daemonMs / 1000).toFixed(2)} s (${daemonRate.toFixed(0)}/s), floor fetch + re-send ${(floorMs / 1000).toFixed(2)} s (${floorRate.toFixed(0)}/s): ratio daemon/floor ${ratio.toFixed(2)} (target ≥ ${TARGETS.ratio}: ${verdict(ratio >= TARGETS.ratio)})`,
    );
    const perMessage = (seconds: number) => ((1000 * seconds) / BACKLOG).toFixed(2);
    console.log(
      `  daemon CPU per message during the backlog: main thread ${perMessage(cpuAfter.main - cpuBefore.main)} ms, all threads ${perMessage(cpuAfter.all - cpuBefore.all)} ms`,
    );
    const arrivingRate = (BACKLOG * 1000) / arrivingMs;
    console.log(
      `  backlog of ${BACKLOG} arriving at the running daemon (moved into INBOX in one command; IDLE notification included): ${(arrivingMs / 1000).toFixed(2)} s (${arrivingRate.toFixed(0)}/s): ratio ${(arrivingRate / floorRate).toFixed(2)}; daemon CPU per message: main thread ${perMessage(arrivingCpuAfter.main - arrivingCpuBefore.main)} ms, all threads ${perMessage(arrivingCpuAfter.all - arrivingCpuBefore.all)} ms`,
    );
    // With every core busy, a run cannot take less than the machine's CPU time over the cores.
    const cores = availableParallelism();
    const ceiling = (busyMs: number) => floorMs / (busyMs / cores);
    console.log(
      `  machine CPU per message (every process: daemon, Dovecot, SMTP sink): floor ${(floorBusyMs / BACKLOG).toFixed(2)} ms, backlog ${(daemonBusyMs / BACKLOG).toFixed(2)} ms, arriving backlog ${(arrivingBusyMs / BACKLOG).toFixed(2)} ms; on ${cores} cores fully used, ratios of at most ${ceiling(daemonBusyMs).toFixed(2)} and ${ceiling(arrivingBusyMs).toFixed(2)}`,
    );
    const aloneRate = (BACKLOG * 1000) / aloneMs;
    console.log(
      `  processing alone (the daemon's pipeline in this process, batches of 50, no IMAP or SMTP): ${(aloneMs / BACKLOG).toFixed(2)} ms per message, at most ${aloneRate.toFixed(0)}/s on one thread (${(aloneRate / floorRate).toFixed(2)} × the floor)`,
    );
    console.log(
      `  peak RSS of the daemon process (VmHWM) ${rssMb.toFixed(0)} MB (target ≤ ${TARGETS.rssMb}: ${verdict(rssMb <= TARGETS.rssMb)}); after start-up ${startupRssMb.toFixed(0)} MB`,
    );
  } finally {
    if (child) await stopDaemon(child);
    await sink.close();
    await db?.$disconnect();
    rmSync(dir, { recursive: true, force: true });
    await dovecot.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await benchDaemon();
