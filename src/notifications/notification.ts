import type { DbOrTx } from "../db/transaction.ts";
import type { TemplateData } from "../render/templates.ts";

/** The emails stores ask for. */
export type NotificationTemplate =
  | "access-granted"
  | "access-changed"
  | "access-revoked"
  | "access-pending"
  | "access-refused"
  | "ticket-ack";

/** Template fields that come from the configuration, filled at render time, not by the stores. */
export type ConfigFacts = "contactAddress" | "submissionAddress";

/** A template's data without its configuration fields: what a store knows. */
export type NotificationFacts<N extends NotificationTemplate> = Omit<TemplateData[N], ConfigFacts>;

/**
 * What a store decided should be emailed: the caller renders `template` with the facts plus the
 * configured addresses (`templateDataOf`) and enqueues it in the same transaction. Stores never
 * send mail themselves.
 */
export type Notification = {
  [N in NotificationTemplate]: {
    template: N;
    /** Requester first, then the address(es) concerned when different; never empty. */
    to: string[];
    /** Message-ID of the message answered (threading), when there is one. */
    inReplyTo: string | null;
    facts: NotificationFacts<N>;
  };
}[NotificationTemplate];

/** The full template data of a notification, with the configured support and submission addresses. */
export function templateDataOf<N extends NotificationTemplate>(
  notification: { template: N; facts: NotificationFacts<N> },
  addresses: { contactAddress: string; submissionAddress: string },
): TemplateData[N] {
  // Templates without a submissionAddress field simply ignore it.
  return { ...notification.facts, ...addresses } as unknown as TemplateData[N];
}

export type AccessActionName = "grant" | "change" | "revoke";

/** Hands notifications to whoever renders and enqueues them, inside the caller's transaction. */
export type Notify = (tx: DbOrTx, notifications: Notification[]) => Promise<void>;
