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
 * A local, fsync'd list of the Message-IDs the relay accepted and the database does not yet say are
 * sent. SMTP has no two-phase commit: a crash between the relay's 250 and the row update would send
 * the reply again on restart. Appending one line here takes about a millisecond and needs no database
 * lock (a claim transaction may hold it for tens of ms), so that window shrinks to the append itself.
 */
export class SentJournal {
  private fd: number;
  /** Size of the file: what was there at open, plus what was appended since. */
  bytes: number;
  private tail: Promise<void> = Promise.resolve();
  /** Lines waiting for the next write, while one is in flight. */
  private group: PendingGroup | null = null;

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
   * Appends and fsyncs off the main thread: other messages are processed meanwhile. Lines recorded
   * while a write is in flight are written together by the next one, under one fsync (group commit:
   * one per burst of sends, not one per send).
   */
  record(messageId: string): Promise<void> {
    const line = Buffer.from(`${messageId}\n`);
    this.bytes += line.length;
    if (!this.group) {
      const group: PendingGroup = { lines: [], written: Promise.resolve() };
      group.written = this.inOrder(async () => {
        // From here on, new lines go in the next group.
        if (this.group === group) this.group = null;
        await writeAll(this.fd, Buffer.concat(group.lines));
        await new Promise<void>((resolve, reject) =>
          fsync(this.fd, (error) => (error ? reject(error) : resolve())),
        );
      });
      this.group = group;
    }
    this.group.lines.push(line);
    return this.group.written;
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
    closeSync(this.fd);
  }

  /** Appends and truncations run one after the other, so that none can undo another. */
  private inOrder(operation: () => Promise<void>): Promise<void> {
    const run = this.tail.then(operation);
    this.tail = run.catch(() => {});
    return run;
  }
}
