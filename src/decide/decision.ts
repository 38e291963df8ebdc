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
  | ({ action: "reply-result"; recipient: string; recipientNote: RecipientNote | null } & Aside)
  | ({ action: "reply-unauthorised"; to: string } & Aside)
  | ({ action: "reply-help"; to: string; problems: HelpProblem[] } & Aside)
  | AccessDecision
  | {
      /** Several addresses listed in one message: each request decided on its own. */
      action: "access-several";
      decisions: AccessDecision[];
      /** As for one request, when none of them is kept pending. */
      ticketAside: SupportCategory | null;
    }
  | { action: "ticket"; category: TicketCategory };

/**
 * On contact@, a question or dispute written beside a calculation request: a ticket of that
 * category too (an access asked beside it is decided on its own: decideAccessBeside).
 */
interface Aside {
  ticketAside?: SupportCategory;
}

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
      // With an access asked beside the request, the question goes with the access's decision.
      const category = intake.access ? null : intake.support?.category;
      const aside: Aside = category ? { ticketAside: category } : {};
      if (!facts.senderAuthorised) return { action: "reply-unauthorised", to: sender, ...aside };
      if (!calculation || calculation.problems.length > 0)
        return {
          action: "reply-help",
          to: sender,
          problems: calculation?.problems ?? ["no-identifiers"],
          ...aside,
        };
      const named = calculation.recipient;
      if (!named || named === sender)
        return { action: "reply-result", recipient: sender, recipientNote: null, ...aside };
      // Another company's, or another free-mail user's (two gmail.com users are strangers).
      if (!sameCompany(named, sender, policy.freeMail))
        return {
          action: "reply-result",
          recipient: sender,
          recipientNote: "recipient-other-organisation",
          ...aside,
        };
      if (facts.recipientAuthorised !== true)
        return {
          action: "reply-result",
          recipient: sender,
          recipientNote: "recipient-not-authorised",
          ...aside,
        };
      return { action: "reply-result", recipient: named, recipientNote: null, ...aside };
    }
    case "access":
      return decideAccessIntake(intake, sender, policy);
    case "support":
      return { action: "ticket", category: intake.support?.category ?? "other" };
    default:
      return { action: "ticket", category: "other" };
  }
}

/**
 * The decision on an access asked beside a calculation request sent to contact@ (the request itself
 * is `decide`'s), for an authenticated sender; null when none was asked. The pipeline applies it
 * first, so that « merci de m'autoriser, voici ma demande » is answered with the result.
 */
export function decideAccessBeside(intake: Intake, policy: AccessPolicy): Decision | null {
  if (intake.kind !== "calculation" || !intake.access) return null;
  if (!intake.authentication.authenticated || !intake.from) return null;
  return decideAccessIntake(intake, intake.from, policy);
}

function decideAccessIntake(intake: Intake, sender: string, policy: AccessPolicy): Decision {
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

/**
 * The sender's and the recipient's authorisation once an access decided beside a calculation request
 * is applied (what the daemon finds after applying it first; `tranche inspect` shows the same).
 */
export function factsAfterAccess(
  facts: DecisionFacts,
  intake: Intake,
  access: Decision | null,
): DecisionFacts {
  if (!access) return facts;
  const applied = access.action === "access-several" ? access.decisions : [access];
  let { senderAuthorised, recipientAuthorised } = facts;
  for (const one of applied) {
    if (one.action !== "access-granted" && one.action !== "access-changed" && one.action !== "access-revoked")
      continue;
    const { email, newEmail } = one.request;
    const granted =
      one.action === "access-granted" ? email : one.action === "access-changed" ? newEmail : null;
    const revoked = one.action === "access-granted" ? null : email;
    const recipient = intake.calculation?.recipient ?? null;
    if (granted === intake.from) senderAuthorised = true;
    if (revoked === intake.from) senderAuthorised = false;
    if (recipient && granted === recipient) recipientAuthorised = true;
    if (recipient && revoked === recipient) recipientAuthorised = false;
  }
  return { senderAuthorised, recipientAuthorised };
}
