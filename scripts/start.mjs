// `npm start`: the main job on a fresh clone — installs the npm packages when they are missing, then
// runs the mail daemon in this process (so SIGTERM/SIGINT reach it directly). Embedded defaults:
// SQLite under ./var, Maildir folders under ./var/mail.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync("node_modules/.package-lock.json")) {
  const install = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (install.status !== 0) process.exit(install.status || 1);
}
process.argv = [process.argv[0], "tranche", "daemon", ...process.argv.slice(2)];
await import("../bin/tranche.js");
