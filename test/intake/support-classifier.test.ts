import { describe, expect, it } from "vitest";
import { classifySupport, repliesToResult, threadsToUs } from "../../src/intake/support-classifier.ts";

const signals = {
  inReplyTo: null,
  references: [],
  subject: "Question",
  fullText: "Bonjour",
  ownText: "Bonjour",
};

describe("threadsToUs", () => {
  it("sees a reply threaded to a Message-ID of the no-reply domain", () => {
    expect(threadsToUs({ ...signals, inReplyTo: "<abc@example.test>" }, "no-reply@example.test")).toBe(true);
    expect(
      threadsToUs(
        { ...signals, references: ["<x@editeur.fr>", "<abc@example.test>"] },
        "no-reply@example.test",
      ),
    ).toBe(true);
    expect(threadsToUs({ ...signals, inReplyTo: "<abc@editeur.fr>" }, "no-reply@example.test")).toBe(false);
  });
});

describe("repliesToResult", () => {
  it("sees a reply by the result subject or by a quoted result", () => {
    const subject = "RE: Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations";
    expect(repliesToResult({ ...signals, subject })).toBe(true);
    const fullText = "Merci\n> La tranche de financement calculée est = C";
    expect(repliesToResult({ ...signals, fullText, ownText: "Merci" })).toBe(true);
  });

  it("does not take threading alone, nor a result pasted in the sender's own text, for a reply", () => {
    expect(repliesToResult({ ...signals, inReplyTo: "<abc@example.test>" })).toBe(false);
    const own = "La tranche de financement calculée est = C, pourquoi ?";
    expect(repliesToResult({ ...signals, fullText: own, ownText: own })).toBe(false);
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
