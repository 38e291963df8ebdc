import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadAccessPolicy } from "../../src/access/policy.ts";
import { type AccessRuleInput, judgeAccessRequest, parseFreeMailList } from "../../src/access/rules.ts";

const freeMail = parseFreeMailList(readFileSync("config/free-mail-domains.txt", "utf8"));
const auto = { autoApprove: true, freeMail };
const review = { autoApprove: false, freeMail };

function request(partial: Partial<AccessRuleInput>): AccessRuleInput {
  return {
    action: "grant",
    email: "jean.dupont@editeur.fr",
    newEmail: null,
    sender: "marie.martin@editeur.fr",
    authenticated: true,
    ...partial,
  };
}

describe("SPEC §4 access rules", () => {
  it.each([
    ["a colleague of the same company", request({})],
    [
      "a sub-domain of the sender's company (mail.editeur.fr ~ editeur.fr)",
      request({ email: "jean@mail.editeur.fr" }),
    ],
    ["the sender writing from a sub-domain", request({ sender: "dsi@mail.editeur.fr" })],
    ["the sender's own address", request({ email: "marie.martin@editeur.fr" })],
    ["a revocation in the same company", request({ action: "revoke" })],
    [
      "a change within the same company",
      request({ action: "change", email: "j.dupont@editeur.fr", newEmail: "jean.dupont@editeur.fr" }),
    ],
    ["upper-case addresses", request({ email: "Jean.Dupont@EDITEUR.FR", sender: "Marie.Martin@Editeur.fr" })],
    [
      "a company under a multi-label public suffix",
      request({ email: "a@editeur.co.uk", sender: "b@mail.editeur.co.uk" }),
    ],
  ])("decides automatically %s", (_, input) => {
    expect(judgeAccessRequest(input, auto)).toEqual({ decision: "automatic", rule: "same-organisation" });
  });

  it.each([
    ["an unauthenticated (possibly spoofed) sender", request({ authenticated: false }), "unauthenticated"],
    [
      "an unauthenticated sender even when everything else qualifies",
      request({ authenticated: false, email: "marie.martin@editeur.fr" }),
      "unauthenticated",
    ],
    ["an address of another company", request({ email: "jean.dupont@concurrent.fr" }), "other-organisation"],
    [
      "a change that moves access to another company",
      request({ action: "change", email: "jean@editeur.fr", newEmail: "jean@autre-editeur.fr" }),
      "other-organisation",
    ],
    [
      "a change from another company's address",
      request({ action: "change", email: "jean@autre-editeur.fr", newEmail: "jean@editeur.fr" }),
      "other-organisation",
    ],
    [
      "two companies under co.uk (a.co.uk vs b.co.uk)",
      request({ email: "x@a.co.uk", sender: "y@b.co.uk" }),
      "other-organisation",
    ],
    [
      "two companies under the reserved example.test (the demo's editeur-ris and distrib-imagerie)",
      request({ email: "marc@editeur-ris.example.test", sender: "paul@distrib-imagerie.example.test" }),
      "other-organisation",
    ],
    [
      "two sites under a private suffix (a.github.io vs b.github.io)",
      request({ email: "x@a.github.io", sender: "y@b.github.io" }),
      "other-organisation",
    ],
    ["a free-mail address named", request({ email: "jean.dupont@gmail.com" }), "free-mail"],
    [
      "a free-mail sender naming a colleague at the same provider",
      request({ sender: "marie@orange.fr", email: "jean@orange.fr" }),
      "free-mail",
    ],
    [
      "a wildcard free-mail provider (hotmail.fr)",
      request({ sender: "a@hotmail.fr", email: "b@hotmail.fr" }),
      "free-mail",
    ],
    [
      "a free-mail new address in a change",
      request({ action: "change", newEmail: "jd@laposte.net" }),
      "free-mail",
    ],
    ["an unreadable address", request({ email: "jean.dupont(at)editeur.fr" }), "invalid-address"],
    ["a change without its new address", request({ action: "change", newEmail: null }), "invalid-address"],
  ])("sends to review %s", (_, input, reason) => {
    expect(judgeAccessRequest(input, auto)).toEqual({ decision: "review", reason });
  });

  it("sends even qualifying requests to review when the policy says so", () => {
    expect(judgeAccessRequest(request({}), review)).toEqual({ decision: "review", reason: "review-policy" });
  });

  it("still names the stronger reason under the review policy", () => {
    expect(judgeAccessRequest(request({ authenticated: false }), review)).toEqual({
      decision: "review",
      reason: "unauthenticated",
    });
  });
});

describe("the free-mail list", () => {
  it("matches listed domains, their sub-domains and wildcard suffixes, not look-alikes", () => {
    expect(freeMail.contains("x@gmail.com")).toBe(true);
    expect(freeMail.contains("x@outlook.fr")).toBe(true);
    expect(freeMail.contains("x@gmx.de")).toBe(true);
    expect(freeMail.contains("wanadoo.fr")).toBe(true);
    expect(freeMail.contains("x@editeur.fr")).toBe(false);
    expect(freeMail.contains("x@gmailcom.fr")).toBe(false);
  });
});

describe("the configured access policy", () => {
  it("reads the free-mail list named by the configuration and the auto-approval setting", () => {
    const policy = loadAccessPolicy({
      accessAutoApprove: false,
      freeMailDomainsFile: "config/free-mail-domains.txt",
    });
    expect(policy.autoApprove).toBe(false);
    expect(policy.freeMail.contains("jean@yahoo.fr")).toBe(true);
    expect(judgeAccessRequest(request({}), policy)).toEqual({ decision: "review", reason: "review-policy" });
  });

  it("stops with a configuration error when the list cannot be read", () => {
    expect(() =>
      loadAccessPolicy({ accessAutoApprove: true, freeMailDomainsFile: "config/absent.txt" }),
    ).toThrow(/freeMailDomainsFile: .*absent\.txt illisible/);
  });
});
