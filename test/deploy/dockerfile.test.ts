import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, waitFor } from "../servers/ports.ts";

// No Docker engine runs here, so the image's own steps are replayed as CI can: the files its final
// stage copies, its production `npm ci`, its environment, its command and its HEALTHCHECK, read from
// the Dockerfile itself so that the two cannot drift apart.
const ROOT = join(import.meta.dirname, "..", "..");
const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8").replace(/\\\n\s*/g, " ");
const finalStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));

function instructions(text: string, keyword: string): string[] {
  return [...text.matchAll(new RegExp(`^${keyword}\\s+(.+)$`, "gm"))].map((m) => m[1]!.trim());
}

const copied = instructions(finalStage, "COPY")
  .filter((line) => !line.startsWith("--from"))
  .flatMap((line) => line.split(/\s+/).slice(0, -1));
const install = instructions(dockerfile, "RUN").find((line) => line.startsWith("npm ci"))!;
// The final stage's own build steps (the bundle bin/tranche.js runs); mkdir/chown are the image's.
const builds = instructions(finalStage, "RUN").filter((line) => line.startsWith("node "));
const env = Object.fromEntries(
  instructions(finalStage, "ENV").flatMap((line) =>
    [...line.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const),
  ),
);
const command = JSON.parse(instructions(finalStage, "CMD")[0]!) as string[];
const healthcheck = instructions(finalStage, "HEALTHCHECK")[0]!.replace(/^.*?CMD\s+/, "");

let app: string;
let daemon: ChildProcess | null = null;

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), "tranche-image-"));
  for (const path of copied) cpSync(join(ROOT, path), join(app, path), { recursive: true });
  // `npm ci --omit=dev …` && `npm cache clean --force`: the install only (the cache is the machine's).
  execFileSync("sh", ["-c", install.split("&&")[0]!], { cwd: app, stdio: "ignore" });
  for (const build of builds) execFileSync("sh", ["-c", build], { cwd: app, stdio: "ignore" });
}, 180_000);

afterAll(async () => {
  if (daemon && daemon.exitCode === null) daemon.kill("SIGKILL");
  rmSync(app, { recursive: true, force: true });
});

describe("the production image's steps", () => {
  it("copies what the service needs, installs without dev dependencies", () => {
    expect(copied).toEqual(expect.arrayContaining(["bin", "src", "prisma", "templates", "config"]));
    expect(install).toContain("--omit=dev");
    expect(existsSync(join(app, "node_modules", "vitest"))).toBe(false);
    expect(existsSync(join(app, "node_modules", "tsx"))).toBe(true);
    expect(existsSync(join(app, "dist", "cli", "main.js"))).toBe(true);
  });

  it("starts the daemon with its command, passes its health check, answers, and stops on SIGTERM", async () => {
    const port = await freePort();
    const varDir = join(app, "var");
    const bundle = join(app, "dist", "cli", "main.js");
    const bundleMtime = statSync(bundle).mtimeMs;
    daemon = spawn(command[0]!, command.slice(1), {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        ...env,
        DATABASE_URL: `file:${join(varDir, "tranche.db")}`,
        TRANCHE_MAIL_ROOT: join(varDir, "mail"),
        TRANCHE_HTTP_HOST: "127.0.0.1",
        TRANCHE_HTTP_PORT: String(port),
        TRANCHE_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    daemon.stderr!.on("data", (chunk) => {
      stderr += chunk;
    });
    const check = healthcheck.replaceAll(String(env.TRANCHE_HTTP_PORT), String(port));
    const healthy = () => {
      try {
        execFileSync("sh", ["-c", check], { stdio: "ignore" });
        return true;
      } catch {
        return false;
      }
    };
    await waitFor("the HEALTHCHECK to pass", healthy, 60_000);

    cpSync(join(ROOT, "examples", "demande-acces.eml"), join(varDir, "mail", "contact", "new", "1.eml"));
    const sent = join(varDir, "mail", "sent");
    await waitFor(
      "the access confirmations",
      () => existsSync(sent) && readdirSync(sent).length === 2,
      30_000,
    );

    const exited = new Promise<number | null>((resolve) => daemon!.once("exit", resolve));
    daemon.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
    // It ran the bundle the image built, as it was: not rebuilt (in the image /app is not writable by
    // its user), and not the sources through tsx (bin/tranche.js says so on stderr).
    expect(statSync(bundle).mtimeMs).toBe(bundleMtime);
  });
});
