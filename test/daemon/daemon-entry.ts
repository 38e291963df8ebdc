// The daemon as its own process, configured by environment like `tranche daemon`, with the tests'
// reply handler in place of the real pipeline: the crash tests SIGKILL it at random moments.
import pino from "pino";
import { loadConfig } from "../../src/config/load.ts";
import { createDaemon } from "../../src/daemon/runtime.ts";
import { openDatabase } from "../../src/db/client.ts";
import { replyHandler } from "../helpers/reply-handler.ts";

const config = loadConfig();
const db = await openDatabase(config.databaseUrl);
const logger = pino({ level: config.logLevel });
const daemon = createDaemon(db, config, replyHandler(), logger);
await daemon.start();
process.stdout.write("ready\n");
process.once("SIGTERM", () => {
  daemon
    .stop()
    .then(() => db.$disconnect())
    .then(() => process.exit(0));
});
