#!/usr/bin/env -S node --max-semi-space-size=4 --v8-pool-size=1
// `tranche`: runs the compiled bundle of src/cli/main.ts (dist/cli/main.js, scripts/build.mjs), which
// `npm ci` builds. When a file under src/ is newer, the bundle is rebuilt first (~0.5 s); if that is
// not possible (read-only install without a bundle), the TypeScript sources run through tsx instead,
// which works the same but keeps ~55 MB more memory.
//
// --max-semi-space-size=4 (MB) bounds V8's young generation (16 MB semi-spaces by default): ~25 MB
// less resident memory for the daemon at no measured CPU cost. --v8-pool-size=1: one V8 helper
// thread (for concurrent GC and compilation) instead of four; on a small machine the four contended
// with the main thread for the cores (the daemon's backlog ran faster in 10 of 13 paired runs of
// bench/daemon.ts, median +13 %). Both can only be given on node's command line, so they are in
// each standard way of starting the daemon: this line (`npx tranche …`), `npm start` and the
// Dockerfile's CMD, which bench/daemon.ts runs.
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundleIsFresh } from "./freshness.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const bundle = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));

function rebuild() {
  const build = spawnSync(
    process.execPath,
    [fileURLToPath(new URL("../scripts/build.mjs", import.meta.url))],
    {
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
    },
  );
  if (build.status === 0) return true;
  const lines = (build.stderr || build.error?.message || `exit ${build.status ?? build.signal}`).split("\n");
  const why = (lines.find((line) => /error/i.test(line)) ?? lines[0]).trim();
  process.stderr.write(`tranche: cannot build dist/cli/main.js (${why}); running the sources with tsx\n`);
  return false;
}

if (bundleIsFresh(root, bundle) || rebuild()) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
