// The whole test suite, from a fresh clone: installs what the tests need (npm packages, Debian
// packages for the real servers and the browser), checks the generated code is in sync, lints,
// type-checks, then runs vitest. Used as-is by README.md and .ci/run.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const postgresInstalled = () =>
  existsSync("/usr/lib/postgresql") &&
  readdirSync("/usr/lib/postgresql").some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));

/** Debian packages the tests need, by what proves they are installed. */
const systemPackages = [
  {
    installed: () => existsSync("/usr/sbin/dovecot") && existsSync("/usr/lib/dovecot/lmtp"),
    packages: ["dovecot-imapd", "dovecot-lmtpd"],
    why: "IMAP server for the daemon tests",
  },
  {
    installed: () => existsSync("/usr/bin/chromium"),
    packages: ["chromium"],
    why: "renders the result email at desktop and mobile widths",
  },
  {
    installed: postgresInstalled,
    packages: ["postgresql"],
    why: "the same schema and migrations tested on PostgreSQL",
  },
];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.status !== 0) {
    console.error(`\n✗ ${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

function ensureSystemPackages() {
  const missing = systemPackages.filter((p) => !p.installed());
  if (!missing.length) return;
  const names = missing.flatMap((p) => p.packages);
  const command = `apt-get update && apt-get install -y --no-install-recommends ${names.join(" ")}`;
  if (process.getuid?.() !== 0) {
    console.error("The tests need Debian packages that are not installed:");
    for (const p of missing) console.error(`  ${p.packages.join(", ")} — ${p.why}`);
    console.error(`Install them as root, then run the tests again:\n  sudo sh -c '${command}'`);
    process.exit(1);
  }
  console.log(`Installing ${names.join(", ")} …`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  run("apt-get", ["update", "-qq"], { env });
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...names], { env });
  // Installing them may start the system services; the tests run private instances, so stop those.
  spawnSync("sh", [
    "-c",
    "service dovecot stop >/dev/null 2>&1; service postgresql stop >/dev/null 2>&1; true",
  ]);
}

/**
 * The committed migrations and generated clients must match prisma/schema.prisma. Prisma's CLI needs
 * its schema engine for that: where it cannot download it (this workplace), `.ci/run` provides one
 * through PRISMA_SCHEMA_ENGINE_BINARY; without it the check is reported as not run.
 */
function checkPrismaArtifacts() {
  if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
    console.log(
      "note: migrations/generated-client check not run (no PRISMA_SCHEMA_ENGINE_BINARY; see ../shared/tools/prisma-offline)",
    );
    return;
  }
  run("npx", [
    "prisma",
    "migrate",
    "diff",
    "--from-migrations",
    "prisma/migrations",
    "--to-schema",
    "prisma/schema.prisma",
    "--exit-code",
  ]);
  if (!existsSync(".git")) return;
  run("npm", ["run", "-s", "prisma:sync"], { stdio: ["ignore", "ignore", "inherit"] });
  const stale = spawnSync("git", ["status", "--porcelain", "--", "prisma", "src/db/generated"], {
    encoding: "utf8",
  }).stdout;
  if (stale.trim()) {
    console.error(`\n✗ generated Prisma files differ from the schema: commit them\n${stale}`);
    process.exit(1);
  }
}

if (!existsSync("node_modules/.package-lock.json")) run("npm", ["ci", "--no-audit", "--no-fund"]);
ensureSystemPackages();
run("node", ["scripts/prisma-schemas.mjs", "--check"]);
checkPrismaArtifacts();
run("npx", ["biome", "check", "."]);
run("npx", ["tsc", "--noEmit", "-p", "."]);
run("npx", ["vitest", "run", ...process.argv.slice(2)]);
