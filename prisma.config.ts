import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { defineConfig } from "prisma/config";
import { resolveDatabaseUrl } from "./src/db/database-url.ts";

// The CLI (generate, migrate) and the service resolve DATABASE_URL the same way.
const url = resolveDatabaseUrl(process.env.DATABASE_URL);
const postgres = url.startsWith("postgres");
// As the service does when it opens the database: the SQLite file's folder is created.
if (!postgres) mkdirSync(dirname(url.slice("file:".length)), { recursive: true });

export default defineConfig({
  schema: postgres ? "prisma/postgresql/schema.prisma" : "prisma/schema.prisma",
  migrations: { path: postgres ? "prisma/postgresql/migrations" : "prisma/migrations" },
  datasource: { url },
});
