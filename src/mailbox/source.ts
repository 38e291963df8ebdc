import type { InboundMessageRef } from "../daemon/handler.ts";
import type { Mailbox } from "../intake/types.ts";

/**
 * Where a message goes once handled. processed: moved to `Processed` (IMAP) or `cur` (Maildir);
 * quarantined / failed: to `Quarantine` / `Failed`, for support; retry: left in place, tried again at
 * the next scan (the claim layer bounds the attempts).
 */
export type Disposition = "processed" | "quarantined" | "failed" | "retry";

/**
 * Handles one message; the source files it according to the answer. A source may hand over several
 * at once without waiting (they are handled in order, and may share a transaction).
 */
export type MessageConsumer = (message: InboundMessageRef) => Promise<Disposition>;

/**
 * A message the source gave up on without ever reading it (each FETCH of it ended the IMAP session):
 * never handed to the consumer; the daemon records it as failed, for support. `attempts`: the reads
 * that failed; `error`: why, and where the message now is.
 */
export interface UnreadMessage extends Pick<InboundMessageRef, "mailbox" | "uidValidity" | "uid"> {
  attempts: number;
  error: string;
}

/**
 * A message larger than `maxBytes` is read only up to `headBytes` (its header), with its full size:
 * intake answers it as too large (it would not be read past its header anyway), and neither the
 * source nor the database ever holds the rest — one 80 MB message made the daemon's memory peak
 * at ≈ 330 MB more than it started with, and was stored whole.
 */
export interface SizeLimit {
  maxBytes: number;
  headBytes: number;
}

/** connecting | connected | idle | backoff | stopped (MailboxState.state). */
export type SourceState = "connecting" | "connected" | "idle" | "backoff" | "stopped";

export interface SourceStatus {
  state: SourceState;
  uidValidity?: string;
  lastUid?: number;
  error?: string;
}

export interface MailboxSource {
  readonly mailbox: Mailbox;
  readonly kind: "imap" | "maildir";
  /**
   * Starts watching; every message present or arriving is passed to `consume`, or to `onUnread`
   * once given up on unread. Returns at once.
   */
  start(
    consume: MessageConsumer,
    onStatus: (status: SourceStatus) => void,
    onUnread?: (message: UnreadMessage) => Promise<void>,
  ): void;
  /** Asks for a scan now (the cron safety net calls it). */
  rescan(): void;
  /** Finishes the messages in hand, then closes. */
  stop(): Promise<void>;
}
