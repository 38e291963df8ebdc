import Database from "libsql";
import { type Db, databaseProvider, databaseUrl } from "../db/client.ts";

export class DaemonLockedError extends Error {}

export interface DaemonLock {
  release(): void;
}

/**
 * One daemon per SQLite file (a second one would only contend with the first for the one writer):
 * an exclusive lock on `<database>.daemon-lock`, held by an open transaction on that side file
 * until the daemon stops. The operating system drops it when the process dies, even by SIGKILL, so
 * whoever holds it knows that every other outbox lease belongs to a process that is gone.
 * PostgreSQL allows several daemons: no lock (null).
 */
export function acquireDaemonLock(db: Db): DaemonLock | null {
  if (databaseProvider(db) !== "sqlite") return null;
  const database = databaseUrl(db).replace(/^file:/, "");
  const path = `${database}.daemon-lock`;
  // No busy wait: a daemon already running is an answer, not something to wait for.
  const lock = new Database(path, { timeout: 0 });
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
