import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { ImapFlow } from "imapflow";
import { freePort, waitForPort } from "./ports.ts";
import { createTestCertificate, type TestCertificate } from "./tls.ts";

/** Test accounts; every password is the user name followed by "-pw". */
export const DOVECOT_USERS = ["contact", "calcul", "support", "requester", "requester2"] as const;
export type DovecotUser = (typeof DOVECOT_USERS)[number];

export interface DovecotServer {
  dir: string;
  tls: TestCertificate;
  imapPort: number;
  imapsPort: number;
  lmtpPort: number;
  /** `imap://user:pw@127.0.0.1:port/INBOX` (STARTTLS). */
  imapUrl(user: DovecotUser, folder?: string): string;
  password(user: DovecotUser): string;
  /** A connected, logged-in client (caller logs out). */
  client(user: DovecotUser): Promise<ImapFlow>;
  /** Appends a message to the user's folder and returns its UID. */
  append(user: DovecotUser, raw: Buffer | string, folder?: string): Promise<number>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops and removes the private directory. */
  destroy(): Promise<void>;
}

const mailUser = (() => {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("mail:"));
  if (!line) throw new Error("system user 'mail' missing");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
})();

function config(
  dir: string,
  tls: TestCertificate,
  ports: { imap: number; imaps: number; lmtp: number },
  extra: string,
) {
  return `# Private Dovecot for the tests: nothing from /etc, everything under ${dir}
instance_name = tranche-test-${ports.imap}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
listen = 127.0.0.1
protocols = imap lmtp
ssl = yes
ssl_cert = <${tls.certPath}
ssl_key = <${tls.keyPath}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
mail_fsync = never
mail_location = maildir:~/Maildir
default_internal_user = ${userInfo().username === "root" ? "dovecot" : userInfo().username}
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = ${dir}/users
}
userdb {
  driver = static
  args = uid=${mailUser.uid} gid=${mailUser.gid} home=${dir}/mail/%n
}
service imap-login {
  inet_listener imap {
    port = ${ports.imap}
  }
  inet_listener imaps {
    port = ${ports.imaps}
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${ports.lmtp}
  }
}
protocol imap {
  mail_max_userip_connections = 100
}
${extra}`;
}

export interface DovecotOptions {
  /** Appended to the configuration (plugins: quota, ACL). */
  extraConfig?: string;
}

/**
 * Starts a private Dovecot (IMAP with STARTTLS, IMAPS, LMTP) on free high ports of 127.0.0.1, in a
 * fresh directory under /tmp, with the test users. Mail is stored as the system user `mail`.
 */
export async function startDovecot(options: DovecotOptions = {}): Promise<DovecotServer> {
  try {
    return await startDovecotOnce(options);
  } catch (error) {
    // Seen once in CI under load: `dovecot -n` exiting non-zero, cause unrecorded. One fresh try
    // (new directory, new ports), and the first error is kept on stderr for diagnosis.
    process.stderr.write(`startDovecot: retrying after ${(error as Error).message}\n`);
    return startDovecotOnce(options);
  }
}

async function startDovecotOnce(options: DovecotOptions): Promise<DovecotServer> {
  const dir = mkdtempSync("/tmp/tranche-dovecot-");
  // Dovecot's own users must traverse the tree (a 0700 dir gives "Temporary authentication failure").
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, "mail"));
  chownSync(join(dir, "mail"), mailUser.uid, mailUser.gid);
  const tls = createTestCertificate(dir);
  chmodSync(tls.keyPath, 0o644);
  writeFileSync(join(dir, "users"), DOVECOT_USERS.map((u) => `${u}:{PLAIN}${u}-pw`).join("\n"));
  // Three distinct ports (a port just released can be handed out again).
  const taken = new Set<number>();
  while (taken.size < 3) taken.add(await freePort());
  const [imap, imaps, lmtp] = [...taken] as [number, number, number];
  const ports = { imap, imaps, lmtp };
  const configPath = join(dir, "dovecot.conf");
  writeFileSync(configPath, config(dir, tls, ports, options.extraConfig ?? ""));
  const check = spawnSync("dovecot", ["-c", configPath, "-n"], { encoding: "utf8" });
  if (check.error) {
    throw new Error(
      `cannot run dovecot (${check.error.message}): install it with \`node scripts/system-packages.mjs dovecot\` (as root), or run \`npm test\` once`,
    );
  }
  if (check.status !== 0) throw new Error(`dovecot -n: ${check.stderr || check.stdout}`);

  let master: ChildProcess | undefined;
  const start = async () => {
    // The master keeps its stdio open for life: give it a file, never a pipe.
    const out = openSync(join(dir, "stdio.log"), "a");
    master = spawn("dovecot", ["-F", "-c", configPath], { stdio: ["ignore", out, out] });
    await waitForPort(ports.imap);
    await waitForPort(ports.lmtp);
  };
  const stop = async () => {
    const proc = master;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    const children = childPids(proc.pid!);
    proc.kill("SIGTERM");
    // Sessions outlive the master ~10 s after SIGTERM: end them now, by PID. SIGTERM, not SIGKILL:
    // a killed imap process leaves its dovecot-uidlist.lock behind and the next session waits on it.
    for (const pid of children) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    await exited;
    master = undefined;
  };
  await start();

  const password = (user: DovecotUser) => `${user}-pw`;
  const client = async (user: DovecotUser) => {
    const c = new ImapFlow({
      host: "127.0.0.1",
      port: ports.imap,
      secure: false,
      auth: { user, pass: password(user) },
      tls: { ca: [tls.cert] },
      logger: false,
    });
    c.on("error", () => {});
    await c.connect();
    return c;
  };
  return {
    dir,
    tls,
    imapPort: ports.imap,
    imapsPort: ports.imaps,
    lmtpPort: ports.lmtp,
    imapUrl: (user, folder = "INBOX") =>
      `imap://${user}:${encodeURIComponent(password(user))}@127.0.0.1:${ports.imap}/${folder}`,
    password,
    client,
    async append(user, raw, folder = "INBOX") {
      const c = await client(user);
      try {
        const result = await c.append(folder, raw);
        if (result === false || !result.uid) throw new Error("APPEND returned no UID");
        return result.uid;
      } finally {
        await c.logout().catch(() => {});
      }
    },
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** PIDs whose parent is `pid` (from /proc; the master forks every service process). */
function childPids(pid: number): number[] {
  const result: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) result.push(Number(entry));
    } catch {
      // process ended while listing
    }
  }
  return result;
}
