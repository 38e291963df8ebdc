import type { Logger } from "pino";
import type { Config } from "../config/schema.ts";
import type { MessageHandler } from "./handler.ts";

export interface PipelineDeps {
  config: Config;
  logger: Logger;
}

/** Raised at start-up while the intake → decide → render chain is not wired into the daemon. */
export class PipelineNotWiredError extends Error {}

/**
 * The real per-message pipeline: intake (authenticate, detect loops, classify, parse) → decide
 * (access rules, tranche engine, triage) → render, returning the emails to queue. Its parts are built
 * on other branches; until they are joined here the daemon refuses to start rather than answer
 * anything made up.
 */
export function createPipeline(_deps: PipelineDeps): MessageHandler {
  throw new PipelineNotWiredError(
    "le traitement des messages (intake → decide → render) n'est pas encore branché dans src/daemon/pipeline.ts",
  );
}
