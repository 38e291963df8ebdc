import type { DNSResolver } from "mailauth";
import type { Logger } from "pino";
import { handleAccessRequest } from "../access/requests.ts";
import type { AccessPolicy } from "../access/rules.ts";
import { isAuthorised } from "../access/store.ts";
import { checkCalculationRate, type RateLimits } from "../calculations/rate-limit.ts";
import { answeredCopy, recordCalculation } from "../calculations/store.ts";
import type { Config } from "../config/schema.ts";
import type { DbOrTx } from "../db/transaction.ts";
import { type Decision, decide, decideAccessBeside } from "../decide/decision.ts";
import { intakeContextFromConfig } from "../intake/context.ts";
import { readInbound } from "../intake/intake.ts";
import { summariseIntake } from "../intake/summary.ts";
import type { Intake } from "../intake/types.ts";
import { countRecentReplies, repliedCopy } from "../outbox/outgoing.ts";
import { calculate } from "../reference/calculate.ts";
import type { RequestThread } from "../render/compose.ts";
import { EmailComposer } from "../render/outgoing.ts";
import type { Renderer } from "../render/renderer.ts";
import { rateLimitedAck } from "../render/ticket-view.ts";
import { type ContactMessage, openOrJoinTicket } from "../support/tickets.ts";
import { accessAskedIn, otherMailboxCopies } from "./copies.ts";
import type { HandlerOutcome, MessageHandler } from "./handler.ts";
import { helpData, type ReplySettings, unauthorisedData } from "./replies.ts";

export interface PipelineDeps {
  config: Config;
  logger: Logger;
  /** Templates compiled once at start-up. */
  renderer: Renderer;
  /** Auto-approval and the free-mail list, read once at start-up. */
  policy: AccessPolicy;
  rateLimits: RateLimits;
  /** DNS for the `verify` authentication mode. */
  resolver?: DNSResolver;
  /** The clock (fixed in tests). */
  now?: () => Date;
}

/**
 * The per-message pipeline: intake (authenticate, detect loops, classify, parse) → decide (access
 * rules, tranche engine, triage) → apply with the stores → render the replies. It runs inside the
 * daemon's claim transaction, so the calculation, ticket or access rows it writes and the replies it
 * returns are committed together with the claim — or not at all.
 */
export function createPipeline(deps: PipelineDeps): MessageHandler {
  const { config, renderer, policy } = deps;
  const now = deps.now ?? (() => new Date());
  const settings: ReplySettings = {
    contactAddress: config.contactAddress,
    submissionAddress: config.submissionAddress,
    maxIdentifiers: config.maxIdentifiers,
    maxBodyBytes: config.maxBodyBytes,
  };
  const contexts = {
    contact: intakeContextFromConfig(config, "contact", deps.resolver),
    submissions: intakeContextFromConfig(config, "submissions", deps.resolver),
  };

  return async (message, tx) => {
    const at = now();
    const intake = await readInbound(message.raw, contexts[message.mailbox], message.size);
    const log = deps.logger.child({ inboundId: message.inboundId, mailbox: message.mailbox });
    if (intake.authentication.warning) log.warn({ from: intake.from }, intake.authentication.warning);

    const replies = new EmailComposer(renderer, config, at);
    const thread: RequestThread = { messageId: intake.messageId, references: intake.references };
    /** Copies of this message read in the other mailbox (To: calcul@, Cc: contact@). */
    const copiesElsewhere = async () =>
      intake.messageId
        ? otherMailboxCopies(tx, {
            inboundId: message.inboundId,
            mailbox: message.mailbox,
            messageId: intake.messageId,
          })
        : [];
    // An access asked beside a calculation request is applied first: « merci de
    // m'autoriser, voici ma demande » is answered with the result, not with how to get access.
    const accessBeside = decideAccessBeside(intake, policy);
    const accessOutcome = accessBeside ? await apply(accessBeside) : null;
    const decision = decide(intake, await lookUpFacts(tx, intake), policy);
    const outcome = await apply(decision);
    if (isCalculationReply(decision) && decision.ticketAside && !outcome.decision.startsWith("ticket-")) {
      // A question or dispute written beside the request (on contact@) is a ticket, acknowledged.
      const ticket = await openOrJoinTicket(
        tx,
        { ...contactMessage(intake, message.inboundId), category: decision.ticketAside },
        at,
        { freeMail: policy.freeMail },
      );
      await replies.notify(ticket.notification, thread);
      outcome.decision = `${outcome.decision}+ticket`;
    }
    if (accessOutcome) outcome.decision = `${accessOutcome.decision}+${outcome.decision}`;
    log.info(
      { decision: outcome.decision, kind: intake.kind, auth: intake.authentication.detail },
      "message handled",
    );
    return {
      ...outcome,
      summary: summariseIntake(intake, outcome.decision),
      outgoing: replies.outgoing,
      at,
    };

    /** A copy read in the other mailbox got this reply already. */
    async function answeredElsewhere(kind: "help" | "unauthorised"): Promise<boolean> {
      const copy = await repliedCopy(tx, await copiesElsewhere(), kind);
      if (copy) log.info({ kind }, "copy of a message answered from the other mailbox: no reply");
      return copy;
    }

    /**
     * Past its hourly cap of help and unauthorised replies, an address is most likely a robot
     * without Auto-Submitted or List-Id answering each of them: its message is filed in one ticket
     * for support (joined by the next ones while open), unanswered, so that no reply feeds a loop.
     */
    async function fileOverReplyCap(
      to: string,
      contact: ContactMessage,
    ): Promise<Omit<HandlerOutcome, "outgoing" | "summary" | "at"> | null> {
      const capped = await replyCapReached(tx, to, at, config.rateLimitRepliesPerRecipientPerHour);
      if (!capped) return null;
      await openOrJoinTicket(tx, { ...contact, category: "other" }, at, {
        acknowledge: false,
        joinOpenTicketOfSender: true,
        freeMail: policy.freeMail,
      });
      log.warn(capped, "help and unauthorised replies per address per hour: filed without reply");
      return { status: "processed", decision: "ticket-reply-limited" };
    }

    async function apply(decision: Decision): Promise<Omit<HandlerOutcome, "outgoing" | "summary" | "at">> {
      const contact = contactMessage(intake, message.inboundId);
      switch (decision.action) {
        case "ignore-automated":
          return { status: "ignored", decision: decision.action };
        case "quarantine-unauthenticated": {
          // No reply (no backscatter to a forged address), but support sees it as a ticket; an
          // access request is kept pending with it (SPEC §4), for support to approve or deny.
          // Asked alone, or beside a calculation request.
          const access = intake.access;
          const requests =
            access?.status === "request"
              ? [access.request]
              : access?.status === "requests"
                ? access.requests
                : [];
          if (contact.sender && requests.length > 0) {
            for (const request of requests)
              await handleAccessRequest(tx, { message: contact, request, policy, now: at });
          } else if (contact.sender) {
            await openOrJoinTicket(tx, { ...contact, category: ticketCategoryOf(intake) }, at, {
              acknowledge: false,
              freeMail: policy.freeMail,
            });
          }
          return { status: "quarantined", decision: decision.action };
        }
        case "reply-unauthorised": {
          if (await answeredElsewhere("unauthorised"))
            return { status: "processed", decision: "duplicate-copy" };
          const filed = await fileOverReplyCap(decision.to, contact);
          if (filed) return filed;
          await replies.compose(
            "unauthorised",
            unauthorisedData(intake, policy.freeMail, settings),
            decision.to,
            thread,
          );
          return { status: "processed", decision: decision.action };
        }
        case "reply-help": {
          if (await answeredElsewhere("help")) return { status: "processed", decision: "duplicate-copy" };
          const filed = await fileOverReplyCap(decision.to, contact);
          if (filed) return filed;
          await replies.compose("help", helpData(intake, decision.problems, settings), decision.to, thread);
          return { status: "processed", decision: decision.action };
        }
        case "reply-result": {
          const sender = intake.from!;
          const calculation = intake.calculation!;
          const request = {
            activity: calculation.activity!,
            ...calculation.lists,
            ...(calculation.amOfMixteRows.length ? { amOfMixteRows: calculation.amOfMixteRows } : {}),
          };
          const reference = calculation.reference!;
          // The same request in both mailboxes (To: calcul@, Cc: contact@) is answered once.
          const copyOf = await answeredCopy(tx, await copiesElsewhere(), {
            recipient: decision.recipient,
            reference,
            request,
          });
          if (copyOf) {
            log.info({ calculation: copyOf }, "copy of a request answered from the other mailbox: no reply");
            return { status: "processed", decision: "duplicate-copy" };
          }
          const rate = await checkCalculationRate(tx, sender, at, deps.rateLimits, policy.freeMail);
          if (!rate.allowed) {
            // Over the limit: one ticket thread for support instead of replies.
            const ticket = await openOrJoinTicket(tx, { ...contact, category: "other" }, at, {
              joinOpenTicketOfSender: true,
              freeMail: policy.freeMail,
            });
            // The acknowledgment says the request was not computed, and why.
            const limited = {
              scope: rate.scope,
              limit: rate.limit,
              submissionAddress: config.submissionAddress,
            };
            await replies.notify(rateLimitedAck(ticket.notification, limited), thread);
            log.warn(
              { scope: rate.scope, count: rate.count, limit: rate.limit },
              "rate limit: ticket instead of reply",
            );
            return { status: "processed", decision: "ticket-rate-limited" };
          }
          // Numbers of the request read into no field: those the reference data knows are named in
          // the result, so that one the reading missed is never left out unsaid.
          const { result, dataset, knownStrays } = await calculate(tx, request, {
            nuclearCoefficient: config.nuclearCoefficient,
            strayNumbers: calculation.strayNumbers,
          });
          // Chosen now so that the calculation row records it with its public id, in one statement.
          const resultMessageId = replies.newMessageId();
          const record = await recordCalculation(
            tx,
            {
              request,
              activityInferred: calculation.activityInferred,
              result,
              datasetId: dataset.id,
              sender,
              recipient: decision.recipient,
              reference,
              inboundMessageId: message.inboundId,
              resultMessageId,
            },
            at,
          );
          await replies.compose(
            "result",
            {
              contactAddress: config.contactAddress,
              publicId: record.publicId,
              reference,
              requester: decision.recipient,
              dataset: { id: dataset.id, label: dataset.label },
              activityInferred: calculation.activityInferred,
              recipientRefused:
                decision.recipientNote && calculation.recipient
                  ? {
                      address: calculation.recipient,
                      cause:
                        decision.recipientNote === "recipient-other-organisation"
                          ? "other-organisation"
                          : "not-authorised",
                    }
                  : null,
              ...(knownStrays.length > 0 ? { strayNumbers: knownStrays } : {}),
              ...(calculation.hiddenRows ? { hiddenRows: calculation.hiddenRows } : {}),
              ...(calculation.hiddenColumns ? { hiddenColumns: calculation.hiddenColumns } : {}),
              result,
            },
            decision.recipient,
            thread,
            resultMessageId,
          );
          return { status: "processed", decision: decision.action };
        }
        case "access-granted":
        case "access-changed":
        case "access-revoked":
        case "access-pending":
        case "access-several": {
          // Several addresses listed: each request recorded, decided and confirmed on its own; those
          // kept pending share the message's one access-review ticket. One the copy read in the
          // other mailbox (To: contact@, Cc: calcul@) asked already is not decided, nor confirmed, twice.
          const askedInCopy = await accessAskedIn(tx, await copiesElsewhere());
          const each = (decision.action === "access-several" ? decision.decisions : [decision]).filter(
            (one) => !askedInCopy(one.request),
          );
          if (each.length === 0) {
            log.info("copy of an access request decided from the other mailbox: not decided again");
            return { status: "processed", decision: "duplicate-copy" };
          }
          const decided: string[] = [];
          for (const one of each) {
            const handled = await handleAccessRequest(tx, {
              message: contact,
              request: one.request,
              policy,
              now: at,
            });
            for (const notification of handled.notifications) await replies.notify(notification, thread);
            decided.push(handled.status === "pending" ? "access-pending" : one.action);
          }
          const summary = decided.join("+");
          if (decided.includes("access-pending")) return { status: "processed", decision: summary };
          // Applied by rule: a question or dispute beside it becomes a ticket, acknowledged.
          const aside = decision.action === "access-pending" ? null : decision.ticketAside;
          if (!aside) return { status: "processed", decision: summary };
          const ticket = await openOrJoinTicket(tx, { ...contact, category: aside }, at, {
            freeMail: policy.freeMail,
          });
          await replies.notify(ticket.notification, thread);
          return { status: "processed", decision: `${summary}+ticket` };
        }
        case "ticket": {
          const ticket = await openOrJoinTicket(tx, { ...contact, category: decision.category }, at, {
            freeMail: policy.freeMail,
          });
          await replies.notify(ticket.notification, thread);
          if (ticket.limited)
            log.warn(
              { ticket: ticket.ticket.number },
              "tickets per sender per hour: filed without acknowledgment",
            );
          return { status: "processed", decision: ticket.joined ? "ticket-joined" : "ticket" };
        }
      }
    }
  };
}

/** The replies capped per address and hour (rateLimitRepliesPerRecipientPerHour), counted together. */
export const CAPPED_REPLIES = ["help", "unauthorised"] as const;

/**
 * Whether `to` got `limit` help and unauthorised replies in the hour before `at`: then the daemon
 * files the message unanswered (and `tranche inspect` says so). The count, or null under the cap.
 */
export async function replyCapReached(
  db: DbOrTx,
  to: string,
  at: Date,
  limit: number,
): Promise<{ sent: number; limit: number } | null> {
  const sent = await countRecentReplies(db, CAPPED_REPLIES, to, at);
  return sent < limit ? null : { sent, limit };
}

/** The facts `decide` needs, looked up in the transaction (and by `tranche inspect`). */
export async function lookUpFacts(db: DbOrTx, intake: Intake) {
  const named = intake.calculation?.recipient ?? null;
  return {
    senderAuthorised: intake.from ? await isAuthorised(db, intake.from) : false,
    recipientAuthorised: named ? await isAuthorised(db, named) : null,
  };
}

function contactMessage(intake: Intake, inboundId: number): ContactMessage {
  return {
    sender: intake.from ?? "",
    authenticated: intake.authentication.authenticated,
    subject: intake.subject,
    messageId: intake.messageId,
    inReplyTo: intake.inReplyTo,
    references: intake.references,
    // The sender's own words, plus the calculation ids quoted below them (a forwarded result).
    text: [intake.ownText, ...intake.calculationIds].join("\n"),
    inboundMessageId: inboundId,
  };
}

function ticketCategoryOf(intake: Intake) {
  if (intake.kind === "access") return "access-review" as const;
  return intake.support?.category ?? "other";
}

const isCalculationReply = (
  decision: Decision,
): decision is Extract<Decision, { action: "reply-result" | "reply-help" | "reply-unauthorised" }> =>
  decision.action === "reply-result" ||
  decision.action === "reply-help" ||
  decision.action === "reply-unauthorised";
