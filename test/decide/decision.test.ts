import { describe, expect, it } from "vitest";
import { decide, decideAccessBeside, factsAfterAccess } from "../../src/decide/decision.ts";
import type { CalculationIntake, Intake } from "../../src/intake/types.ts";
import { defaultPolicy } from "../helpers/intake.ts";

const SENDER = "jean.dupont@editeur-radiologie.fr";

function intake(overrides: Partial<Intake> = {}): Intake {
  return {
    kind: "support",
    mailbox: "contact",
    messageId: "<m@editeur-radiologie.fr>",
    inReplyTo: null,
    references: [],
    from: SENDER,
    fromName: "Jean Dupont",
    subject: "Demande",
    date: null,
    authentication: {
      authenticated: true,
      mode: "authentication-results",
      method: "dmarc",
      detail: "dmarc=pass",
      warning: null,
    },
    automated: null,
    calculation: null,
    access: null,
    support: { category: "question", repliesToResult: false },
    unreadable: null,
    calculationIds: [],
    ownText: "",
    attachments: [],
    ...overrides,
  };
}

function calculation(overrides: Partial<CalculationIntake> = {}): Intake {
  return intake({
    kind: "calculation",
    mailbox: "submissions",
    support: null,
    calculation: {
      recipient: null,
      reference: "CH de Lens",
      referenceSource: "label",
      activity: "radiologie",
      activityText: null,
      activityInferred: false,
      lists: { finessRadio: ["920000650"], amRadio: [], finessMn: [], amMn: [] },
      amOfMixteRows: [],
      sources: ["body"],
      problems: [],
      strayNumbers: [],
      ...overrides,
    },
  });
}

const authorised = { senderAuthorised: true, recipientAuthorised: null };
const policy = defaultPolicy();

describe("decide", () => {
  it("never answers automated mail, whatever else it contains", () => {
    const decision = decide(
      intake({ kind: "automated", automated: { reason: "out-of-office", detail: "subject" } }),
      authorised,
      policy,
    );
    expect(decision).toEqual({ action: "ignore-automated", reason: "out-of-office", detail: "subject" });
  });

  it("never replies to an unauthenticated sender, even an authorised one", () => {
    const unauthenticated = calculation();
    unauthenticated.authentication = {
      ...unauthenticated.authentication,
      authenticated: false,
      detail: "dmarc=fail",
    };
    expect(decide(unauthenticated, authorised, policy)).toEqual({
      action: "quarantine-unauthenticated",
      detail: "dmarc=fail",
    });
  });

  it("answers an authorised sender's readable request with the result, to the sender", () => {
    expect(decide(calculation(), authorised, policy)).toEqual({
      action: "reply-result",
      recipient: SENDER,
      recipientNote: null,
    });
  });

  it("answers a calculation request sent to contact@ too", () => {
    expect(decide({ ...calculation(), mailbox: "contact" }, authorised, policy).action).toBe("reply-result");
  });

  it("sends the result to the labelled Email only when it is authorised and of the sender's organisation", () => {
    const colleague = "claire.martin@editeur-radiologie.fr";
    expect(
      decide(
        calculation({ recipient: colleague }),
        { senderAuthorised: true, recipientAuthorised: true },
        policy,
      ),
    ).toMatchObject({
      recipient: colleague,
    });
    expect(
      decide(
        calculation({ recipient: colleague }),
        { senderAuthorised: true, recipientAuthorised: false },
        policy,
      ),
    ).toMatchObject({
      recipient: SENDER,
      recipientNote: "recipient-not-authorised",
    });
    expect(
      decide(
        calculation({ recipient: "sophie@distrib-imagerie.fr" }),
        { senderAuthorised: true, recipientAuthorised: true },
        policy,
      ),
    ).toMatchObject({ recipient: SENDER, recipientNote: "recipient-other-organisation" });
  });

  it("never sends a free-mail user's result to another user of the same provider, authorised or not", () => {
    const fromGmail = intake({ ...calculation(), from: "cabinet.martin@gmail.com" });
    expect(
      decide(
        { ...fromGmail, calculation: { ...fromGmail.calculation!, recipient: "dr.durand@gmail.com" } },
        { senderAuthorised: true, recipientAuthorised: true },
        policy,
      ),
    ).toMatchObject({ recipient: "cabinet.martin@gmail.com", recipientNote: "recipient-other-organisation" });
  });

  it("tells an authenticated but unauthorised sender how to ask for access", () => {
    expect(decide(calculation(), { senderAuthorised: false, recipientAuthorised: null }, policy)).toEqual({
      action: "reply-unauthorised",
      to: SENDER,
    });
  });

  it("answers a request that lacks a field with help naming the problem", () => {
    expect(decide(calculation({ problems: ["missing-reference"] }), authorised, policy)).toEqual({
      action: "reply-help",
      to: SENDER,
      problems: ["missing-reference"],
    });
  });

  it("applies a same-organisation access request by rule, and says which", () => {
    const request = { action: "change" as const, email: SENDER, newEmail: "j.dupont@editeur-radiologie.fr" };
    expect(
      decide(
        intake({ kind: "access", support: null, access: { status: "request", request } }),
        authorised,
        policy,
      ),
    ).toEqual({
      action: "access-changed",
      request,
      requester: SENDER,
      ticketAside: null,
    });
  });

  it("applies an access request by rule and asks for a ticket for the question written beside it", () => {
    const request = { action: "grant" as const, email: "x@editeur-radiologie.fr", newEmail: null };
    const access = intake({
      kind: "access",
      support: { category: "question", repliesToResult: false },
      access: { status: "request", request },
    });
    expect(decide(access, authorised, policy)).toEqual({
      action: "access-granted",
      request,
      requester: SENDER,
      ticketAside: "question",
    });
    // Kept pending, the whole message is in its access-review ticket already.
    expect(decide(access, authorised, defaultPolicy({ autoApprove: false }))).toMatchObject({
      action: "access-pending",
    });
  });

  it("keeps for support an access request for another organisation or under the review policy", () => {
    const request = { action: "grant" as const, email: "x@distrib-imagerie.fr", newEmail: null };
    const access = intake({ kind: "access", support: null, access: { status: "request", request } });
    expect(decide(access, authorised, policy)).toMatchObject({
      action: "access-pending",
      reason: "other-organisation",
    });
    const own = intake({
      kind: "access",
      support: null,
      access: { status: "request", request: { ...request, email: "x@editeur-radiologie.fr" } },
    });
    expect(decide(own, authorised, defaultPolicy({ autoApprove: false }))).toMatchObject({
      action: "access-pending",
      reason: "review-policy",
    });
  });

  it("decides each address of a list on its own, and files what is beside it only when none waits for support", () => {
    const grant = (email: string) => ({ action: "grant" as const, email, newEmail: null });
    const listed = (...emails: string[]) =>
      intake({
        kind: "access",
        support: { category: "question", repliesToResult: false },
        access: { status: "requests", requests: emails.map(grant) },
      });
    expect(
      decide(listed("a@editeur-radiologie.fr", "b@editeur-radiologie.fr"), authorised, policy),
    ).toMatchObject({
      action: "access-several",
      decisions: [
        { action: "access-granted", request: grant("a@editeur-radiologie.fr"), ticketAside: null },
        { action: "access-granted", request: grant("b@editeur-radiologie.fr"), ticketAside: null },
      ],
      ticketAside: "question",
    });
    // One at a free-mail provider waits for support: the whole message is in its review ticket.
    expect(decide(listed("a@editeur-radiologie.fr", "b@gmail.com"), authorised, policy)).toMatchObject({
      action: "access-several",
      decisions: [{ action: "access-granted" }, { action: "access-pending", reason: "free-mail" }],
      ticketAside: null,
    });
  });

  it("decides a request sent with an access asked for the sender as the access leaves them", () => {
    const withAccess: Intake = {
      ...calculation(),
      mailbox: "contact",
      access: { status: "request", request: { action: "grant", email: SENDER, newEmail: null } },
    };
    const beside = decideAccessBeside(withAccess, policy);
    expect(beside).toMatchObject({ action: "access-granted" });
    const facts = factsAfterAccess(
      { senderAuthorised: false, recipientAuthorised: null },
      withAccess,
      beside,
    );
    expect(facts).toEqual({ senderAuthorised: true, recipientAuthorised: null });
    expect(decide(withAccess, facts, policy)).toMatchObject({ action: "reply-result", recipient: SENDER });
    // Kept pending, the access changes nothing yet: the sender learns how to get one.
    const pending = decideAccessBeside(withAccess, defaultPolicy({ autoApprove: false }));
    expect(
      factsAfterAccess({ senderAuthorised: false, recipientAuthorised: null }, withAccess, pending),
    ).toEqual({
      senderAuthorised: false,
      recipientAuthorised: null,
    });
    expect(decideAccessBeside(calculation(), policy)).toBeNull();
  });

  it("opens an access-review ticket for an ambiguous access request", () => {
    const ambiguous = intake({
      kind: "access",
      support: null,
      access: { status: "ambiguous", action: "grant", reason: "several-addresses" },
    });
    expect(decide(ambiguous, authorised, policy)).toEqual({ action: "ticket", category: "access-review" });
  });

  it("opens a ticket of the message's category for support messages", () => {
    expect(
      decide(intake({ support: { category: "dispute", repliesToResult: true } }), authorised, policy),
    ).toEqual({
      action: "ticket",
      category: "dispute",
    });
  });

  it("refuses a too-large request with help on the submission inbox, a ticket on contact@", () => {
    const tooLarge = intake({
      kind: "unreadable",
      support: null,
      unreadable: { reason: "body-too-large", detail: "" },
    });
    expect(decide({ ...tooLarge, mailbox: "submissions" }, authorised, policy)).toEqual({
      action: "reply-help",
      to: SENDER,
      problems: ["body-too-large"],
    });
    expect(decide(tooLarge, authorised, policy)).toEqual({ action: "ticket", category: "other" });
  });
});
