import {
  type AccessPolicy,
  type AccessReviewReason,
  judgeAccessRequest,
  sameCompany,
} from "../access/rules.ts";
import type {
  AccessRequest,
  AutomatedReason,
  CalculationProblem,
  Intake,
  SupportCategory,
  UnreadableReason,
} from "../intake/types.ts";
import type { TicketCategory } from "../support/category.ts";

/** What the caller looked up before deciding (plain data: decide itself reads nothing). */
export interface DecisionFacts {
  /** Whether the From address is authorised to request calculations. */
  senderAuthorised: boolean;
  /** Whether the labelled Email field of a calculation is authorised; null when there is none. */
  recipientAuthorised: boolean | null;
}

/** Why a result goes to the sender although the request named another address. */
export type RecipientNote = "recipient-not-authorised" | "recipient-other-organisation";

export type HelpProblem = CalculationProblem | UnreadableReason;

export type Decision =
  | { action: "ignore-automated"; reason: AutomatedReason; detail: string }
  | { action: "quarantine-unauthenticated"; detail: string }
  | { action: "reply-result"; recipient: string; recipientNote: RecipientNote | null }
  | { action: "reply-unauthorised"; to: string }
  | { action: "reply-help"; to: string; problems: HelpProblem[] }
  | AccessDecision
  | {
      /** Several addresses listed in one message: each request decided on its own. */
      action: "access-several";
      decisions: AccessDecision[];
      /** As for one request, when none of them is kept pending. */
      ticketAside: SupportCategory | null;
    }
  | { action: "ticket"; category: TicketCategory };

export type AccessDecision =
  | {
      action: "access-granted" | "access-changed" | "access-revoked";
      request: AccessRequest;
      requester: string;
      /** A question or dispute written beside the request: a ticket of that category too; else null. */
      ticketAside: SupportCategory | null;
    }
  | { action: "access-pending"; request: AccessRequest; requester: string; reason: AccessReviewReason };

const APPLIED = { grant: "access-granted", change: "access-changed", revoke: "access-revoked" } as const;

/**
 * What to do with one message (pure: the caller looked up the facts; the store and the outbox
 * apply the decision). Automated mail is never answered; nothing is sent to an unauthenticated
 * sender (SPEC §3); results only ever go to an authorised address.
 */
export function decide(intake: Intake, facts: DecisionFacts, policy: AccessPolicy): Decision {
  if (intake.kind === "automated" && intake.automated)
    return { action: "ignore-automated", reason: intake.automated.reason, detail: intake.automated.detail };
  const sender = intake.from;
  if (!intake.authentication.authenticated || !sender)
    return { action: "quarantine-unauthenticated", detail: intake.authentication.detail };

  switch (intake.kind) {
    case "unreadable": {
      const reason = intake.unreadable?.reason ?? "malformed";
      if (intake.mailbox === "contact") return { action: "ticket", category: "other" };
      if (!facts.senderAuthorised) return { action: "reply-unauthorised", to: sender };
      return { action: "reply-help", to: sender, problems: [reason] };
    }
    case "calculation": {
      const calculation = intake.calculation;
      if (!facts.senderAuthorised) return { action: "reply-unauthorised", to: sender };
      if (!calculation || calculation.problems.length > 0)
        return { action: "reply-help", to: sender, problems: calculation?.problems ?? ["no-identifiers"] };
      const named = calculation.recipient;
      if (!named || named === sender)
        return { action: "reply-result", recipient: sender, recipientNote: null };
      // Another company's, or another free-mail user's (two gmail.com users are strangers).
      if (!sameCompany(named, sender, policy.freeMail))
        return { action: "reply-result", recipient: sender, recipientNote: "recipient-other-organisation" };
      if (facts.recipientAuthorised !== true)
        return { action: "reply-result", recipient: sender, recipientNote: "recipient-not-authorised" };
      return { action: "reply-result", recipient: named, recipientNote: null };
    }
    case "access": {
      const access = intake.access;
      if (!access || access.status === "ambiguous") return { action: "ticket", category: "access-review" };
      // Decided by rule, the request asks nothing more of support; what the message asks beside
      // it still does (SPEC §8). Kept pending, the whole message is in its access-review ticket.
      const aside = intake.support?.category ?? null;
      if (access.status === "request") return decideAccess(access.request, sender, policy, aside);
      const decisions = access.requests.map((request) => decideAccess(request, sender, policy, null));
      const pending = decisions.some((d) => d.action === "access-pending");
      return { action: "access-several", decisions, ticketAside: pending ? null : aside };
    }
    case "support":
      return { action: "ticket", category: intake.support?.category ?? "other" };
    default:
      return { action: "ticket", category: "other" };
  }
}

function decideAccess(
  request: AccessRequest,
  requester: string,
  policy: AccessPolicy,
  ticketAside: SupportCategory | null,
): AccessDecision {
  const outcome = judgeAccessRequest({ ...request, sender: requester, authenticated: true }, policy);
  if (outcome.decision === "review")
    return { action: "access-pending", request, requester, reason: outcome.reason };
  return { action: APPLIED[request.action], request, requester, ticketAside };
}
