import type { Envelope, OutgoingTransport } from "../../src/outbox/transport.ts";

/** A transport that accepts everything and keeps what it was given (for outbox tests without SMTP). */
export function recordingTransport(sent: Envelope[], options: { delayMs?: number } = {}): OutgoingTransport {
  return {
    kind: "smtp",
    async send(envelope) {
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      sent.push(envelope);
      return "250 2.0.0 queued";
    },
    abort() {},
    close() {},
  };
}
