import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import nodemailer from "nodemailer";
import MimeNode from "nodemailer/lib/mime-node";
import { hostOf } from "../config/server-url.ts";

/** One queued email as the transport sends it. */
export interface Envelope {
  id: number;
  messageId: string;
  envelopeFrom: string;
  recipients: string[];
  raw: Buffer;
}

/** How the server answered, or why it did not: `code` 4xx/5xx when the server gave one. */
export class SendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly response: string,
    /** The relay refused the session, not this email (connection, greeting, login, our sender). */
    readonly everyEmail = false,
  ) {
    super(message);
  }
}

export interface OutgoingTransport {
  readonly kind: "smtp" | "file";
  /** Resolves with the server's final response; rejects with a SendError. */
  send(envelope: Envelope): Promise<string>;
  /** Closes every connection, those in the middle of a send too: their sends fail. */
  abort(): void;
  close(): void;
}

/**
 * SMTP through nodemailer, pooled (smtp-server-like relays greet after a delay: one connection per
 * message would cost ~100 ms each). `smtps://` is TLS; `smtp://` upgrades with STARTTLS when offered,
 * or, with `requireStartTls` (see requireStartTls in config), ends the session before logging in
 * when the relay offers none.
 */
export function smtpTransport(
  url: string,
  options: { ca?: Buffer[]; maxConnections?: number; requireStartTls?: boolean } = {},
): OutgoingTransport {
  const parsed = new URL(url);
  const secure = parsed.protocol === "smtps:";
  const transport = nodemailer.createTransport({
    host: hostOf(parsed),
    port: Number(parsed.port) || (secure ? 465 : 587),
    secure,
    ...(parsed.username
      ? { auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } }
      : {}),
    ...(options.ca ? { tls: { ca: options.ca } } : {}),
    ...(options.requireStartTls && !secure ? { requireTLS: true } : {}),
    pool: true,
    maxConnections: options.maxConnections ?? 4,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    // Once a message is sent, the relay may take minutes to answer it (a content filter under
    // load): giving up on it sooner sent the reply again at the next retry, while the relay had
    // taken the first. RFC 5321 §4.5.3.2.6 asks for ten minutes, as Postfix waits; a relay that
    // hangs holds up one connection that long, and the replies behind it are late, not doubled.
    socketTimeout: 600_000,
  });
  // The pool itself takes the stored message: nodemailer's Mail layer (plugins, a MIME tree built
  // around the raw bytes, an extra stream) was ~0.2 ms of CPU per reply and changes nothing for a
  // message composed in full (src/render/compose.ts). The pool reads only this much of a mail
  // (nodemailer's transport interface: `send(mail, callback)`, `mail.message` a MIME node).
  const pool = transport.transporter as unknown as {
    send(mail: PooledMail, callback: (error: Error | null, info?: { response?: string }) => void): void;
  };
  return {
    kind: "smtp",
    async send(envelope) {
      try {
        const info = await new Promise<{ response?: string } | undefined>((resolve, reject) =>
          pool.send(pooledMail(envelope), (error, sent) => (error ? reject(error) : resolve(sent))),
        );
        return String(info?.response ?? "250 accepted");
      } catch (error) {
        const e = error as Error & {
          responseCode?: number;
          response?: string;
          code?: string;
          command?: string;
        };
        let response = e.response || `${e.code ?? "ERROR"} ${e.message}`;
        // The relay does not know STARTTLS (5xx: it offers none; a 454 is a failing TLS, which
        // clear text would not avoid): the row says why nothing goes and what to change.
        if (e.command === "STARTTLS" && options.requireStartTls && /^5/.test(e.response ?? ""))
          response = `${e.message}: not logging in without TLS (use smtps://, or TRANCHE_ALLOW_CLEAR_TEXT=true)`;
        // Only a 5xx refusing this message (its recipient, or its content) is final. A 5xx at the
        // greeting, the login (a stale password: 535) or MAIL FROM (our sender) would refuse every
        // reply alike: tried again, like timeouts, refused connections and 4xx, until it is fixed.
        const aboutThisMessage = (e.command === "RCPT TO" || e.command === "DATA") && !refusesUs(e.response);
        // An envelope nodemailer refuses before sending (no recipient, a bad address) never goes:
        // a dead letter for support, and no reason to stop the others. Its other refusals before
        // sending are about the session: a user without a password in the URL (« Missing
        // credentials », which made every reply a dead letter), a connection already destroyed.
        const badEnvelope = e.command === "API" && (e.code === "EENVELOPE" || e.code === "EMESSAGE");
        const permanent =
          badEnvelope || (aboutThisMessage && typeof e.responseCode === "number" && e.responseCode >= 500);
        throw new SendError(e.message, permanent, response.slice(0, 1000), !aboutThisMessage && !badEnvelope);
      }
    },
    abort: () =>
      (transport.transporter as unknown as { close(options: { force: boolean }): void }).close({
        force: true,
      }),
    close: () => transport.close(),
  };
}

/**
 * Words of a refusal about us, not the recipient nor the content, which refuses every reply alike:
 * the relay does not let us relay, or refuses our sender (X.1.7, X.1.8 of RFC 3463), our host or
 * our login's right to send as it. Postfix answers its client, HELO and sender restrictions at
 * RCPT TO (smtpd_delay_reject = yes); Microsoft 365 its send-as check, and the sending services
 * their check of our sender identity or account, at the end of DATA. A sandboxed account (SES,
 * Mailgun) is ours too: once it leaves the sandbox, the same reply goes.
 */
const ABOUT_US = new RegExp(
  [
    String.raw`\b[45]\.1\.[78]\b`,
    String.raw`\brelay(ing)?\b`,
    "sender address rejected|client host rejected|helo command rejected",
    "authenticat",
    // Microsoft 365: 5.7.60, « not allowed to send as », SendAsDeniedException.
    String.raw`\bsend ?as\b|sendasdenied|\b5\.7\.60\b`,
    // Amazon SES: our identity not verified in the region (or, in the sandbox, a recipient), sending paused.
    "email address is not verified|identities failed the check|sending paused for this account",
    // SendGrid; Mailgun; SMTP2GO and others naming our sender.
    "verified sender identity",
    String.raw`sandbox subdomains|\bdomain \S+ is not allowed to send`,
    String.raw`\b(from|sender)( header)?( sender)?( address| name| domain)? (is )?not (valid|verified)\b|\binvalid sender\b`,
  ].join("|"),
  "i",
);

/**
 * A refusal at RCPT TO or of the message in words about us (ABOUT_US): tried again like a 4xx
 * until it is fixed, rather than every reply made a dead letter to be put back by hand.
 */
function refusesUs(response: string | undefined): boolean {
  // Read without the addresses it quotes (« <relay@…> » names a recipient, not relaying). About the
  // recipient whatever the words: an address that is bad or unknown (X.1.1–X.1.6), or a Microsoft
  // 365 recipient's restriction (RESOLVER.RST: a group taking mail from its organisation only).
  const words = (response ?? "").replace(/<[^>]*>/g, "");
  if (/^\d{3}[ -][45]\.1\.[1-6]\b/.test(words) || /\bRESOLVER\.RST\./i.test(words)) return false;
  return ABOUT_US.test(words);
}

interface PooledMail {
  data: Record<string, never>;
  message: {
    getEnvelope(): { from: string; to: string[] };
    messageId(): string;
    getHeader(name: string): string | undefined;
    createReadStream(): PassThrough;
  };
}

/** Addresses SMTP takes as they are; anything else is normalised as nodemailer would (IDN, quoting). */
const PLAIN_ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$/;

function pooledMail(envelope: Envelope): PooledMail {
  const addresses = [envelope.envelopeFrom, ...envelope.recipients];
  const smtpEnvelope = addresses.every((a) => PLAIN_ADDRESS.test(a))
    ? { from: envelope.envelopeFrom, to: envelope.recipients }
    : (new MimeNode().setEnvelope({ from: envelope.envelopeFrom, to: envelope.recipients }).getEnvelope() as {
        from: string;
        to: string[];
      });
  return {
    data: {},
    message: {
      getEnvelope: () => ({ ...smtpEnvelope, to: [...smtpEnvelope.to] }),
      messageId: () => envelope.messageId,
      getHeader: (name) => (name.toLowerCase() === "message-id" ? envelope.messageId : undefined),
      createReadStream: () => {
        const stream = new PassThrough();
        stream.end(envelope.raw);
        return stream;
      },
    },
  };
}

/**
 * The embedded default when no SMTP URL is set: each email becomes `<dir>/<time>-<id>.eml`, written
 * under a temporary name then renamed, so a reader never sees half a file.
 */
export function fileTransport(dir: string): OutgoingTransport {
  mkdirSync(dir, { recursive: true });
  return {
    kind: "file",
    async send(envelope) {
      const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${envelope.id}.eml`;
      const tmp = join(dir, `.${name}.tmp`);
      const header = `X-Envelope-From: <${envelope.envelopeFrom}>\r\nX-Envelope-To: ${envelope.recipients.map((r) => `<${r}>`).join(", ")}\r\n`;
      writeFileSync(tmp, Buffer.concat([Buffer.from(header), envelope.raw]));
      renameSync(tmp, join(dir, name));
      return `written ${name}`;
    },
    abort() {},
    close() {},
  };
}
