import {
  closeSync,
  existsSync,
  fstatSync,
  fsync,
  ftruncate,
  mkdirSync,
  openSync,
  readFileSync,
  write,
} from "node:fs";
import { dirname } from "node:path";

interface PendingGroup {
  lines: Buffer[];
  written: Promise<void>;
}

/** write(2) until every byte is in the file. */
async function writeAll(fd: number, data: Buffer): Promise<void> {
  for (let offset = 0; offset < data.length; ) {
    offset += await new Promise<number>((resolve, reject) =>
      write(fd, data, offset, data.length - offset, null, (error, written) =>
        error ? reject(error) : resolve(written),
      ),
    );
  }
}

/**
 * A local list of the Message-IDs the relay accepted and the database does not yet say are sent.
 * SMTP has no two-phase commit: a crash between the relay's 250 and the row update would send the
 * reply again on restart. Appending a line needs no database lock (a claim transaction may hold it
 * for tens of ms), so that window shrinks to the append itself. A written line survives a crash of
 * the process; the fsync follows in the background, so that the window does not include the disk's
 * latency (after a power loss, the last lines may be gone, as may SQLite's last commits).
 */
export class SentJournal {
  private fd: number;
  /** Size of the file: what was there at open, plus what was appended since. */
  bytes: number;
  private tail: Promise<void> = Promise.resolve();
  /** Lines waiting for the next write, while one is in flight. */
  private group: PendingGroup | null = null;
  /** The background fsync loop, while it runs; `syncWanted`: data was written since it started. */
  private syncing: Promise<void> | null = null;
  private syncWanted = false;
  /** A background fsync failed: the next append reports it. */
  private syncError: Error | null = null;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, "a+");
    this.bytes = fstatSync(this.fd).size;
  }

  /** Message-IDs recorded by a previous run (to be marked sent before anything is sent again). */
  recorded(): string[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, "utf8")
      .split("\n")
      .filter((line) => line.length > 0);
  }

  /**
   * Appends off the main thread: other messages are processed meanwhile. Lines recorded while a
   * write is in flight are written together by the next one. Resolves once the line is written.
   */
  record(messageId: string): Promise<void> {
    const line = Buffer.from(`${messageId}\n`);
    this.bytes += line.length;
    if (!this.group) {
      const group: PendingGroup = { lines: [], written: Promise.resolve() };
      group.written = this.inOrder(async () => {
        // From here on, new lines go in the next group.
        if (this.group === group) this.group = null;
        const failed = this.syncError;
        this.syncError = null;
        if (failed) throw failed;
        await writeAll(this.fd, Buffer.concat(group.lines));
        this.syncSoon();
      });
      this.group = group;
    }
    this.group.lines.push(line);
    return this.group.written;
  }

  /** fsyncs what was written, in the background, one fsync at a time (one for many appends). */
  private syncSoon(): void {
    this.syncWanted = true;
    if (this.syncing) return;
    this.syncing = (async () => {
      while (this.syncWanted) {
        this.syncWanted = false;
        await new Promise<void>((resolve) =>
          fsync(this.fd, (error) => {
            if (error) this.syncError = error;
            resolve();
          }),
        );
      }
    })().finally(() => {
      this.syncing = null;
    });
  }

  /**
   * Everything recorded is now in the database. Not fsync'd: should a power loss undo the truncation,
   * the entries that come back name rows already marked sent, which reconciling leaves alone. Off the
   * main thread too: a truncation can wait hundreds of ms behind the file system's journal.
   */
  clear(): Promise<void> {
    this.bytes = 0;
    // Lines recorded from now on are written after the truncation.
    this.group = null;
    return this.inOrder(
      () => new Promise<void>((resolve, reject) => ftruncate(this.fd, 0, (e) => (e ? reject(e) : resolve()))),
    );
  }

  async close(): Promise<void> {
    await this.tail;
    while (this.syncing) await this.syncing;
    closeSync(this.fd);
  }

  /** Appends and truncations run one after the other, so that none can undo another. */
  private inOrder(operation: () => Promise<void>): Promise<void> {
    const run = this.tail.then(operation);
    this.tail = run.catch(() => {});
    return run;
  }
}
