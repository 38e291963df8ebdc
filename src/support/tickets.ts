import { type FreeMailList, sameCompany } from "../access/rules.ts";
import { organisationalDomain } from "../addresses/organisation.ts";
import { type Replay, replayCalculation } from "../calculations/replay.ts";
import {
  findPublicIds,
  recentCalculationsOf,
  type StoredCalculation,
  toStored,
} from "../calculations/store.ts";
import type { Prisma } from "../db/client.ts";
import { type DbOrTx, inTransaction } from "../db/transaction.ts";
import type { EngineOptions } from "../engine/compute.ts";
import type { Notification } from "../notifications/notification.ts";
import { fold } from "../text/fold.ts";
import { formatRecordNumber, parseRecordNumber } from "../text/record-number.ts";
import type { TicketCategory } from "./category.ts";

/** A contact@ message as intake read it: the facts triage needs, never the raw email. */
export interface ContactMessage {
  sender: string;
  /** Whether the sender is authenticated (SPEC §3): an unauthenticated one gets no acknowledgment. */
  authenticated: boolean;
  subject: string;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  /** The text as read (quoted parts included: a quoted result names its calculation). */
  text: string;
  /** The claimed InboundMessage row, attached to the ticket. */
  inboundMessageId: number | null;
}

export interface TicketRef {
  id: number;
  /** Display number, e.g. T-000042. */
  number: string;
}

export type LinkedBy = "in-reply-to" | "public-id" | "reference";

export interface TicketOutcome {
  ticket: TicketRef;
  /** The message joined an existing ticket (same thread) instead of opening one. */
  joined: boolean;
  /** A follow-up reopened a closed ticket. */
  reopened: boolean;
  /** Calculations linked by this message (links already present are not repeated). */
  linked: { publicId: string; linkedBy: LinkedBy }[];
  /** The acknowledgment to send, if any. */
  notification: Notification | null;
  /**
   * The sender opened ACKNOWLEDGED_TICKETS_PER_HOUR tickets within the hour already: this message
   * joined their latest open ticket (or opened one), and is not acknowledged.
   */
  limited: boolean;
}

/**
 * New tickets acknowledged per sender and hour. Beyond it the sender is most likely a machine
 * answering each acknowledgment with a new, unthreaded message (a helpdesk's own « accusé de
 * réception », an auto-responder without headers): acknowledging it again would loop.
 */
export const ACKNOWLEDGED_TICKETS_PER_HOUR = 10;
const HOUR = 60 * 60 * 1000;

export class TicketNotFoundError extends Error {
  constructor(id: number) {
    super(`ticket ${formatTicketNumber(id)} introuvable`);
  }
}

export const formatTicketNumber = (id: number): string => formatRecordNumber("T", id);

/** Accepts what support types: `T-000042`, `t-42`, `42`, `n°42`. */
export const parseTicketNumber = (text: string): number | null => parseRecordNumber("T", text);

/**
 * Files a contact@ message (SPEC §8). A follow-up — its In-Reply-To/References name a message
 * already attached to a ticket, or an email we sent about one (the acknowledgment), or its subject
 * carries the ticket's number — joins that
 * ticket when it comes from the same party (the sender, or a colleague: sameCompany); a closed ticket is then reopened,
 * since the sender is still waiting for something. Anyone else quoting the thread gets a ticket of
 * their own: their message must not reopen another company's ticket nor be told its number.
 * Otherwise a new ticket is opened. Either way the calculations the message concerns are linked,
 * and the message is attached. The acknowledgment goes to authenticated senders of a new or
 * reopened ticket only: a follow-up to an open ticket needs none, a forged sender must get none.
 */
export async function openOrJoinTicket(
  db: DbOrTx,
  message: ContactMessage & { category: TicketCategory },
  now: Date,
  options: {
    /** Send the acknowledgment when due (default true). */
    acknowledge?: boolean;
    /**
     * Outside a thread, join the sender's latest ticket of the same category that is still open
     * (for messages over the rate limit: a flood makes one ticket, not hundreds).
     */
    joinOpenTicketOfSender?: boolean;
    /**
     * The free-mail list: colleagues of one company (same organisational domain, not free mail)
     * share their tickets and calculations. Without it only the same address does.
     */
    freeMail?: FreeMailList;
  } = {},
): Promise<TicketOutcome> {
  const sender = message.sender.trim().toLowerCase();
  const threadIds = messageIdVariants([message.inReplyTo, ...message.references]);
  return inTransaction(db, async (tx) => {
    // One party to a ticket: the sender, or a colleague of the same company.
    const party = (other: string | null) => sameCompany(other, sender, options.freeMail);
    // A From that was not authenticated may be forged: its mail never joins the real sender's
    // tickets (a forged message would otherwise take over their dispute), nor theirs its ones.
    const joinable = (ticket: FoundTicket) =>
      party(ticket.sender) && ticket.authenticated === message.authenticated;
    // Several requests of one message, kept pending, share its ticket of their category.
    const own =
      message.inboundMessageId === null
        ? null
        : await tx.inboundMessage.findUnique({
            where: { id: message.inboundMessageId },
            select: { ticket: { select: { id: true, category: true } } },
          });
    let existingId =
      (own?.ticket?.category === message.category ? own.ticket.id : null) ??
      (await threadTicket(tx, threadIds, message.inboundMessageId, joinable)) ??
      (await openTicketOnRepliedResult(tx, threadIds, joinable)) ??
      (await numberedTicket(tx, message.subject, joinable));
    // Outside a thread, unauthenticated mail from one address makes one ticket per category (an
    // access review stays one support can approve), not one per message.
    // The sender's latest ticket still open (of one category, or any).
    const latestOpen = async (category?: TicketCategory) => {
      const open = await tx.ticket.findFirst({
        where: { sender, authenticated: message.authenticated, category, status: { not: "closed" } },
        orderBy: { id: "desc" },
        select: { id: true },
      });
      return open?.id ?? null;
    };
    if (existingId === null && (options.joinOpenTicketOfSender || !message.authenticated))
      existingId = await latestOpen(message.category);
    const wantsAcknowledgment = (options.acknowledge ?? true) && message.authenticated;
    let limited = false;
    if (existingId === null && wantsAcknowledgment) {
      const opened = await tx.ticket.count({
        where: { sender, authenticated: true, createdAt: { gte: new Date(now.getTime() - HOUR) } },
      });
      if (opened >= ACKNOWLEDGED_TICKETS_PER_HOUR) {
        limited = true;
        existingId = await latestOpen();
      }
    }
    let ticketId: number;
    let reopened = false;
    if (existingId !== null) {
      const existing = await tx.ticket.findUniqueOrThrow({ where: { id: existingId } });
      reopened = existing.status === "closed";
      // A dispute in a thread that began as a question is a dispute: support sorts by category.
      const disputed = message.category === "dispute" && DISPUTABLE.has(existing.category);
      await tx.ticket.update({
        where: { id: existingId },
        data: {
          status: "open",
          closedAt: null,
          updatedAt: now,
          ...(disputed ? { category: "dispute" } : {}),
        },
      });
      ticketId = existingId;
    } else {
      const created = await tx.ticket.create({
        data: {
          category: message.category,
          status: "open",
          sender,
          authenticated: message.authenticated,
          organisation: organisationalDomain(sender),
          subject: message.subject.trim() || "(sans objet)",
          createdAt: now,
          updatedAt: now,
        },
      });
      ticketId = created.id;
    }
    if (message.inboundMessageId !== null) {
      await tx.inboundMessage.update({ where: { id: message.inboundMessageId }, data: { ticketId } });
    }
    // By reference only for an authenticated sender: the calculations looked at are the sender's.
    const linked = await linkCalculations(
      tx,
      ticketId,
      message.authenticated ? sender : null,
      threadIds,
      `${message.subject}\n${message.text}`,
    );
    const ticket = { id: ticketId, number: formatTicketNumber(ticketId) };
    const acknowledge = wantsAcknowledgment && !limited && (existingId === null || reopened);
    let notification: Notification | null = null;
    if (acknowledge) {
      const row = await tx.ticket.findUniqueOrThrow({
        where: { id: ticketId },
        include: { calculations: { include: { calculation: true } } },
      });
      notification = {
        template: "ticket-ack",
        to: [sender],
        inReplyTo: message.messageId,
        facts: {
          ticketNumber: ticket.number,
          category: row.category as TicketCategory,
          sender,
          originalSubject: message.subject.trim() || null,
          // Only the sender's own calculations, or their company's, are named back to them.
          calculations: row.calculations
            .map((link) => link.calculation)
            .filter((c) => party(c.sender) || party(c.recipient))
            .sort((a, b) => a.id - b.id)
            .map((c) => ({ publicId: c.publicId, reference: c.reference })),
        },
      };
    }
    return { ticket, joined: existingId !== null, reopened, linked, notification, limited };
  });
}

/** A ticket as the finders see it: whether a message may join it. */
interface FoundTicket {
  id: number;
  sender: string;
  authenticated: boolean;
}

const FOUND = { id: true, sender: true, authenticated: true } as const;

/** Categories a dispute joining the thread replaces (an access review stays one). */
const DISPUTABLE = new Set(["question", "other"]);

/** Message-IDs are stored as read; match them with and without angle brackets. */
function messageIdVariants(ids: (string | null)[]): string[] {
  const variants = new Set<string>();
  for (const raw of ids) {
    const id = raw?.trim().replace(/^<|>$/g, "");
    if (!id) continue;
    variants.add(id);
    variants.add(`<${id}>`);
  }
  return [...variants];
}

/**
 * A second reply to the same result email (answering the result again, not the first reply) joins
 * the party's ticket still open about that calculation instead of opening another one.
 */
async function openTicketOnRepliedResult(
  tx: Prisma.TransactionClient,
  threadIds: string[],
  joinable: (ticket: FoundTicket) => boolean,
): Promise<number | null> {
  if (!threadIds.length) return null;
  const open = await tx.ticket.findMany({
    where: {
      status: { not: "closed" },
      calculations: { some: { calculation: { resultMessageId: { in: threadIds } } } },
    },
    orderBy: { id: "desc" },
    take: THREAD_CANDIDATES,
    select: FOUND,
  });
  return open.find(joinable)?.id ?? null;
}

/** Thread messages looked at to find the ticket a follow-up belongs to (latest first). */
const THREAD_CANDIDATES = 20;

/**
 * The ticket whose number the subject carries, as the acknowledgment asks ("… [T-000042]"), for a
 * follow-up written as a new message: joined only by the same party, like a thread.
 */
async function numberedTicket(
  tx: Prisma.TransactionClient,
  subject: string,
  joinable: (ticket: FoundTicket) => boolean,
): Promise<number | null> {
  // Six digits at least: formatTicketNumber pads the id to six, and ids grow past them.
  const match = /(?<![\p{L}\p{N}])T-?(\d{6,10})(?!\p{N})/iu.exec(subject);
  const id = Number(match?.[1]);
  // No ticket beyond the id column's range (a 32-bit integer): not a number of ours, never a query.
  if (!match || id > MAX_ID) return null;
  const ticket = await tx.ticket.findUnique({ where: { id }, select: FOUND });
  return ticket && joinable(ticket) ? ticket.id : null;
}

const MAX_ID = 2_147_483_647;

/** The latest ticket of the thread the message may join; null when none. */
async function threadTicket(
  tx: Prisma.TransactionClient,
  threadIds: string[],
  selfId: number | null,
  joinable: (ticket: FoundTicket) => boolean,
): Promise<number | null> {
  if (!threadIds.length) return null;
  const inbound = await tx.inboundMessage.findMany({
    where: {
      messageId: { in: threadIds },
      ticketId: { not: null },
      ...(selfId === null ? {} : { id: { not: selfId } }),
    },
    orderBy: { id: "desc" },
    take: THREAD_CANDIDATES,
    select: { ticket: { select: FOUND } },
  });
  const own = inbound.find((m) => m.ticket && joinable(m.ticket));
  if (own?.ticket) return own.ticket.id;
  const sent = await tx.outboxMessage.findMany({
    where: { messageId: { in: threadIds }, inbound: { ticketId: { not: null } } },
    orderBy: { id: "desc" },
    take: THREAD_CANDIDATES,
    select: { inbound: { select: { ticket: { select: FOUND } } } },
  });
  return sent.find((m) => m.inbound?.ticket && joinable(m.inbound.ticket))?.inbound?.ticket?.id ?? null;
}

async function linkCalculations(
  tx: Prisma.TransactionClient,
  ticketId: number,
  /** The sender whose calculations the text may name by reference; null when it may be forged. */
  sender: string | null,
  threadIds: string[],
  text: string,
): Promise<{ publicId: string; linkedBy: LinkedBy }[]> {
  const found = new Map<number, { publicId: string; linkedBy: LinkedBy }>();
  if (threadIds.length) {
    const replied = await tx.calculation.findMany({ where: { resultMessageId: { in: threadIds } } });
    for (const c of replied) found.set(c.id, { publicId: c.publicId, linkedBy: "in-reply-to" });
  }
  const quoted = findPublicIds(text);
  if (quoted.length) {
    const rows = await tx.calculation.findMany({ where: { publicId: { in: quoted } } });
    for (const c of rows)
      if (!found.has(c.id)) found.set(c.id, { publicId: c.publicId, linkedBy: "public-id" });
  }
  if (sender)
    for (const c of referencedCalculations(await recentCalculationsOf(tx, sender), text))
      if (!found.has(c.id)) found.set(c.id, { publicId: c.publicId, linkedBy: "reference" });
  const existing = new Set(
    (await tx.ticketCalculation.findMany({ where: { ticketId }, select: { calculationId: true } })).map(
      (l) => l.calculationId,
    ),
  );
  const added: { publicId: string; linkedBy: LinkedBy }[] = [];
  for (const [calculationId, link] of found) {
    if (existing.has(calculationId)) continue;
    await tx.ticketCalculation.create({ data: { ticketId, calculationId, linkedBy: link.linkedBy } });
    added.push(link);
  }
  return added;
}

/** References shorter than this are too likely to appear by chance ("CH", "IRM"). */
const MIN_REFERENCE_LENGTH = 4;

/** The newest of the sender's calculations for each reference the text mentions. */
export function referencedCalculations(calculations: StoredCalculation[], text: string): StoredCalculation[] {
  const folded = ` ${fold(text).replace(/[^\p{L}\p{N}]+/gu, " ")} `;
  const seen = new Set<string>();
  const matches: StoredCalculation[] = [];
  for (const c of calculations) {
    const reference = fold(c.reference)
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim();
    if (reference.length < MIN_REFERENCE_LENGTH || seen.has(reference)) continue;
    if (!folded.includes(` ${reference} `)) continue;
    seen.add(reference);
    matches.push(c);
  }
  return matches;
}

export interface TicketSummary {
  id: number;
  number: string;
  category: string;
  status: string;
  sender: string;
  /** False when its From was not authenticated (it may be forged). */
  authenticated: boolean;
  organisation: string | null;
  subject: string;
  createdAt: Date;
  updatedAt: Date;
  messages: number;
  calculations: number;
}

export async function listTickets(
  db: DbOrTx,
  filter: { status?: string; category?: string } = {},
): Promise<TicketSummary[]> {
  const rows = await db.ticket.findMany({
    where: {
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.category ? { category: filter.category } : {}),
    },
    orderBy: { id: "desc" },
    include: { _count: { select: { messages: true, calculations: true } } },
  });
  return rows.map((t) => ({
    id: t.id,
    number: formatTicketNumber(t.id),
    category: t.category,
    status: t.status,
    sender: t.sender,
    authenticated: t.authenticated,
    organisation: t.organisation,
    subject: t.subject,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    messages: t._count.messages,
    calculations: t._count.calculations,
  }));
}

export interface TicketDetail {
  id: number;
  number: string;
  category: string;
  status: string;
  sender: string;
  /** False when its From was not authenticated (it may be forged). */
  authenticated: boolean;
  organisation: string | null;
  subject: string;
  createdAt: Date;
  closedAt: Date | null;
  closeNote: string | null;
  messages: {
    id: number;
    mailbox: string;
    messageId: string | null;
    fromAddress: string | null;
    subject: string | null;
    receivedAt: Date;
    status: string;
    decision: string | null;
    /** Raw content, null once purged by the retention job. */
    raw: Uint8Array | null;
    /** `raw` is only the message's beginning: it was over the size read (SizeLimit). */
    truncated: boolean;
    /** What the service sent about this message (acknowledgment, result, access confirmations). */
    sent: {
      messageId: string;
      kind: string;
      recipients: string;
      status: string;
      createdAt: Date;
      sentAt: Date | null;
    }[];
  }[];
  calculations: (StoredCalculation & {
    linkedBy: LinkedBy;
    dataset: { id: number; label: string; importedAt: Date } | null;
  })[];
  accessRequests: {
    id: number;
    action: string;
    email: string;
    newEmail: string | null;
    status: string;
    reason: string | null;
  }[];
}

export async function getTicket(db: DbOrTx, id: number): Promise<TicketDetail> {
  const t = await db.ticket.findUnique({
    where: { id },
    include: {
      messages: {
        orderBy: { id: "asc" },
        include: {
          accessRequests: true,
          outbox: {
            orderBy: { id: "asc" },
            select: {
              messageId: true,
              kind: true,
              recipients: true,
              status: true,
              createdAt: true,
              sentAt: true,
            },
          },
        },
      },
      calculations: { include: { calculation: true }, orderBy: { calculationId: "asc" } },
    },
  });
  if (!t) throw new TicketNotFoundError(id);
  const datasetIds = [...new Set(t.calculations.map((l) => l.calculation.datasetId))];
  const datasets = await db.dataset.findMany({
    where: { id: { in: datasetIds } },
    select: { id: true, label: true, importedAt: true },
  });
  return {
    id: t.id,
    number: formatTicketNumber(t.id),
    category: t.category,
    status: t.status,
    sender: t.sender,
    authenticated: t.authenticated,
    organisation: t.organisation,
    subject: t.subject,
    createdAt: t.createdAt,
    closedAt: t.closedAt,
    closeNote: t.closeNote,
    messages: t.messages.map((m) => ({
      id: m.id,
      mailbox: m.mailbox,
      messageId: m.messageId,
      fromAddress: m.fromAddress,
      subject: m.subject,
      receivedAt: m.receivedAt,
      status: m.status,
      decision: m.decision,
      raw: m.raw,
      truncated: tooLarge(m.summary),
      sent: m.outbox,
    })),
    calculations: t.calculations.map((link) => ({
      ...toStored(link.calculation)!,
      linkedBy: link.linkedBy as LinkedBy,
      dataset: datasets.find((d) => d.id === link.calculation.datasetId) ?? null,
    })),
    accessRequests: t.messages.flatMap((m) =>
      m.accessRequests.map((r) => ({
        id: r.id,
        action: r.action,
        email: r.email,
        newEmail: r.newEmail,
        status: r.status,
        reason: r.reason,
      })),
    ),
  };
}

/**
 * A ticket whose access requests still wait for a decision: closed, it would leave their requesters
 * unanswered while support believes the matter settled. Closing it anyway takes `keepPending`.
 */
export class PendingAccessRequestsError extends Error {
  constructor(
    readonly ticket: TicketRef,
    readonly requestIds: number[],
  ) {
    super(`ticket ${ticket.number}: ${requestIds.length} access request(s) still pending`);
  }
}

/**
 * Closes a ticket with an optional note; closing a closed ticket keeps its first closing. Refused
 * while an access request of the ticket is pending, unless `keepPending` (the request then stays in
 * `tranche access pending`).
 */
export async function closeTicket(
  db: DbOrTx,
  id: number,
  options: { note?: string; now: Date; keepPending?: boolean },
): Promise<{ ticket: TicketRef; alreadyClosed: boolean }> {
  return inTransaction(db, async (tx) => {
    const ticket = await tx.ticket.findUnique({ where: { id } });
    if (!ticket) throw new TicketNotFoundError(id);
    const ref = { id, number: formatTicketNumber(id) };
    if (ticket.status === "closed") return { ticket: ref, alreadyClosed: true };
    if (!options.keepPending) {
      const pending = await tx.accessRequest.findMany({
        where: { status: "pending", inbound: { ticketId: id } },
        select: { id: true },
        orderBy: { id: "asc" },
      });
      if (pending.length > 0)
        throw new PendingAccessRequestsError(
          ref,
          pending.map((r) => r.id),
        );
    }
    await tx.ticket.update({
      where: { id },
      data: {
        status: "closed",
        closedAt: options.now,
        closeNote: options.note?.trim() || null,
        updatedAt: options.now,
      },
    });
    return { ticket: ref, alreadyClosed: false };
  });
}

/** Re-runs every calculation a ticket concerns on the active dataset, with what changed and why. */
export async function recomputeTicket(db: DbOrTx, id: number, options: EngineOptions): Promise<Replay[]> {
  const ticket = await db.ticket.findUnique({
    where: { id },
    include: { calculations: { include: { calculation: true }, orderBy: { calculationId: "asc" } } },
  });
  if (!ticket) throw new TicketNotFoundError(id);
  const replays: Replay[] = [];
  for (const link of ticket.calculations)
    replays.push(await replayCalculation(db, toStored(link.calculation)!, options));
  return replays;
}

/** Whether intake found the message too large to read: its mailbox then kept only its beginning. */
function tooLarge(summary: string | null): boolean {
  try {
    return JSON.parse(summary ?? "null")?.unreadable?.reason === "message-too-large";
  } catch {
    return false;
  }
}
