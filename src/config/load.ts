import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { resolveDatabaseUrl } from "../db/database-url.ts";
import { type Config, configSchema, type SettingKey, settings } from "./schema.ts";

export class ConfigError extends Error {}

/**
 * Defaults, then `config/tranche.json` (or TRANCHE_CONFIG), then environment variables: env wins.
 * Invalid settings stop the program with every problem listed.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const file = resolve(cwd, env.TRANCHE_CONFIG ?? "config/tranche.json");
  let fromFile: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`);
    }
  } else if (env.TRANCHE_CONFIG) {
    throw new ConfigError(`TRANCHE_CONFIG=${env.TRANCHE_CONFIG}: file not found`);
  }
  const fromEnv: Record<string, string> = {};
  for (const [key, { env: name }] of Object.entries(settings) as [SettingKey, { env: string }][]) {
    const value = env[name];
    if (value !== undefined && value !== "") fromEnv[key] = value;
  }
  const merged = { ...fromFile, ...fromEnv };
  const unknown = Object.keys(fromFile).filter((k) => !(k in settings) && k !== "$comment");
  if (unknown.length) throw new ConfigError(`${file}: unknown setting(s) ${unknown.join(", ")}`);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "");
      const source = key in fromEnv ? settings[key as SettingKey].env : key;
      return `  ${source}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${problems.join("\n")}`);
  }
  const config = parsed.data;
  return { ...config, databaseUrl: resolveDatabaseUrl({ DATABASE_URL: config.databaseUrl }) };
}
