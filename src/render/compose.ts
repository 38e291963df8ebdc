import { randomUUID } from "node:crypto";
import MailComposer from "nodemailer/lib/mail-composer";
import type { RenderedEmail } from "./renderer.ts";

/** The message being answered, as far as threading needs it. */
export interface RequestThread {
  /** Its Message-ID, with or without angle brackets; null when it had none. */
  messageId: string | null;
  /** Its References header, split into ids. */
  references: string[];
}

export interface ComposeInput {
  email: RenderedEmail;
  /** The service's sender, e.g. no-reply@…: its domain names our Message-IDs. */
  from: string;
  to: string;
  /** Support's mailbox (contact@…), so that an answer reaches a person and threads to this email. */
  replyTo: string;
  /** The request this email answers; null for an email that answers nothing. */
  inReplyTo: RequestThread | null;
  /** Fixed in tests and previews; otherwise a new id and the current time. */
  messageId?: string;
  date?: Date;
}

export interface ComposedMessage {
  /** With angle brackets, as in the header. */
  messageId: string;
  raw: Buffer;
}

// A long thread must not grow the header without bound: keep the thread root and the latest ids.
const MAX_REFERENCES = 20;

function bracket(id: string): string {
  const bare = id.trim().replace(/^<|>$/g, "");
  return `<${bare}>`;
}

/** A new Message-ID in the domain of the sender address. */
export function newMessageId(from: string): string {
  const domain = from.slice(from.lastIndexOf("@") + 1);
  return `<${randomUUID()}@${domain}>`;
}

function threadReferences(thread: RequestThread): string[] {
  const ids = [...thread.references, ...(thread.messageId ? [thread.messageId] : [])].map(bracket);
  const unique = [...new Set(ids)];
  if (unique.length <= MAX_REFERENCES) return unique;
  return [unique[0]!, ...unique.slice(unique.length - (MAX_REFERENCES - 1))];
}

/**
 * The complete outgoing RFC 5322 message (HTML with a plain-text alternative, UTF-8, CRLF), marked as
 * an automatic reply so that well-behaved systems never answer it and ours never answers itself.
 */
export async function composeMessage(input: ComposeInput): Promise<ComposedMessage> {
  const messageId = input.messageId ? bracket(input.messageId) : newMessageId(input.from);
  const references = input.inReplyTo ? threadReferences(input.inReplyTo) : [];
  const inReplyTo = input.inReplyTo?.messageId ? bracket(input.inReplyTo.messageId) : undefined;
  const composer = new MailComposer({
    from: input.from,
    to: input.to,
    replyTo: input.replyTo,
    subject: input.email.subject,
    messageId,
    date: input.date ?? new Date(),
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(references.length ? { references } : {}),
    text: input.email.text,
    html: input.email.html,
    headers: {
      "Auto-Submitted": "auto-replied",
      "X-Loop": input.from,
      // Exchange and Outlook: no out-of-office or other automatic answer to this message.
      "X-Auto-Response-Suppress": "All",
    },
    newline: "win",
  });
  const raw = await composer.compile().build();
  return { messageId, raw };
}
