import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Daemon } from "../../src/daemon/daemon.ts";
import { DaemonLockedError } from "../../src/daemon/lock.ts";
import { maildirTestDaemon } from "../helpers/daemon.ts";
import { createTestDatabase } from "../helpers/database.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let root: string;
const running: Daemon[] = [];

beforeEach(async () => {
  database = await createTestDatabase();
  root = mkdtempSync(join(tmpdir(), "tranche-lock-"));
});
afterEach(async () => {
  for (const daemon of running.splice(0)) await daemon.stop();
  await database.close();
  rmSync(root, { recursive: true, force: true });
});

function maildirDaemon(): Daemon {
  const daemon = maildirTestDaemon(database.db, root);
  running.push(daemon);
  return daemon;
}

describe("one daemon per SQLite database", () => {
  it("refuses a second daemon on the same file, and lets one start once the first has stopped (`tranche status` tells which)", async () => {
    const first = maildirDaemon();
    await first.start();
    const refused = await maildirDaemon()
      .start()
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DaemonLockedError);
    expect((refused as Error).message).toMatch(/un autre démon tranche tourne déjà sur .*test\.db/);
    await first.stop();
    // `tranche status` looks at the lock without keeping it.
    const { stdout } = await promisify(execFile)(process.execPath, ["bin/tranche.js", "status"], {
      env: { ...process.env, DATABASE_URL: database.url },
    });
    expect(stdout).toContain("Démon : arrêté");
    await maildirDaemon().start();
  });

  it("`tranche daemon` stops with the reason when another one runs on the database, before loading anything into it", async () => {
    await maildirDaemon().start();
    // The database is empty: a daemon that got past the lock would load the demo data into it.
    expect(await database.db.dataset.count()).toBe(0);
    const result = await promisify(execFile)(process.execPath, ["bin/tranche.js", "daemon"], {
      env: { ...process.env, DATABASE_URL: database.url, TRANCHE_MAIL_ROOT: root, TRANCHE_HTTP_PORT: "0" },
      // Should it start after all, it is killed rather than left running.
      timeout: 30_000,
      killSignal: "SIGKILL",
    }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("tranche : un autre démon tranche tourne déjà sur");
    expect(result.stderr).toContain("un seul démon par base SQLite");
    expect(await database.db.dataset.count()).toBe(0);
  });

  it("releases the lock when its preparation fails, so that a corrected daemon can start", async () => {
    const failing = maildirTestDaemon(database.db, root, {
      prepare: () => Promise.reject(new Error("aucune donnée de référence")),
    });
    await expect(failing.start()).rejects.toThrow("aucune donnée de référence");
    await maildirDaemon().start();
  });
});
