import type { Prisma } from "../db/client.ts";
import { type DbOrTx, inTransaction } from "../db/transaction.ts";
import type { AccessRequest as ParsedAccessRequest } from "../intake/access-parser.ts";
import type { AccessActionName, Notification, NotificationFacts } from "../notifications/notification.ts";
import { type ContactMessage, openOrJoinTicket, type TicketRef } from "../support/tickets.ts";
import { formatRecordNumber, parseRecordNumber } from "../text/record-number.ts";
import { type AccessPolicy, type AccessReviewReason, judgeAccessRequest } from "./rules.ts";
import {
  type AccessActor,
  changeAccess,
  grantAccess,
  recordEvent,
  requireAddress,
  revokeAccess,
} from "./store.ts";

/** A request that is not pending any more, or does not exist: answered to the operator, not a crash. */
export class AccessRequestError extends Error {}

export interface AccessRequestRow {
  id: number;
  inboundMessageId: number | null;
  requester: string;
  action: string;
  email: string;
  newEmail: string | null;
  status: string;
  reason: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

/** What applying a request did to the authorised addresses. */
export type AppliedOutcome =
  | "granted"
  | "already-authorised"
  | "revoked"
  | "not-authorised"
  | "changed"
  | "unchanged";

/**
 * Receives a support decision's confirmations inside its transaction, with the received message
 * (the request) they answer: queued with it, they show in its ticket and a reply to one of them
 * finds that ticket (src/support/tickets.ts). A `Notify` is one too.
 */
export type DecisionNotify = (
  tx: DbOrTx,
  notifications: Notification[],
  answering: { inboundMessageId: number | null },
) => Promise<void>;

export type AccessRequestHandling =
  | { status: "approved"; requestId: number; outcome: AppliedOutcome; notifications: Notification[] }
  | {
      status: "pending";
      requestId: number;
      reason: AccessReviewReason;
      ticket: TicketRef;
      notifications: Notification[];
    };

/**
 * An access request read from a contact@ message (SPEC §4): judged by the pure rules, then either
 * applied at once (decided by `rule:<rule>`) or kept pending for support, with an access-review
 * ticket. Returns the emails to send; an unauthenticated sender gets none (no backscatter).
 */
export async function handleAccessRequest(
  db: DbOrTx,
  input: { message: ContactMessage; request: ParsedAccessRequest; policy: AccessPolicy; now: Date },
): Promise<AccessRequestHandling> {
  const { message, request, now } = input;
  const judged = judgeAccessRequest(
    {
      action: request.action,
      email: request.email,
      newEmail: request.newEmail,
      sender: message.sender,
      authenticated: message.authenticated,
    },
    input.policy,
  );
  return inTransaction(db, async (tx) => {
    const decidedBy = judged.decision === "automatic" ? `rule:${judged.rule}` : null;
    const row = await tx.accessRequest.create({
      data: {
        inboundMessageId: message.inboundMessageId,
        requester: message.sender.trim().toLowerCase(),
        action: request.action,
        email: request.email.trim().toLowerCase(),
        newEmail: request.newEmail?.trim().toLowerCase() ?? null,
        // Decided by rule: approved and applied in this transaction.
        status: decidedBy ? "approved" : "pending",
        reason: judged.decision === "review" ? judged.reason : null,
        decidedBy,
        decidedAt: decidedBy ? now : null,
        createdAt: now,
      },
    });
    if (judged.decision === "automatic") {
      const { outcome, notifications } = await applyRequest(
        tx,
        row,
        message.messageId,
        `rule:${judged.rule}`,
        now,
      );
      return { status: "approved", requestId: row.id, outcome, notifications };
    }
    const { ticket } = await openOrJoinTicket(tx, { ...message, category: "access-review" }, now, {
      acknowledge: false,
      freeMail: input.policy.freeMail,
    });
    const notifications: Notification[] = message.authenticated
      ? [
          {
            template: "access-pending",
            to: [row.requester],
            inReplyTo: message.messageId,
            facts: {
              email: row.email,
              requester: row.requester,
              requestReference: formatAccessRequestNumber(row.id),
              ticketNumber: ticket.number,
              action: row.action as AccessActionName,
              newEmail: row.newEmail,
              reason: judged.reason,
            },
          },
        ]
      : [];
    return { status: "pending", requestId: row.id, reason: judged.reason, ticket, notifications };
  });
}

/** Pending requests, oldest first. */
export async function listPendingRequests(db: DbOrTx): Promise<AccessRequestRow[]> {
  return db.accessRequest.findMany({ where: { status: "pending" }, orderBy: { id: "asc" } });
}

/**
 * Support (or an operator) approves a pending request: it is applied, recorded with who decided,
 * its access-review ticket is closed (or left open: see ReviewTicketOutcome), and `notify` receives
 * the confirmations inside the same transaction (the daemon enqueues them; the CLI prints them).
 */
export async function approveAccessRequest(
  db: DbOrTx,
  id: number,
  options: { decidedBy: string; now: Date; notify?: DecisionNotify },
): Promise<{
  request: AccessRequestRow;
  outcome: AppliedOutcome;
  notifications: Notification[];
  ticket: ReviewTicketOutcome | null;
}> {
  return inDecisionTransaction(db, async (tx) => {
    const row = await claimPendingRequest(tx, id, {
      status: "approved",
      decidedBy: options.decidedBy,
      decidedAt: options.now,
    });
    const sourceMessageId = await sourceMessageIdOf(tx, row);
    const { outcome, notifications } = await applyRequest(
      tx,
      row,
      sourceMessageId,
      options.decidedBy,
      options.now,
    );
    const ticket = await closeReviewTicket(
      tx,
      row,
      `demande d'accès ${formatAccessRequestNumber(row.id)} approuvée par ${options.decidedBy}`,
      options.now,
    );
    await options.notify?.(tx, notifications, { inboundMessageId: row.inboundMessageId });
    const request = await tx.accessRequest.findUniqueOrThrow({ where: { id } });
    return { request, outcome, notifications, ticket };
  });
}

/**
 * Support denies a pending request, with a reason: recorded (request and audit event), the
 * access-review ticket closed (or left open: see ReviewTicketOutcome), and the requester told why —
 * unless the request was not authenticated, since its sender may be forged.
 */
export async function denyAccessRequest(
  db: DbOrTx,
  id: number,
  options: { decidedBy: string; reason: string; now: Date; notify?: DecisionNotify },
): Promise<{ request: AccessRequestRow; notifications: Notification[]; ticket: ReviewTicketOutcome | null }> {
  const reason = options.reason.trim();
  if (!reason) throw new AccessRequestError("un refus doit être motivé (--reason)");
  return inDecisionTransaction(db, async (tx) => {
    const row = await claimPendingRequest(tx, id, {
      status: "denied",
      decidedBy: options.decidedBy,
      decidedAt: options.now,
    });
    const sourceMessageId = await sourceMessageIdOf(tx, row);
    const unauthenticated = row.reason === "unauthenticated";
    // The review reason gives way to support's own (kept in the audit event below).
    const request = await tx.accessRequest.update({ where: { id }, data: { reason } });
    await recordEvent(tx, actorFor(row, sourceMessageId, options.decidedBy, options.now), {
      action: "deny",
      email: row.email,
      newEmail: row.newEmail,
      detail: JSON.stringify({ reviewReason: row.reason, reason }),
    });
    const ticket = await closeReviewTicket(
      tx,
      row,
      `demande d'accès ${formatAccessRequestNumber(row.id)} refusée par ${options.decidedBy} : ${reason}`,
      options.now,
    );
    const notifications: Notification[] = unauthenticated
      ? []
      : [
          {
            template: "access-refused",
            to: [row.requester],
            inReplyTo: sourceMessageId,
            facts: {
              email: row.email,
              requester: row.requester,
              requestReference: formatAccessRequestNumber(row.id),
              decidedBy: audienceOf(options.decidedBy),
              action: row.action as AccessActionName,
              newEmail: row.newEmail,
              reason: "support-decision",
              note: reason,
            },
          },
        ];
    await options.notify?.(tx, notifications, { inboundMessageId: row.inboundMessageId });
    return { request, notifications, ticket };
  });
}

/** Support decides while the daemon may hold SQLite's write lock: more than Prisma's 5 s to wait for it. */
const DECISION_TRANSACTION = { maxWait: 30_000, timeout: 30_000 };

function inDecisionTransaction<T>(
  db: DbOrTx,
  body: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  return "$disconnect" in db ? db.$transaction(body, DECISION_TRANSACTION) : inTransaction(db, body);
}

/**
 * Marks a pending request decided, as the decision's first statement: a conditional update, so that
 * of two decisions at once the second waits for the first to commit (row lock on PostgreSQL, write
 * lock on SQLite), then finds the request decided and says by whom, instead of applying it twice.
 */
async function claimPendingRequest(
  tx: Prisma.TransactionClient,
  id: number,
  decision: { status: "approved" | "denied"; decidedBy: string; decidedAt: Date },
): Promise<AccessRequestRow> {
  const { count } = await tx.accessRequest.updateMany({ where: { id, status: "pending" }, data: decision });
  const row = await tx.accessRequest.findUnique({ where: { id } });
  const number = formatAccessRequestNumber(id);
  if (!row) throw new AccessRequestError(`demande d'accès ${number} introuvable`);
  if (count === 0) {
    throw new AccessRequestError(
      `demande d'accès ${number} déjà ${row.status === "approved" ? "approuvée" : "refusée"} par ${row.decidedBy} le ${row.decidedAt?.toISOString()}`,
    );
  }
  return row;
}

async function sourceMessageIdOf(
  tx: Prisma.TransactionClient,
  row: AccessRequestRow,
): Promise<string | null> {
  if (row.inboundMessageId === null) return null;
  const inbound = await tx.inboundMessage.findUnique({
    where: { id: row.inboundMessageId },
    select: { messageId: true },
  });
  return inbound?.messageId ?? null;
}

function actorFor(
  row: AccessRequestRow,
  sourceMessageId: string | null,
  decidedBy: string,
  now: Date,
): AccessActor {
  return { decidedBy, requestedBy: row.requester, sourceMessageId, accessRequestId: row.id, now };
}

/**
 * Applies an access request (already marked approved); the confirmations say what actually
 * changed, and reach the addresses concerned only when their access changed.
 */
async function applyRequest(
  tx: Prisma.TransactionClient,
  row: AccessRequestRow,
  sourceMessageId: string | null,
  decidedBy: string,
  now: Date,
): Promise<{ outcome: AppliedOutcome; notifications: Notification[] }> {
  const actor = actorFor(row, sourceMessageId, decidedBy, now);
  const email = requireAddress(row.email);
  const common = {
    email,
    requester: row.requester,
    requestReference: formatAccessRequestNumber(row.id),
    decidedBy: audienceOf(decidedBy),
  };
  let outcome: AppliedOutcome;
  let notification: Notification;
  /** The addresses whose access this request changed. */
  let concerned: string[];
  if (row.action === "grant") {
    outcome = await grantAccess(tx, email, actor);
    notification = {
      template: "access-granted",
      to: [],
      inReplyTo: sourceMessageId,
      facts: { ...common, alreadyAuthorised: outcome === "already-authorised" },
    };
    concerned = outcome === "granted" ? [email] : [];
  } else if (row.action === "revoke") {
    outcome = await revokeAccess(tx, email, actor);
    notification = {
      template: "access-revoked",
      to: [],
      inReplyTo: sourceMessageId,
      facts: { ...common, wasNotAuthorised: outcome === "not-authorised" },
    };
    concerned = outcome === "revoked" ? [email] : [];
  } else if (row.action === "change" && row.newEmail) {
    const newEmail = requireAddress(row.newEmail);
    const change = await changeAccess(tx, email, newEmail, actor);
    outcome = change.outcome;
    const same = email === newEmail;
    const facts: NotificationFacts<"access-changed"> = {
      ...common,
      newEmail,
      // One address named twice is never revoked (src/access/store.ts): its side is the new one's.
      oldWasAuthorised: same ? change.newWasAuthorised : change.oldWasAuthorised,
      newWasAuthorised: change.newWasAuthorised,
    };
    notification = { template: "access-changed", to: [], inReplyTo: sourceMessageId, facts };
    const oldRevoked = !same && change.oldWasAuthorised;
    concerned = [...(oldRevoked ? [email] : []), ...(change.newWasAuthorised ? [] : [newEmail])];
  } else {
    throw new AccessRequestError(
      `demande d'accès ${formatAccessRequestNumber(row.id)} : action « ${row.action} » inapplicable`,
    );
  }
  // The requester always hears the outcome, even "nothing to change".
  notification.to = unique([row.requester, ...concerned]);
  return { outcome, notifications: [notification] };
}

/**
 * What became of the request's access-review ticket once decided: closed; left open for another
 * request on it still pending (a second request threaded to the first joins its ticket); or, once
 * the last is decided, left open under the category of a question or dispute a request's message
 * wrote beside it (SPEC §8: kept pending, that question lives only in this ticket, and closing it
 * would leave it unanswered).
 */
export type ReviewTicketOutcome =
  | { ticketId: number; status: "closed" }
  | { ticketId: number; status: "open"; category: "access-review"; stillPending: number[] }
  | { ticketId: number; status: "open"; category: "question" | "dispute" };

async function closeReviewTicket(
  tx: Prisma.TransactionClient,
  row: AccessRequestRow,
  note: string,
  now: Date,
): Promise<ReviewTicketOutcome | null> {
  if (row.inboundMessageId === null) return null;
  const inbound = await tx.inboundMessage.findUnique({
    where: { id: row.inboundMessageId },
    select: { ticketId: true },
  });
  const ticketId = inbound?.ticketId;
  if (ticketId == null) return null;
  const where = { id: ticketId, category: "access-review", status: { not: "closed" } };
  // Written first, to hold the ticket's row lock: of two decisions on its last two requests, the
  // second waits for the first to commit, then counts it decided (each sees the other pending otherwise).
  const { count } = await tx.ticket.updateMany({ where, data: { updatedAt: now } });
  if (count === 0) return null;
  const pending = await tx.accessRequest.findMany({
    where: { status: "pending", inbound: { ticketId } },
    orderBy: { id: "asc" },
    select: { id: true },
  });
  if (pending.length > 0)
    return { ticketId, status: "open", category: "access-review", stillPending: pending.map((r) => r.id) };
  const requestMessages = await tx.inboundMessage.findMany({
    where: { ticketId, accessRequests: { some: {} } },
    select: { summary: true },
  });
  const asides = requestMessages.map((m) => questionBeside(m.summary));
  const aside = asides.includes("dispute") ? "dispute" : asides.includes("question") ? "question" : null;
  if (aside) {
    await tx.ticket.update({ where: { id: ticketId }, data: { category: aside } });
    return { ticketId, status: "open", category: aside };
  }
  await tx.ticket.update({
    where: { id: ticketId },
    data: { status: "closed", closedAt: now, closeNote: note },
  });
  return { ticketId, status: "closed" };
}

/** The category of a question or dispute that intake read beside the access request (its summary). */
function questionBeside(summary: string | null): "question" | "dispute" | null {
  try {
    const category = JSON.parse(summary ?? "null")?.support?.category;
    return category === "question" || category === "dispute" ? category : null;
  } catch {
    return null;
  }
}

/** The number shown to people for an access request, e.g. A-000017. */
export const formatAccessRequestNumber = (id: number): string => formatRecordNumber("A", id);

/** Accepts what support types: `A-000017`, `a-17`, `17`, `n°17`. */
export const parseAccessRequestNumber = (text: string): number | null => parseRecordNumber("A", text);

/** Emails say whether a rule or a person decided, not who: `rule:*` is automatic, anyone else support. */
function audienceOf(decidedBy: string): "automatic" | "support" {
  return decidedBy.startsWith("rule:") ? "automatic" : "support";
}

function unique(addresses: string[]): string[] {
  return [...new Set(addresses.map((a) => a.trim().toLowerCase()))];
}
