import { promises as dns } from "node:dns";
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

export function registerDaemonCommand(program: Command): void {
  program
    .command("daemon")
    .description(
      "relève les boîtes contact et soumissions, traite chaque message une fois, envoie les réponses",
    )
    .action(() =>
      withConfig(async () => {
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
  await ensureReferenceData(db, config, logger);
  const daemon = createDaemon(db, config, handler, logger);
  await daemon.start();
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, "stopping");
      // A second signal, or a stop that hangs, ends the process anyway.
      setTimeout(() => process.exit(1), 10_000).unref();
      daemon.stop().then(resolve, resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}
