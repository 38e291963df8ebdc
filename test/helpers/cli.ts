import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tranche …` as an operator would (`node bin/tranche.js`), from the repository root. */
export function runTranche(args: string[], env: Record<string, string> = {}, input?: string): CliRun {
  const result = spawnSync(process.execPath, ["bin/tranche.js", ...args], {
    cwd: root,
    env: { ...process.env, TRANCHE_LOG_LEVEL: "silent", ...env },
    encoding: "utf8",
    input,
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
