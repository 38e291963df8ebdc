// One scan's worth of claims in a process of its own, as the daemon does them, over three
// messages: the handler ends the process outright on the second (standing for an out-of-memory
// kill on a hostile attachment), as a crash would. The poison test runs it again and again.
import { claimAndProcessAll } from "../../src/daemon/claim.ts";
import { openDatabase } from "../../src/db/client.ts";
import { replyHandler, requestEmail } from "../helpers/reply-handler.ts";

const db = await openDatabase(process.env.DATABASE_URL!);
const base = replyHandler();
const messages = ["p1", "poison", "p3"].map((name, i) => ({
  mailbox: "submissions" as const,
  uidValidity: "1",
  uid: String(i + 1),
  raw: Buffer.from(requestEmail(name)),
}));
const results = await claimAndProcessAll(
  db,
  async (message, tx) => {
    if (message.uid === "2") process.kill(process.pid, "SIGKILL");
    return base(message, tx);
  },
  messages,
  { maxAttempts: 3 },
);
process.stdout.write(`${JSON.stringify(results.map((r) => r.disposition))}\n`);
await db.$disconnect();
