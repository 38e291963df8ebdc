import { describe, expect, it } from "vitest";
import { type AutomatedInput, detectAutomated } from "../../src/intake/automated.ts";

const OWN = ["contact@example.test", "calcul@example.test", "no-reply@example.test"];

function input(
  headers: Record<string, string> = {},
  overrides: Partial<AutomatedInput> = {},
): AutomatedInput {
  return {
    headers: new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]])),
    from: "jean.dupont@editeur-radiologie.fr",
    subject: "Demande de calcul",
    contentType: "text/plain; charset=utf-8",
    ownAddresses: OWN,
    ...overrides,
  };
}

describe("detectAutomated", () => {
  it("lets a message written by a person through", () => {
    expect(detectAutomated(input({ "Auto-Submitted": "no" }))).toBeNull();
  });

  it("never answers a delivery-status report", () => {
    expect(
      detectAutomated(input({}, { contentType: "multipart/report; report-type=delivery-status" }))?.reason,
    ).toBe("bounce");
  });

  it("never answers a null return path, MAILER-DAEMON or postmaster", () => {
    expect(detectAutomated(input({ "Return-Path": "<>" }))?.reason).toBe("bounce");
    expect(detectAutomated(input({}, { from: "mailer-daemon@mx.example.test" }))?.reason).toBe("bounce");
    expect(detectAutomated(input({}, { from: "postmaster@editeur-radiologie.fr" }))?.reason).toBe("bounce");
  });

  it("never answers our own addresses nor a message carrying our X-Loop", () => {
    expect(detectAutomated(input({}, { from: "no-reply@example.test" }))?.reason).toBe("own");
    expect(detectAutomated(input({ "X-Loop": "no-reply@example.test" }))?.reason).toBe("own");
  });

  it("recognises out-of-office replies in French and English by their subject", () => {
    for (const subject of [
      "Réponse automatique : Demande de calcul",
      "Absence du bureau",
      "Automatic reply: Calcul",
      "Out of Office: Calcul",
      "Je suis absent",
    ])
      expect(detectAutomated(input({}, { subject }))?.reason).toBe("out-of-office");
  });

  it("does not mistake a subject about an absence of result for an out-of-office", () => {
    expect(detectAutomated(input({}, { subject: "Absence de résultat pour ma demande" }))).toBeNull();
  });

  it("never answers Auto-Submitted other than no, nor Exchange's X-Auto-Response-Suppress", () => {
    expect(detectAutomated(input({ "Auto-Submitted": "auto-generated" }))?.reason).toBe("auto-submitted");
    expect(detectAutomated(input({ "X-Auto-Response-Suppress": "All" }))?.reason).toBe("auto-submitted");
  });

  it("never answers list traffic", () => {
    expect(detectAutomated(input({ Precedence: "bulk" }))?.reason).toBe("list");
    expect(detectAutomated(input({ Precedence: "junk" }))?.reason).toBe("list");
    expect(detectAutomated(input({ "List-Id": "<annonces.editeur.fr>" }))?.reason).toBe("list");
  });
});
