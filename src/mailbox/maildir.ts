import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  type FSWatcher,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  utimesSync,
  watch,
} from "node:fs";
import { dirname, join } from "node:path";
import type { Mailbox } from "../intake/types.ts";
import type { MailboxSource, MessageConsumer, SizeLimit, SourceStatus } from "./source.ts";

export interface MaildirOptions {
  /** Periodic rescan: fs.watch may miss events (network filesystems, overflow). Default 5 s. */
  pollMs?: number;
  /**
   * A file written straight into new/ (a `cp`, not the tmp/-then-rename of Maildir) may still be
   * growing: it is read only once unchanged for this long, or it would be answered half-read.
   * Default 500 ms.
   */
  settleMs?: number;
  /** Files over this size are read only up to their header (unset: every file whole). */
  sizeLimit?: SizeLimit;
}

/**
 * Layout, under `dir` (e.g. `<mailRoot>/submissions`), Maildir++ style:
 *   new/, cur/, tmp/          incoming mail is dropped in new/ (write in tmp/, then rename);
 *                             handled mail moves to cur/ as `<name>:2,S` (seen), its mtime set
 *                             to when it was handled (the retention purge's clock)
 *   .Quarantine/{new,cur,tmp} quarantined mail, in cur/ with `:2,S`
 *   .Failed/{new,cur,tmp}     mail parked after its last failed attempt
 * The message's UID is the file's name (before any `:2,` suffix) and a digest of its content,
 * `<name>#<12 hex>`; UIDVALIDITY is "maildir". A name alone can be reused (a file copied in twice
 * under one name, an MTA without unique names): the second message would be taken for the first,
 * already handled, and only filed. The same name and content again is the same message (put back
 * in new/ by a crash before the move), filed without a second answer.
 */
export class MaildirSource implements MailboxSource {
  readonly kind = "maildir" as const;
  private consume: MessageConsumer | null = null;
  private onStatus: (status: SourceStatus) => void = () => {};
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private scanPending = false;
  private scanning: Promise<void> | null = null;
  private stopping = false;
  private readonly pollMs: number;
  private readonly settleMs: number;
  private readonly sizeLimit: SizeLimit | undefined;
  /** Files of new/ not yet settled: their size and mtime when first seen so, and when. */
  private readonly sightings = new Map<string, { size: number; mtimeMs: number; at: number }>();

  constructor(
    readonly mailbox: Mailbox,
    private readonly dir: string,
    options: MaildirOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 5_000;
    this.settleMs = options.settleMs ?? 500;
    this.sizeLimit = options.sizeLimit;
    for (const folder of ["", ".Quarantine", ".Failed"]) makeMaildir(join(dir, folder));
  }

  start(consume: MessageConsumer, onStatus: (status: SourceStatus) => void): void {
    this.consume = consume;
    this.onStatus = onStatus;
    this.watcher = watch(join(this.dir, "new"), () => this.requestScan());
    this.watcher.on("error", (error) =>
      this.onStatus({ state: "connected", uidValidity: "maildir", error: error.message }),
    );
    this.timer = setInterval(() => this.requestScan(), this.pollMs);
    this.onStatus({ state: "connected", uidValidity: "maildir" });
    this.requestScan();
  }

  rescan(): void {
    this.requestScan();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    await this.scanning;
    this.onStatus({ state: "stopped", uidValidity: "maildir" });
  }

  private requestScan(): void {
    if (this.stopping) return;
    this.scanPending = true;
    if (this.scanning) return;
    this.scanning = (async () => {
      while (this.scanPending && !this.stopping) {
        this.scanPending = false;
        try {
          await this.scan();
          this.onStatus({ state: "idle", uidValidity: "maildir" });
        } catch (error) {
          this.onStatus({ state: "connected", uidValidity: "maildir", error: (error as Error).message });
        }
      }
    })().finally(() => {
      this.scanning = null;
    });
  }

  private async scan(): Promise<void> {
    const newDir = join(this.dir, "new");
    const names = readdirSync(newDir)
      .filter((name) => !name.startsWith("."))
      .sort();
    /** Files left in new/ for a reason someone must fix: named in the status, tried at each scan. */
    const problems: string[] = [];
    for (const name of names) {
      if (this.stopping) break;
      let raw: Buffer;
      let size: number | undefined;
      try {
        const stat = statSync(join(newDir, name));
        // A directory or a named pipe is no message (reading a pipe would block the daemon).
        if (!stat.isFile()) {
          problems.push(`${name} not read: not a regular file`);
          continue;
        }
        const wait = this.settling(name, stat);
        if (wait > 0) {
          setTimeout(() => this.requestScan(), wait + 10).unref();
          continue;
        }
        if (this.sizeLimit && stat.size > this.sizeLimit.maxBytes) {
          raw = readHead(join(newDir, name), this.sizeLimit.headBytes);
          size = stat.size;
        } else raw = readFileSync(join(newDir, name));
      } catch (error) {
        // Taken by another reader meanwhile.
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
        // Delivered by another user with mode 0600 (the daemon runs as its own user), say: skipped
        // without a word, it was never answered, and nobody knew.
        problems.push(`${name} not read: ${(error as Error).message}`);
        continue;
      }
      const digest = createHash("sha256").update(raw).digest("hex").slice(0, 12);
      const uid = `${name.split(":")[0]!}#${digest}`;
      const disposition = await this.consume!({
        mailbox: this.mailbox,
        uidValidity: "maildir",
        uid,
        raw,
        ...(size === undefined ? {} : { size }),
      });
      if (disposition === "retry") continue;
      const folder =
        disposition === "processed" ? "" : disposition === "quarantined" ? ".Quarantine" : ".Failed";
      const handled = join(this.dir, folder, "cur", `${uid}:2,S`);
      try {
        this.file(join(newDir, name), handled);
      } catch (error) {
        // Left in new/: the next scan files it without answering it again (its claim is done). The
        // messages after it are not held up by it.
        problems.push(`${name} not filed: ${(error as Error).message}`);
        continue;
      }
      // The retention purge (src/retention/purge.ts) ages handled mail by mtime, which a rename keeps
      // (the delivery time, maybe long before for mail retried until it failed): the copy is kept
      // `retentionDays` from when it was handled. Should this fail, the earlier delivery time stays:
      // the copy is purged sooner, never kept longer.
      try {
        const now = new Date();
        utimesSync(handled, now, now);
      } catch {}
    }
    for (const name of this.sightings.keys()) if (!names.includes(name)) this.sightings.delete(name);
    if (problems.length) throw new Error(`left in new/: ${problems.join("; ")}`);
  }

  /**
   * How long before a file in new/ may be read (0: now). Unchanged for `settleMs` by its mtime, or,
   * when that mtime is ahead of this clock (kept by `cp -p`, `rsync -t`, `tar x` from a machine whose
   * clock is ahead), by what this source saw: the same size and mtime `settleMs` after first seeing
   * them. Waiting for the mtime's date would leave the request unanswered until then.
   */
  private settling(name: string, stat: { size: number; mtimeMs: number }): number {
    const now = Date.now();
    const age = now - stat.mtimeMs;
    // The usual case, a file delivered a while ago: nothing to remember.
    if (age >= this.settleMs && !this.sightings.has(name)) return 0;
    let seen = this.sightings.get(name);
    if (!seen || seen.size !== stat.size || seen.mtimeMs !== stat.mtimeMs) {
      seen = { size: stat.size, mtimeMs: stat.mtimeMs, at: now };
      this.sightings.set(name, seen);
    }
    const wait = this.settleMs - Math.max(age, now - seen.at);
    if (wait <= 0) this.sightings.delete(name);
    return Math.max(wait, 0);
  }

  /**
   * Moves a handled message into its folder, creating the folder if someone deleted it (support
   * emptying `.Quarantine` by removing it): the rename failed, and the scan stopped at that message,
   * leaving every later one unanswered. A message another reader took meanwhile is filed already.
   */
  private file(from: string, to: string): void {
    try {
      renameSync(from, to);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      if (!existsSync(from)) return;
      makeMaildir(dirname(dirname(to)));
      renameSync(from, to);
    }
  }
}

/** The first `bytes` of a file. */
function readHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(bytes);
    return head.subarray(0, readSync(fd, head, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/** A Maildir folder's new/, cur/ and tmp/, made if missing. */
function makeMaildir(folder: string): void {
  for (const sub of ["new", "cur", "tmp"]) mkdirSync(join(folder, sub), { recursive: true });
}
