// Builds the JavaScript that `bin/tranche.js` runs: src/cli/main.ts and everything it imports, in one
// ES module (dist/cli/main.js), npm packages left as imports of node_modules. Running compiled
// JavaScript instead of the TypeScript sources through tsx saves the daemon ~55 MB of resident
// memory (tsx's loader runs on its own thread, with its own V8 isolate, and keeps every transpiled
// module). Run by `npm ci` (the `prepare` script), by the Dockerfile, and by bin/tranche.js itself
// when a file under src/ is newer than the bundle.
//
// The bundle sits two directories below the root, as the sources do (src/<dir>/<file>.ts), so that
// the paths resolved relative to import.meta.url (../../templates/, ../../prisma/) name the same files.
//
// Concurrent builds (CLI processes started together) are safe: each writes its own temporary file and
// renames it into place, so a reader sees the old bundle or the new one, never a partial one.
import { mkdirSync, renameSync, rmSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { newestSourceMtime } from "../bin/freshness.js";

const root = fileURLToPath(new URL("..", import.meta.url));
export const BUNDLE = join(root, "dist", "cli", "main.js");

/** Builds the bundle; its mtime is set to the newest source's, as read before building. */
export async function buildBundle() {
  const sourcesMtime = newestSourceMtime(root);
  mkdirSync(dirname(BUNDLE), { recursive: true });
  const temporary = `${BUNDLE}.${process.pid}-${Date.now()}.tmp`;
  try {
    await build({
      entryPoints: [join(root, "src", "cli", "main.ts")],
      outfile: temporary,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      // Readable stack traces: names kept, not minified.
      keepNames: true,
      logLevel: "warning",
      banner: { js: "// Built by scripts/build.mjs from src/: do not edit." },
    });
    // A source saved while the build ran is newer than this, and triggers the next rebuild.
    const seconds = sourcesMtime / 1000;
    utimesSync(temporary, seconds, seconds);
    renameSync(temporary, BUNDLE);
  } finally {
    rmSync(temporary, { force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildBundle();
