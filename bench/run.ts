// `npm run bench`: every benchmark of the service, figures and ratios measured in this one run.
// Each benchmark runs in its own process so that its peak memory is its own.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchDaemon } from "./daemon.ts";
import { benchEngine } from "./engine.ts";
import { benchIntake } from "./intake.ts";
import { benchReferenceImport } from "./reference-import.ts";
import { benchRender } from "./render.ts";

const benches: Record<string, () => Promise<void>> = {
  engine: benchEngine,
  import: benchReferenceImport,
  render: benchRender,
  intake: benchIntake,
  daemon: benchDaemon,
};

const [name] = process.argv.slice(2);
if (name) {
  const bench = benches[name];
  if (!bench) throw new Error(`unknown benchmark ${name}; one of: ${Object.keys(benches).join(", ")}`);
  await bench();
} else {
  console.log(`node ${process.version}, ${new Date().toISOString()}\n`);
  const runner = fileURLToPath(new URL("../bin/run-ts.js", import.meta.url));
  for (const bench of Object.keys(benches)) {
    const run = spawnSync(process.execPath, [runner, fileURLToPath(import.meta.url), bench], {
      stdio: "inherit",
    });
    if (run.status !== 0) process.exitCode = 1;
    console.log();
  }
}
