import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Daemon } from "../../src/daemon/daemon.ts";
import type { MessageHandler } from "../../src/daemon/handler.ts";
import { type Db, openDatabase } from "../../src/db/client.ts";
import { maildirTestDaemon } from "../helpers/daemon.ts";
import { replyHandler, requestEmail } from "../helpers/reply-handler.ts";
import { waitFor } from "../servers/ports.ts";
import { type PostgresServer, startPostgres } from "../servers/postgres.ts";
import { startTcpProxy, type TcpProxy } from "../servers/tcp-proxy.ts";

let postgres: PostgresServer;
let proxy: TcpProxy;
let db: Db;
let root: string;
let daemon: Daemon | null = null;

beforeAll(async () => {
  postgres = await startPostgres();
  proxy = await startTcpProxy(Number(new URL(postgres.url).port));
  const throughProxy = new URL(postgres.url);
  throughProxy.port = String(proxy.port);
  db = await openDatabase(throughProxy.href);
  root = mkdtempSync(join(tmpdir(), "tranche-outage-"));
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
  await db?.$disconnect();
  await proxy?.close();
  await postgres?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("the daemon on PostgreSQL through a database outage", () => {
  it("answers the request it had in hand once the database is back, not minutes later, and once", async () => {
    const base = replyHandler();
    let cuts = 0;
    // The database goes down while the request is handled, for a second: the attempt stays counted
    // and, its failure unrecordable, looks under way to any daemon reading the table.
    const handler: MessageHandler = async (message, tx) => {
      if (cuts++ === 0) {
        proxy.cut();
        setTimeout(() => proxy.restore(), 1_000);
      }
      return base(message, tx);
    };
    daemon = maildirTestDaemon(db, root, { handler });
    await daemon.start();
    const box = join(root, "submissions");
    mkdirSync(join(box, "tmp"), { recursive: true });
    writeFileSync(join(box, "tmp", "1700000000.M1P1.host"), requestEmail("outage"));
    renameSync(join(box, "tmp", "1700000000.M1P1.host"), join(box, "new", "1700000000.M1P1.host"));
    const sent = () => readdirSync(join(root, "sent")).filter((f) => f.endsWith(".eml"));
    // Another daemon would wait two claim-transaction timeouts (2 min) before taking it over.
    await waitFor("the reply after the outage", () => sent().length === 1, 30_000);
    expect(cuts).toBe(2);
    const row = await db.inboundMessage.findFirstOrThrow({
      where: { uid: { startsWith: "1700000000.M1P1.host" } },
    });
    expect([row.status, row.attempts]).toEqual(["processed", 2]);
    await daemon.stop();
    daemon = null;
    expect(sent()).toHaveLength(1);
  }, 60_000);
});
