import { describe, expect, it } from "vitest";
import { classifySupport, repliesToResult } from "../../src/intake/support-classifier.ts";

const signals = {
  inReplyTo: null,
  references: [],
  subject: "Question",
  fullText: "Bonjour",
  ownText: "Bonjour",
};

describe("repliesToResult", () => {
  it("sees a reply threaded to a Message-ID of the no-reply domain", () => {
    expect(repliesToResult({ ...signals, inReplyTo: "<abc@example.test>" }, "no-reply@example.test")).toBe(
      true,
    );
    expect(
      repliesToResult(
        { ...signals, references: ["<x@editeur.fr>", "<abc@example.test>"] },
        "no-reply@example.test",
      ),
    ).toBe(true);
  });

  it("sees a reply by the result subject or by a quoted result", () => {
    const subject = "RE: Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations";
    expect(repliesToResult({ ...signals, subject }, "no-reply@example.test")).toBe(true);
    const fullText = "Merci\n> La tranche de financement calculée est = C";
    expect(repliesToResult({ ...signals, fullText, ownText: "Merci" }, "no-reply@example.test")).toBe(true);
  });

  it("does not take an unrelated thread for a reply to a result", () => {
    expect(repliesToResult({ ...signals, inReplyTo: "<abc@editeur.fr>" }, "no-reply@example.test")).toBe(
      false,
    );
  });
});

describe("classifySupport", () => {
  it("files a contested result as a dispute", () => {
    expect(classifySupport("Le FINESS 750712185 n'a pas été pris en compte", false)).toBe("dispute");
    expect(classifySupport("Nous contestons ce résultat.", false)).toBe("dispute");
  });

  it("files a question as a question, even about a calculation", () => {
    expect(classifySupport("Comment faire pour un GIE ?", false)).toBe("question");
    expect(classifySupport("Comment est calculé le total ?", true)).toBe("question");
  });

  it("files a plain reply about a calculation as a dispute, anything else as other", () => {
    expect(classifySupport("Voir ci-dessous.", true)).toBe("dispute");
    expect(classifySupport("Merci beaucoup.", false)).toBe("other");
  });
});
