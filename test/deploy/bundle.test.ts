import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// bin/tranche.js runs dist/cli/main.js (scripts/build.mjs), rebuilt when a source is newer, and the
// TypeScript sources through tsx when it cannot be built. Exercised on a copy of the repository.
const ROOT = join(import.meta.dirname, "..", "..");
let app: string;
let bundle: string;

const tranche = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/tranche.js", ...args], { cwd: app, encoding: "utf8" });

/**
 * `tranche preview result`: reads templates/ and config/ relative to the code, compiles the MJML in
 * a worker thread; the same email whether the bundle or the sources run.
 */
function preview(out: string) {
  const run = tranche("preview", "result", "--out", join(app, out));
  return { ...run, html: run.status === 0 ? readFileSync(join(app, out, "result.html"), "utf8") : "" };
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), "tranche-bundle-"));
  for (const path of ["bin", "scripts", "src", "prisma", "templates", "config", "package.json"])
    cpSync(join(ROOT, path), join(app, path), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(app, "node_modules"));
  bundle = join(app, "dist", "cli", "main.js");
});

afterAll(() => {
  rmSync(app, { recursive: true, force: true });
});

describe("the bundle bin/tranche.js runs", () => {
  it("is built when missing, then reused as long as no source is newer", () => {
    const first = preview("var/a");
    expect(first.stderr).toBe("");
    expect(first.html).toContain("Calcul de la tranche de financement");
    const built = statSync(bundle).mtimeMs;
    expect(tranche("--help").status).toBe(0);
    expect(statSync(bundle).mtimeMs).toBe(built);
  });

  it("is rebuilt when a source changes, safely by concurrent processes", async () => {
    const source = join(app, "src", "cli", "main.ts");
    const later = Date.now() / 1000 + 5;
    utimesSync(source, later, later);
    const runs = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, ["bin/tranche.js", "--help"], { cwd: app });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (chunk) => {
              stdout += chunk;
            });
            child.stderr.on("data", (chunk) => {
              stderr += chunk;
            });
            child.once("exit", (code) => resolve({ code, stdout, stderr }));
          }),
      ),
    );
    for (const run of runs) {
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("Usage: tranche");
    }
    expect(Math.round(statSync(bundle).mtimeMs)).toBeGreaterThanOrEqual(Math.floor(later * 1000) - 1);
  }, 30_000);

  it("falls back to the sources through tsx, saying so, when it cannot be built", () => {
    rmSync(join(app, "dist"), { recursive: true, force: true });
    mkdirSync(join(app, "dist"));
    writeFileSync(join(app, "dist", "cli"), "not a directory");
    const run = preview("var/b");
    expect(run.stderr).toMatch(
      /^tranche: cannot build dist\/cli\/main\.js \(.+\); running the sources with tsx\n$/,
    );
    expect(run.status).toBe(0);
    expect(run.html).toBe(readFileSync(join(app, "var", "a", "result.html"), "utf8"));
  });
});
