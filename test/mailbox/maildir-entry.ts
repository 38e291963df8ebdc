// One scan of a Maildir by a process of its own, run by the Maildir test without root's right to
// read any file whatever its mode: prints the UIDs handed over and the statuses, as JSON.
import { MaildirSource } from "../../src/mailbox/maildir.ts";
import type { SourceStatus } from "../../src/mailbox/source.ts";

const source = new MaildirSource("submissions", process.env.MAILDIR!, { settleMs: 0, pollMs: 60_000 });
const seen: string[] = [];
const statuses: SourceStatus[] = [];
await new Promise<void>((resolve) =>
  source.start(
    async (message) => {
      seen.push(message.uid);
      return "processed";
    },
    (status) => {
      statuses.push(status);
      if (status.state === "idle" || status.error) resolve();
    },
  ),
);
await source.stop();
process.stdout.write(`${JSON.stringify({ seen, statuses })}\n`);
