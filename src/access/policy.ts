import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { type AccessPolicy, parseFreeMailList } from "./rules.ts";

/** The service's own directory (two levels above this file, in the sources and in the bundle alike). */
const SERVICE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The access policy as configured: auto-approval, and the free-mail list read from its file once.
 * A relative path names a file of the service (`config/free-mail-domains.txt`), wherever the
 * command is run from.
 */
export function loadAccessPolicy(
  config: Pick<Config, "accessAutoApprove" | "freeMailDomainsFile">,
  root = SERVICE_ROOT,
): AccessPolicy {
  const path = resolve(root, config.freeMailDomainsFile);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`freeMailDomainsFile: ${path} illisible (${(error as Error).message})`);
  }
  return { autoApprove: config.accessAutoApprove, freeMail: parseFreeMailList(text) };
}
