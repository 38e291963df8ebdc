import { promises as dns } from "node:dns";
import { setFlagsFromString } from "node:v8";
import type { Command } from "commander";
import pino from "pino";
import { loadAccessPolicy } from "../access/policy.ts";
import { rateLimitsOf } from "../calculations/rate-limit.ts";
import type { Config } from "../config/schema.ts";
import { createPipeline } from "../daemon/pipeline.ts";
import { createDaemon, ensureReferenceData } from "../daemon/runtime.ts";
import type { Db } from "../db/client.ts";
import { createRenderer, type Renderer } from "../render/renderer.ts";
import { withConfig, withDatabase } from "./context.ts";

/**
 * V8 settings of the long-running daemon, applied in-process so that they hold however it is started
 * (`npm start`, `npx tranche daemon`, the image), before the database client exists. Both trade a
 * little CPU for resident memory (measured in bench/daemon.ts, README "Running the daemon"):
 *
 * - Prisma's query compiler is a 3 MB WebAssembly module. V8 compiles it with its baseline
 *   compiler (Liftoff), then recompiles the functions that get hot with its optimising one
 *   (TurboFan) on background threads, whose memory (~50 MB here) the process keeps. The compiler
 *   only runs for query shapes not yet in Prisma's plan cache, so the optimised code buys no
 *   measurable throughput: a budget this large keeps it on Liftoff (it still tiers up, if ever, a
 *   function that has run for ~2 GB of code).
 * - The old generation is allowed to grow to 1.5× the live heap after a full collection instead of
 *   up to 4×: without it, the promoted garbage of a backlog (messages alive across a few I/O waits)
 *   takes the heap from ~45 MB live to ~165 MB before the next full collection. No hard limit:
 *   the heap still grows as far as the live data needs.
 */
const DAEMON_V8_FLAGS = ["--wasm-tiering-budget=2147483647", "--heap-growing-percent=50"];

export function registerDaemonCommand(program: Command): void {
  program
    .command("daemon")
    .description(
      "relève les boîtes contact et soumissions, traite chaque message une fois, envoie les réponses",
    )
    .action(() =>
      withConfig(async () => {
        for (const flag of DAEMON_V8_FLAGS) setFlagsFromString(flag);
        // Templates first: the MJML compiler's worker thread peaks before the database client is
        // loaded, so the start-up peak of memory stays below the running daemon's.
        const renderer = await createRenderer();
        await withDatabase((db, config) => runDaemon(db, config, renderer));
      }),
    );
}

async function runDaemon(db: Db, config: Config, renderer: Renderer): Promise<void> {
  // Structured logs on stdout; message bodies are never logged.
  const logger = pino({ level: config.logLevel, base: { service: "tranche" } });
  if (config.authMode === "trust-from") {
    logger.warn("TRANCHE_AUTH_MODE=trust-from: senders are NOT authenticated (demo mode only)");
  }
  const handler = createPipeline({
    config,
    logger,
    renderer,
    policy: loadAccessPolicy(config),
    rateLimits: rateLimitsOf(config),
    ...(config.authMode === "verify"
      ? { resolver: (name: string, type: string) => dns.resolve(name, type as "TXT") }
      : {}),
  });
  // Under the daemon's lock: a second daemon started beside this one is refused before it loads anything.
  const daemon = createDaemon(db, config, handler, logger, () => ensureReferenceData(db, config, logger));
  await daemon.start();
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, "stopping");
      // A stop that hangs (a relay that takes its time over DATA) ends the process anyway, saying so:
      // an email the relay accepts after the exit is still leased, and goes out again at the next start.
      setTimeout(() => {
        logger.error(
          { signal },
          "stop did not finish within 10 s: exiting now; emails being sent may be delivered again",
        );
        logger.flush?.();
        process.exit(1);
      }, 10_000).unref();
      daemon.stop().then(resolve, resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}
