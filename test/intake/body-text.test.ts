import { describe, expect, it } from "vitest";
import { extractOwnText, htmlToText, stripSubjectPrefixes } from "../../src/intake/body-text.ts";

describe("htmlToText", () => {
  it("keeps table cells apart so a label and its value stay distinguishable", () => {
    const text = htmlToText("<table><tr><td>FINESS radiologie</td><td>920000650</td></tr></table>");
    expect(text).toMatch(/FINESS radiologie\s+920000650/);
  });

  it("drops links' targets and images", () => {
    expect(htmlToText('<p><a href="mailto:x@y.fr">x@y.fr</a><img src="cid:logo"></p>')).toBe("x@y.fr");
  });
});

describe("extractOwnText", () => {
  it("drops `>` quoted lines and what follows a French attribution line", () => {
    const text =
      "Ma question.\n\nLe lun. 17 nov. 2025 à 10:12, Service <no-reply@example.test> a écrit :\n> Données valides";
    expect(extractOwnText(text, "Re: résultat")).toBe("Ma question.");
  });

  it("drops an attribution folded over two lines", () => {
    const text =
      "Merci\n\nLe lun. 17 nov. 2025 à 10:12, Jean Dupont <\njean.dupont@editeur.fr> a écrit :\nancien texte";
    expect(extractOwnText(text, "Re: x")).toBe("Merci");
  });

  it("drops an Outlook reply header block and what follows", () => {
    const text =
      "Nous contestons.\n\nDe : no-reply@example.test\nEnvoyé : lundi 17 novembre 2025 10:12\nÀ : Claire\nObjet : Résultat\n\nLa tranche est = C";
    expect(extractOwnText(text, "RE: Résultat")).toBe("Nous contestons.");
  });

  it("keeps a forwarded message, which is the request itself", () => {
    const text =
      "Pour info.\n\n-------- Message transféré --------\nDe : Claire\n\nFINESS radiologie : 920000650";
    expect(extractOwnText(text, "Fwd: demande")).toContain("FINESS radiologie : 920000650");
  });

  it("drops the signature after `-- ` and mobile footers", () => {
    const text = "FINESS radiologie : 920000650\n\nEnvoyé de mon iPhone\n-- \nJean\nTél 0472000000";
    expect(extractOwnText(text, "x")).toBe("FINESS radiologie : 920000650");
  });
});

describe("stripSubjectPrefixes", () => {
  it("removes stacked reply and forward prefixes in French and English", () => {
    expect(stripSubjectPrefixes("RE: TR: Fwd: CH de Lens")).toBe("CH de Lens");
    expect(stripSubjectPrefixes("Réf : CH de Lens")).toBe("CH de Lens");
  });
});
