import {
  closeSync,
  existsSync,
  fstatSync,
  fsync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  write,
} from "node:fs";
import { dirname } from "node:path";

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

  /** Appends and fsyncs off the main thread: other messages are processed meanwhile. */
  async record(messageId: string): Promise<void> {
    const line = Buffer.from(`${messageId}\n`);
    this.bytes += line.length;
    await new Promise<void>((resolve, reject) =>
      write(this.fd, line, 0, line.length, null, (error) => (error ? reject(error) : resolve())),
    );
    await new Promise<void>((resolve, reject) =>
      fsync(this.fd, (error) => (error ? reject(error) : resolve())),
    );
  }

  /**
   * Everything recorded is now in the database. Not fsync'd: should a power loss undo the truncation,
   * the entries that come back name rows already marked sent, which reconciling leaves alone.
   */
  clear(): void {
    ftruncateSync(this.fd, 0);
    this.bytes = 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}
