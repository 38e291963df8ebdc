import type { DbOrTx } from "../db/transaction.ts";

/**
 * What a store decided should be emailed: the caller renders the named template with the facts and
 * enqueues it (in the same transaction). Stores never send mail themselves.
 */
export type Notification =
  | AccessNotification<
      "access-granted",
      { email: string; organisation: string; outcome: "granted" | "already-authorised"; decidedBy: string }
    >
  | AccessNotification<
      "access-changed",
      { email: string; newEmail: string; organisation: string; decidedBy: string }
    >
  | AccessNotification<
      "access-revoked",
      { email: string; outcome: "revoked" | "not-authorised"; decidedBy: string }
    >
  | AccessNotification<
      "access-pending",
      {
        action: AccessActionName;
        email: string;
        newEmail: string | null;
        requestId: number;
        /** The access-review ticket support will decide it in. */
        ticketNumber: string;
      }
    >
  | AccessNotification<
      "access-refused",
      {
        action: AccessActionName;
        email: string;
        newEmail: string | null;
        requestId: number;
        /** Support's reason, to be shown to the requester. */
        reason: string;
        decidedBy: string;
      }
    >
  | {
      template: "ticket-ack";
      to: string[];
      /** Message-ID of the message answered (threading), when there is one. */
      inReplyTo: string | null;
      facts: {
        ticketNumber: string;
        category: TicketCategory;
        subject: string;
        /** Public ids (TR-YYYY-NNNNNN) of the calculations the ticket concerns. */
        calculations: string[];
        /** True when a follow-up reopened a closed ticket. */
        reopened: boolean;
      };
    };

export type NotificationTemplate = Notification["template"];
export type AccessActionName = "grant" | "change" | "revoke";
export type TicketCategory = "access-review" | "dispute" | "question" | "other";
export const TICKET_CATEGORIES: readonly TicketCategory[] = ["access-review", "dispute", "question", "other"];

interface AccessNotification<T extends string, F> {
  template: T;
  /** Requester first, then the address(es) concerned when different; never empty. */
  to: string[];
  /** Message-ID of the request (threading), when it came by email. */
  inReplyTo: string | null;
  facts: F;
}

/** Hands notifications to whoever renders and enqueues them, inside the caller's transaction. */
export type Notify = (tx: DbOrTx, notifications: Notification[]) => Promise<void>;
