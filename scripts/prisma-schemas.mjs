// Derives prisma/postgresql/schema.prisma from prisma/schema.prisma (the source of truth), so that
// SQLite and PostgreSQL share one data model. `--check` fails when the derived file is stale.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

const source = readFileSync("prisma/schema.prisma", "utf8");
const derived = `// GENERATED from prisma/schema.prisma by scripts/prisma-schemas.mjs — do not edit.\n${source
  .replace('provider = "sqlite"', 'provider = "postgresql"')
  .replace(
    'output       = "../src/db/generated/sqlite"',
    'output       = "../../src/db/generated/postgresql"',
  )}`;
if (!derived.includes('"postgresql"') || !derived.includes("generated/postgresql")) {
  throw new Error("prisma-schemas: provider or output line not found in prisma/schema.prisma");
}
const target = "prisma/postgresql/schema.prisma";
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {}
  if (current !== derived) {
    console.error(`${target} is stale: run \`npm run prisma:sync\``);
    process.exit(1);
  }
} else {
  mkdirSync("prisma/postgresql", { recursive: true });
  writeFileSync(target, derived);
}
