import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A private PostgreSQL from Debian's packages: its own cluster under /tmp, on 127.0.0.1, a free port. */
export interface PostgresServer {
  url: string;
  stop(): Promise<void>;
}

export function postgresBinaries(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], "bin") : null;
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
  const uid = id("-u");
  if (!Number.isInteger(uid) || uid <= 0)
    throw new Error("no `postgres` system user: apt-get install -y postgresql");
  return { uid, gid: id("-g") };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinaries();
  if (!bin) {
    throw new Error(
      "PostgreSQL is not installed: run `npm test` (it installs it as root) or `apt-get install -y postgresql`",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "tranche-pg-"));
  chmodSync(dir, 0o777);
  // PostgreSQL refuses to run as root: the cluster belongs to the `postgres` system user when we are
  // root. Spawned with its uid (not through runuser) so that the PID we signal is the server's own.
  const asUser = process.getuid?.() === 0 ? postgresUser() : {};
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { encoding: "utf8", ...asUser });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
  };
  const data = join(dir, "data");
  run(join(bin, "initdb"), ["-D", data, "-U", "tranche", "--auth=trust", "-E", "UTF8", "--no-sync", "-N"]);
  const port = await freePort();
  const log = openSync(join(dir, "postgres.log"), "a");
  const args = [
    "-D",
    data,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=${dir}`,
    "-c",
    "fsync=off",
    "-c",
    "full_page_writes=off",
  ];
  const child: ChildProcess = spawn(join(bin, "postgres"), args, { stdio: ["ignore", log, log], ...asUser });
  const url = `postgresql://tranche@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = spawnSync(join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port)]);
    if (ready.status === 0) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`PostgreSQL did not start (see ${join(dir, "postgres.log")})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        // SIGTERM waits for clients to leave (smart shutdown); SIGINT is the fast one.
        child.kill("SIGINT");
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
