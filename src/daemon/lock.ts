import Database from "libsql";
import { type Db, databaseProvider, databaseUrl } from "../db/client.ts";

export class DaemonLockedError extends Error {}

export interface DaemonLock {
  release(): void;
}

/**
 * How long a starting daemon waits for the lock: `tranche status` holds it for an instant to see
 * whether a daemon runs; a daemon already running holds it for good.
 */
const LOCK_WAIT_MS = 2_000;

/**
 * One daemon per SQLite file (a second one would only contend with the first for the one writer):
 * an exclusive lock on `<database>.daemon-lock`, held by an open transaction on that side file
 * until the daemon stops. The operating system drops it when the process dies, even by SIGKILL, so
 * whoever holds it knows that every other outbox lease belongs to a process that is gone.
 * PostgreSQL allows several daemons: no lock (null).
 */
export function acquireDaemonLock(db: Db, waitMs = LOCK_WAIT_MS): DaemonLock | null {
  if (databaseProvider(db) !== "sqlite") return null;
  const database = databaseUrl(db).replace(/^file:/, "");
  const path = `${database}.daemon-lock`;
  const lock = new Database(path, { timeout: waitMs });
  try {
    lock.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === "SQLITE_BUSY")
      throw new DaemonLockedError(
        `un autre démon tranche tourne déjà sur ${database} (verrou ${path}) : un seul démon par base SQLite`,
      );
    throw error;
  }
  return {
    release() {
      if (!lock.open) return;
      lock.exec("ROLLBACK");
      lock.close();
    },
  };
}

/** Whether a daemon runs on this SQLite database now (it holds the lock); null on PostgreSQL. */
export function isDaemonRunning(db: Db): boolean | null {
  try {
    const lock = acquireDaemonLock(db, 0);
    if (!lock) return null;
    lock.release();
    return false;
  } catch (error) {
    if (error instanceof DaemonLockedError) return true;
    throw error;
  }
}
