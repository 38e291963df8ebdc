import { mkdirSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";

/** The embedded default: a SQLite file under ./var, created on first use. */
export const DEFAULT_DATABASE_URL = "file:./var/tranche.db";

/**
 * DATABASE_URL, or the embedded default. A relative SQLite path is resolved against the current
 * directory (the repository root in every documented command), and its folder is created.
 */
export function resolveDatabaseUrl(env: NodeJS.ProcessEnv): string {
  const url = env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  if (!url.startsWith("file:")) return url;
  const path = url.slice("file:".length);
  const absolute = isAbsolute(path) ? path : resolve(process.cwd(), path);
  mkdirSync(dirname(absolute), { recursive: true });
  return `file:${absolute}`;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
