import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { type AccessPolicy, parseFreeMailList } from "./rules.ts";

/** The access policy as configured: auto-approval, and the free-mail list read from its file once. */
export function loadAccessPolicy(
  config: Pick<Config, "accessAutoApprove" | "freeMailDomainsFile">,
  cwd = process.cwd(),
): AccessPolicy {
  const path = resolve(cwd, config.freeMailDomainsFile);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`freeMailDomainsFile: ${path} illisible (${(error as Error).message})`);
  }
  return { autoApprove: config.accessAutoApprove, freeMail: parseFreeMailList(text) };
}
