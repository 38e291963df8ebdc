import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/load.ts";
import { isDaemonRunning } from "../../src/daemon/lock.ts";
import { maildirTestDaemon } from "../helpers/daemon.ts";
import { createTestDatabase } from "../helpers/database.ts";

// Settings the configuration cannot fully check (a port taken) or that reach the daemon another way:
// the daemon fails at start, naming the setting, and stops cleanly what it had started.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let root: string;
let busy: Server | null = null;

beforeEach(async () => {
  database = await createTestDatabase();
  root = mkdtempSync(join(tmpdir(), "tranche-start-"));
});
afterEach(async () => {
  await new Promise<void>((resolve) => (busy ? busy.close(() => resolve()) : resolve()));
  busy = null;
  await database.close();
  rmSync(root, { recursive: true, force: true });
});

describe("a daemon whose settings fail at start", () => {
  it("refuses a rescan cron expression before reading any mailbox", async () => {
    const daemon = maildirTestDaemon(database.db, root, { rescanCron: "61 * * * *" });
    await expect(daemon.start()).rejects.toThrow(/61 is a invalid expression for minute/);
    expect(await database.db.mailboxState.count()).toBe(0);
    expect(isDaemonRunning(database.db)).toBe(false);
  });

  it("stops the mailboxes it started and releases its lock when the HTTP port is taken", async () => {
    busy = createServer();
    const port = await new Promise<number>((resolve) =>
      busy!.listen(0, "127.0.0.1", () => resolve((busy!.address() as { port: number }).port)),
    );
    const daemon = maildirTestDaemon(database.db, root, {
      rescanCron: "* * * * *",
      http: { host: "127.0.0.1", port },
    });
    const failure = await daemon.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toContain(`127.0.0.1:${port} (EADDRINUSE)`);
    expect((failure as Error).message).toContain("TRANCHE_HTTP_PORT");
    const states = await database.db.mailboxState.findMany({ orderBy: { mailbox: "asc" } });
    expect(states.map((s) => [s.mailbox, s.state])).toEqual([
      ["contact", "stopped"],
      ["submissions", "stopped"],
    ]);
    // Another daemon may start: the lock went with the failed one.
    expect(isDaemonRunning(database.db)).toBe(false);
  });
});
