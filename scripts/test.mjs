// The whole test suite, from a fresh clone: installs what the tests need (npm packages, Debian
// packages for the real servers and the browser), checks the generated code is in sync, lints,
// type-checks, then runs vitest. Used as-is by README.md and .ci/run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { ensureSystemPackages, run } from "./system-packages.mjs";

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
