// Whether dist/cli/main.js (scripts/build.mjs) is up to date with the sources it is built from.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** The newest mtime (whole ms) among src/ (files and directories: a deletion or rename counts) and the build script. */
export function newestSourceMtime(root) {
  let newest = 0;
  const visit = (path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(join(root, "src"));
  visit(join(root, "scripts", "build.mjs"));
  return Math.floor(newest);
}

/** The bundle exists and no source is newer (the build gives it the mtime of the newest source). */
export function bundleIsFresh(root, bundle) {
  try {
    // Whole milliseconds: utimes() does not keep the nanoseconds of the sources' mtimes.
    return Math.round(statSync(bundle).mtimeMs) >= newestSourceMtime(root);
  } catch {
    return false;
  }
}
