// The Debian packages the real-server tests and benchmarks need, installed when run as root, or the
// exact command to run otherwise. `npm test` ensures all of them; `node scripts/system-packages.mjs
// dovecot` only the ones named (the daemon benchmark needs Dovecot alone).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { pathToFileURL } from "node:url";

const postgresInstalled = () =>
  existsSync("/usr/lib/postgresql") &&
  readdirSync("/usr/lib/postgresql").some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));

/** Debian packages, by what proves they are installed. */
const systemPackages = {
  dovecot: {
    installed: () => existsSync("/usr/sbin/dovecot") && existsSync("/usr/lib/dovecot/lmtp"),
    packages: ["dovecot-imapd", "dovecot-lmtpd"],
    why: "IMAP server for the daemon tests and benchmark",
  },
  chromium: {
    installed: () => existsSync("/usr/bin/chromium"),
    packages: ["chromium"],
    why: "renders the result email at desktop and mobile widths",
  },
  postgresql: {
    installed: postgresInstalled,
    packages: ["postgresql"],
    why: "the same schema and migrations tested on PostgreSQL",
  },
};

/** Runs a command with inherited stdio; on failure, exits with its status. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.status !== 0) {
    console.error(`\n✗ ${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

/** Installs what is missing of `names` (all by default), or exits 1 with the command to run. */
export function ensureSystemPackages(names = Object.keys(systemPackages)) {
  const unknown = names.filter((n) => !(n in systemPackages));
  if (unknown.length) throw new Error(`unknown system package ${unknown.join(", ")}`);
  const missing = names.map((n) => systemPackages[n]).filter((p) => !p.installed());
  if (!missing.length) return;
  const debs = missing.flatMap((p) => p.packages);
  const command = `apt-get update && apt-get install -y --no-install-recommends ${debs.join(" ")}`;
  if (process.getuid?.() !== 0) {
    console.error("Debian packages are needed that are not installed:");
    for (const p of missing) console.error(`  ${p.packages.join(", ")} — ${p.why}`);
    console.error(`Install them as root, then run this again:\n  sudo sh -c '${command}'`);
    process.exit(1);
  }
  console.log(`Installing ${debs.join(", ")} …`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  run("apt-get", ["update", "-qq"], { env });
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...debs], { env });
  // Installing them may start the system services; tests and benchmarks run private instances.
  spawnSync("sh", [
    "-c",
    "service dovecot stop >/dev/null 2>&1; service postgresql stop >/dev/null 2>&1; true",
  ]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const names = process.argv.slice(2);
  ensureSystemPackages(names.length ? names : undefined);
}
