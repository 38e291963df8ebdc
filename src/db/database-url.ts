import { isAbsolute, resolve } from "node:path";

/** The embedded default: a SQLite file under ./var, created on first use (see openDatabase). */
export const DEFAULT_DATABASE_URL = "file:./var/tranche.db";

/**
 * The database URL, or the embedded default, with a relative SQLite path made absolute against the
 * given directory (the current one: the repository root in every documented command).
 */
export function resolveDatabaseUrl(url: string | undefined, cwd = process.cwd()): string {
  const chosen = url?.trim() || DEFAULT_DATABASE_URL;
  if (!chosen.startsWith("file:")) return chosen;
  const path = chosen.slice("file:".length);
  return `file:${isAbsolute(path) ? path : resolve(cwd, path)}`;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
