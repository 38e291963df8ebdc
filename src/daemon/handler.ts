import type { Prisma } from "../db/client.ts";
import type { Mailbox } from "../intake/types.ts";
import type { OutgoingEmail } from "../outbox/outgoing.ts";

export type { OutgoingEmail } from "../outbox/outgoing.ts";

/** A transaction on the service database (the handler writes its own rows with it). */
export type Tx = Prisma.TransactionClient;

/** One message read from a mailbox, identified as the mailbox source sees it. */
export interface InboundMessageRef {
  mailbox: Mailbox;
  /** IMAP UIDVALIDITY as text, or "maildir". */
  uidValidity: string;
  /** IMAP UID as text, or the Maildir file's unique name. */
  uid: string;
  /** The complete RFC 5322 bytes, or only their beginning when `size` is set. */
  raw: Buffer;
  /**
   * Set when the message is over the size read (see SizeLimit): its full size. `raw` then holds its
   * first bytes only (the header), enough to answer it as too large.
   */
  size?: number;
}

export interface HandlerOutcome {
  /** processed: acted on; ignored: nothing to do (automated mail…); quarantined: kept for support. */
  status: "processed" | "ignored" | "quarantined";
  /** What was decided (reply-result, ticket, ignore-automated, …), for support and `tranche status`. */
  decision: string;
  /** What intake read, never the body (stored as JSON on the InboundMessage row). */
  summary?: object;
  outgoing: OutgoingEmail[];
  /** When it was decided, on the handler's clock: `outgoing` is queued at that time (enqueueEmails). */
  at: Date;
}

/**
 * The per-message pipeline (intake → decide → render). It runs inside the claim transaction: the
 * rows it writes with `tx` (calculations, tickets…), the InboundMessage status and the outbox rows
 * for `outgoing` are committed together, or not at all. It must not send anything itself nor touch
 * the mailbox; throwing rolls everything back and counts as a failed attempt.
 */
export type MessageHandler = (
  message: InboundMessageRef & { inboundId: number },
  tx: Tx,
) => Promise<HandlerOutcome>;
