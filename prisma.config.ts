import { defineConfig } from "prisma/config";
import { resolveDatabaseUrl } from "./src/db/database-url.ts";

// The CLI (generate, migrate) and the service resolve DATABASE_URL the same way.
const url = resolveDatabaseUrl(process.env);
const postgres = url.startsWith("postgres");

export default defineConfig({
  schema: postgres ? "prisma/postgresql/schema.prisma" : "prisma/schema.prisma",
  migrations: { path: postgres ? "prisma/postgresql/migrations" : "prisma/migrations" },
  datasource: { url },
});
