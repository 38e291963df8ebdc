import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decide } from "../../src/decide/decision.ts";
import { readInbound } from "../../src/intake/intake.ts";
import type { Mailbox } from "../../src/intake/types.ts";
import { defaultPolicy, intakeContext, MAIL_FIXTURES, mailFixture } from "../helpers/intake.ts";

interface Expected {
  mailbox: Mailbox;
  kind: string;
  authenticated: boolean;
  decision: string;
  automatedReason?: string;
  calculation?: Record<string, unknown>;
  access?: Record<string, unknown>;
  support?: { category: string };
  calculationIds?: string[];
  repliesToResult?: boolean;
  recipient?: string;
  ticket?: string;
  accessPending?: string;
}

const expectations: Record<string, Expected> = JSON.parse(
  readFileSync(join(MAIL_FIXTURES, "expected.json"), "utf8"),
);
/** Who is authorised in the corpus's world. */
const AUTHORISED = new Set([
  "jean.dupont@editeur-radiologie.fr",
  "claire.martin@editeur-radiologie.fr",
  "sophie.bernard@distrib-imagerie.fr",
]);

describe("the mail corpus", () => {
  it("has an expectation for every message and a message for every expectation", () => {
    const files = readdirSync(MAIL_FIXTURES).filter((f) => f.endsWith(".eml"));
    expect(files.sort()).toEqual(Object.keys(expectations).sort());
    expect(files.length).toBeGreaterThanOrEqual(60);
  });

  for (const [file, expected] of Object.entries(expectations)) {
    it(`reads ${file.replace(/\.eml$/, "")} as ${expected.kind} → ${expected.decision}`, async () => {
      const intake = await readInbound(mailFixture(file), intakeContext({}, expected.mailbox));
      expect(intake.kind).toBe(expected.kind);
      expect(intake.authentication.authenticated).toBe(expected.authenticated);
      expect(intake.messageId).toMatch(/^<.+@.+>$/);
      expect(intake.automated?.reason ?? null).toBe(expected.automatedReason ?? null);
      if (expected.calculation) {
        const c = intake.calculation!;
        expect({
          reference: c.reference,
          activity: c.activity,
          activityInferred: c.activityInferred,
          recipient: c.recipient,
          ...c.lists,
          problems: [...c.problems].sort(),
        }).toEqual(expected.calculation);
      } else expect(intake.calculation).toBeNull();
      if (expected.access) {
        const a = intake.access!;
        expect(a.status === "request" ? { status: a.status, ...a.request } : a).toEqual(expected.access);
      } else expect(intake.access).toBeNull();
      expect(intake.support ? { category: intake.support.category } : null).toEqual(expected.support ?? null);
      if (expected.calculationIds) expect(intake.calculationIds).toEqual(expected.calculationIds);
      if (expected.repliesToResult !== undefined)
        expect(intake.support?.repliesToResult).toBe(expected.repliesToResult);

      const recipient = intake.calculation?.recipient ?? null;
      const decision = decide(
        intake,
        {
          senderAuthorised: intake.from !== null && AUTHORISED.has(intake.from),
          recipientAuthorised: recipient ? AUTHORISED.has(recipient) : null,
        },
        defaultPolicy(),
      );
      expect(decision.action).toBe(expected.decision);
      if (expected.recipient) expect(decision).toMatchObject({ recipient: expected.recipient });
      if (expected.ticket) expect(decision).toMatchObject({ category: expected.ticket });
      if (expected.accessPending) expect(decision).toMatchObject({ reason: expected.accessPending });
    });
  }
});
