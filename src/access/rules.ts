import {
  canonicalAddress,
  domainOf,
  organisationalDomain,
  sameOrganisation,
} from "../addresses/organisation.ts";
import type { AccessAction } from "../intake/access-parser.ts";

/** Why an access request goes to support instead of being decided by rule (SPEC §4). */
export type AccessReviewReason =
  | "unauthenticated"
  | "invalid-address"
  | "other-organisation"
  | "free-mail"
  | "review-policy";

export interface AccessRuleInput {
  action: AccessAction;
  /** The address concerned (for a change: the old one). */
  email: string;
  /** For a change: the new address. */
  newEmail: string | null;
  /** The sender of the request, as authenticated. */
  sender: string;
  authenticated: boolean;
}

export interface AccessPolicy {
  /** Decide qualifying requests automatically (true) or send every one to review. */
  autoApprove: boolean;
  freeMail: FreeMailList;
}

export type AccessRuleOutcome =
  | { decision: "automatic"; rule: "same-organisation" }
  | { decision: "review"; reason: AccessReviewReason };

/**
 * SPEC §4: an authenticated sender, whose organisational domain (public-suffix aware) equals that
 * of every address the request names, none of them at a free-mail provider, is decided by rule when
 * the policy allows it; anything else waits for support. Pure: the store applies the outcome.
 */
export function judgeAccessRequest(input: AccessRuleInput, policy: AccessPolicy): AccessRuleOutcome {
  if (!input.authenticated) return { decision: "review", reason: "unauthenticated" };
  const named = [input.email, ...(input.action === "change" ? [input.newEmail] : [])];
  const addresses = [input.sender, ...named].map((a) => (a ? canonicalAddress(a) : null));
  if (addresses.some((a) => a === null)) return { decision: "review", reason: "invalid-address" };
  const valid = addresses as string[];
  if (valid.some((a) => policy.freeMail.contains(a))) return { decision: "review", reason: "free-mail" };
  const organisation = organisationalDomain(valid[0]!);
  if (valid.some((a) => organisationalDomain(a) !== organisation))
    return { decision: "review", reason: "other-organisation" };
  if (!policy.autoApprove) return { decision: "review", reason: "review-policy" };
  return { decision: "automatic", rule: "same-organisation" };
}

/**
 * Whether two addresses are of one company: the same address, or the same organisational domain
 * with neither at a free-mail provider (two orange.fr users are strangers). Without the free-mail
 * list, only the same address.
 */
export function sameCompany(a: string | null, b: string | null, freeMail: FreeMailList | undefined): boolean {
  const left = a?.trim().toLowerCase();
  const right = b?.trim().toLowerCase();
  if (!left || !right) return false;
  if (left === right) return true;
  return !!freeMail && !freeMail.contains(left) && !freeMail.contains(right) && sameOrganisation(left, right);
}

export interface FreeMailList {
  /** Whether the address (or domain) is at a free-mail provider, sub-domains included. */
  contains(addressOrDomain: string): boolean;
}

/** Reads the free-mail list format of `config/free-mail-domains.txt` (comments, `name.*` wildcards). */
export function parseFreeMailList(text: string): FreeMailList {
  const exact = new Set<string>();
  const anySuffix = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, "").trim().toLowerCase();
    if (!line) continue;
    if (line.endsWith(".*")) anySuffix.add(line.slice(0, -2));
    else exact.add(line);
  }
  return {
    contains(addressOrDomain) {
      const domain = addressOrDomain.includes("@")
        ? domainOf(addressOrDomain)
        : addressOrDomain.trim().toLowerCase();
      if (!domain) return false;
      const organisation = organisationalDomain(domain) ?? domain;
      if (exact.has(domain) || exact.has(organisation)) return true;
      // "gmx.*": the organisational domain minus its public suffix is "gmx".
      const label = organisation.split(".")[0] ?? "";
      return anySuffix.has(label) && organisation.startsWith(`${label}.`);
    },
  };
}
