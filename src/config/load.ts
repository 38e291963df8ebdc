import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { resolveDatabaseUrl } from "../db/database-url.ts";
import { type Config, configSchema, type SettingKey, settings } from "./schema.ts";

export class ConfigError extends Error {}

const FRENCH_MESSAGES = z.locales.fr().localeError;

/**
 * Defaults, then `config/tranche.json` (or TRANCHE_CONFIG), then environment variables: env wins.
 * Invalid settings stop the program with every problem listed.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  // Set but empty counts as unset, as for every other variable (`TRANCHE_CONFIG=` in a compose file).
  const named = env.TRANCHE_CONFIG?.trim() || null;
  const file = resolve(cwd, named ?? "config/tranche.json");
  let fromFile: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new ConfigError(`${file} : JSON invalide (${(error as Error).message})`);
    }
    if (typeof fromFile !== "object" || fromFile === null || Array.isArray(fromFile))
      throw new ConfigError(`${file} : un objet JSON { "réglage": valeur, … } attendu`);
  } else if (named) {
    throw new ConfigError(`TRANCHE_CONFIG=${named} : fichier introuvable`);
  }
  const misspelt = unknownVariables(env);
  if (misspelt.length)
    throw new ConfigError(`variable(s) d'environnement inconnue(s) : ${misspelt.join(", ")}`);
  const fromEnv: Record<string, string> = {};
  for (const [key, { env: name }] of Object.entries(settings) as [SettingKey, { env: string }][]) {
    const value = env[name];
    if (value !== undefined && value !== "") fromEnv[key] = value;
  }
  const merged = { ...fromFile, ...fromEnv };
  const unknown = Object.keys(fromFile).filter((k) => !(k in settings) && k !== "$comment");
  if (unknown.length) throw new ConfigError(`${file} : réglage(s) inconnu(s) ${unknown.join(", ")}`);
  // zod's own messages in French, like the rest of the CLI; the schema's are French already.
  const parsed = configSchema.safeParse(merged, { error: FRENCH_MESSAGES });
  const sourceOf = (key: string) => (key in fromEnv ? settings[key as SettingKey].env : `${key} (${file})`);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `  ${sourceOf(String(issue.path[0] ?? ""))} : ${issue.message}`);
  // A CA file that cannot be read is as invalid as a malformed URL: said here, with the rest, rather
  // than as a stack trace when the daemon builds its transports.
  const caFile = typeof merged.tlsCaFile === "string" ? merged.tlsCaFile.trim() : "";
  const caProblem = caFile ? unreadableFile(resolve(cwd, caFile)) : null;
  if (caProblem)
    problems.push(
      `  ${sourceOf("tlsCaFile")} : ${caProblem} : un fichier PEM de certificat(s) lisible attendu`,
    );
  if (!parsed.success || problems.length)
    throw new ConfigError(`configuration invalide :\n${problems.join("\n")}`);
  const config = parsed.data;
  return {
    ...config,
    databaseUrl: resolveDatabaseUrl(config.databaseUrl, cwd),
    ...(config.tlsCaFile ? { tlsCaFile: resolve(cwd, config.tlsCaFile) } : {}),
  };
}

/** Why a file cannot be read, or null when it can. */
function unreadableFile(path: string): string | null {
  try {
    if (!statSync(path).isFile()) return `${path} n'est pas un fichier`;
    readFileSync(path);
    return null;
  } catch (error) {
    return `${path} illisible (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
}

/** Variables of the `TRANCHE_` family read elsewhere than in the settings. */
const OTHER_VARIABLES = new Set(["TRANCHE_CONFIG", "TRANCHE_OPERATOR"]);

/**
 * `TRANCHE_` variables no setting reads, each with the likely one meant: a typo
 * (`TRANCHE_RETENTION_DAY=30`) would otherwise leave the default in force without a word, as the
 * config file's unknown keys are refused for.
 */
function unknownVariables(env: NodeJS.ProcessEnv): string[] {
  const known: string[] = Object.values(settings).map((s) => s.env);
  return Object.keys(env)
    .filter((name) => name.startsWith("TRANCHE_") && !known.includes(name) && !OTHER_VARIABLES.has(name))
    .sort()
    .map((name) => {
      const [closest] = known
        .map((k) => ({ k, d: editDistance(name, k) }))
        .sort((a, b) => a.d - b.d)
        .filter((c) => c.d <= 3);
      return closest ? `${name} (${closest.k} ?)` : name;
    });
}

/** Levenshtein distance, for names of a few dozen characters. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
