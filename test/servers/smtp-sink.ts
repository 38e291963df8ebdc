import { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import type { TestCertificate } from "./tls.ts";

export interface ReceivedMail {
  envelopeFrom: string;
  recipients: string[];
  raw: Buffer;
  /** The Message-ID header, with angle brackets. */
  messageId: string | null;
  /** The In-Reply-To header, with angle brackets. */
  inReplyTo: string | null;
  /** Sent over TLS (STARTTLS) and authenticated as whom. */
  secure: boolean;
  user: string | null;
}

/** What the sink answers next; each fault is consumed once per message (or kept with `times: Infinity`). */
export interface Fault {
  at: "rcpt" | "data";
  code: 451 | 550 | 421 | 553 | 554;
  times: number;
  /** The text after the code (default « Injected fault at RCPT|DATA »), e.g. a relay's own words. */
  message?: string;
}

export interface SmtpSink {
  port: number;
  /** `smtp://user:pw@127.0.0.1:port` (STARTTLS offered). */
  url: string;
  received: ReceivedMail[];
  /** Logins refused so far (a wrong password). */
  readonly failedLogins: number;
  /** Logins tried so far, accepted or refused. */
  readonly logins: number;
  events: EventEmitter;
  /** Queue a fault for the next messages. */
  inject(fault: Fault): void;
  clearFaults(): void;
  /**
   * Holds the answer to the end of DATA of the message with this Message-ID (a relay's content
   * filter stuck on it) until `release()`; `arrived` resolves once its DATA is in.
   */
  hold(messageId: string): { arrived: Promise<void>; release(): void };
  /** Resolves once `count` messages in total have been accepted. */
  waitForCount(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  tls: TestCertificate;
  /** Relays each accepted message by LMTP to this Dovecot port (mailbox = local part of each recipient). */
  lmtpPort?: number;
  /** Maps a recipient to the Dovecot user that receives it (default: its local part). */
  lmtpRecipient?: (address: string) => string;
  port?: number;
  /** false: STARTTLS is not offered (a relay without TLS, or one an attacker stripped it from). */
  starttls?: boolean;
  /** How long it takes to answer the end of a message (a relay's content filter under load). */
  dataReplyDelayMs?: number;
}

export const SINK_USER = "daemon";
export const SINK_PASSWORD = "sink-pw";

function header(raw: Buffer, name: string): string | null {
  const head = raw.toString("utf8", 0, Math.min(raw.length, 64 * 1024)).split(/\r?\n\r?\n/)[0] ?? "";
  const match = head.match(new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, "im"));
  return match ? match[1]!.replace(/\r?\n[ \t]+/g, " ").trim() : null;
}

/**
 * An in-process SMTP server standing for the organisation's relay: STARTTLS, AUTH PLAIN/LOGIN,
 * records each message, answers injected faults, and optionally delivers by LMTP into Dovecot.
 */
export async function startSmtpSink(options: SmtpSinkOptions): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const faults: Fault[] = [];
  let failedLogins = 0;
  let logins = 0;
  const takeFault = (at: Fault["at"]): Fault | undefined => {
    const fault = faults.find((f) => f.at === at && f.times > 0);
    if (fault) fault.times--;
    return fault;
  };
  const holds = new Map<string, { arrive: () => void; released: Promise<void>; release: () => void }>();
  const lmtp = options.lmtpPort
    ? nodemailer.createTransport({ host: "127.0.0.1", port: options.lmtpPort, lmtp: true, pool: true })
    : null;

  const server = new SMTPServer({
    secure: false,
    ...(options.starttls === false ? { disabledCommands: ["STARTTLS"] } : {}),
    key: options.tls.key,
    cert: options.tls.cert,
    authMethods: ["PLAIN", "LOGIN"],
    authOptional: false,
    allowInsecureAuth: true,
    logger: false,
    // Pooled clients keep connections open: do not wait 30 s for them on close.
    closeTimeout: 500,
    onAuth(auth, _session, callback) {
      logins++;
      if (auth.username === SINK_USER && auth.password === SINK_PASSWORD) callback(null, { user: SINK_USER });
      else {
        failedLogins++;
        callback(new Error("Invalid username or password"));
      }
    },
    onRcptTo(_address, _session, callback) {
      const fault = takeFault("rcpt");
      if (fault) {
        const error = Object.assign(new Error(fault.message ?? "Injected fault at RCPT"), {
          responseCode: fault.code,
        });
        callback(error);
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", async () => {
        if (options.dataReplyDelayMs)
          await new Promise((resolve) => setTimeout(resolve, options.dataReplyDelayMs));
        const held = holds.get(header(Buffer.concat(chunks), "Message-ID") ?? "");
        if (held) {
          held.arrive();
          await held.released;
        }
        const fault = takeFault("data");
        if (fault) {
          callback(
            Object.assign(new Error(fault.message ?? "Injected fault at DATA"), { responseCode: fault.code }),
          );
          return;
        }
        const raw = Buffer.concat(chunks);
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        try {
          if (lmtp) {
            const map = options.lmtpRecipient ?? ((a: string) => a.slice(0, a.indexOf("@")));
            await lmtp.sendMail({ envelope: { from: envelopeFrom, to: recipients.map(map) }, raw });
          }
        } catch (error) {
          callback(
            Object.assign(new Error(`LMTP relay failed: ${(error as Error).message}`), { responseCode: 451 }),
          );
          return;
        }
        const mail: ReceivedMail = {
          envelopeFrom,
          recipients,
          raw,
          messageId: header(raw, "Message-ID"),
          inReplyTo: header(raw, "In-Reply-To"),
          secure: session.secure,
          user: typeof session.user === "string" ? session.user : null,
        };
        received.push(mail);
        events.emit("mail", mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  server.on("error", () => {});
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://${SINK_USER}:${SINK_PASSWORD}@127.0.0.1:${port}`,
    received,
    get failedLogins() {
      return failedLogins;
    },
    get logins() {
      return logins;
    },
    events,
    inject: (fault) => faults.push({ ...fault }),
    clearFaults: () => {
      faults.length = 0;
    },
    hold(messageId) {
      let arrive = () => {};
      let release = () => {};
      const arrived = new Promise<void>((resolve) => {
        arrive = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      holds.set(messageId, { arrive, released, release });
      return { arrived, release };
    },
    waitForCount(count, timeoutMs = 30_000) {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          events.off("mail", listener);
          reject(new Error(`SMTP sink: ${received.length} of ${count} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        const listener = () => {
          if (received.length >= count) {
            clearTimeout(timer);
            events.off("mail", listener);
            resolve();
          }
        };
        events.on("mail", listener);
      });
    },
    async close() {
      for (const held of holds.values()) held.release();
      lmtp?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export { header as headerOf };
