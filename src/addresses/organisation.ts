import { domainToASCII } from "node:url";
import { getDomain } from "tldts";

/** The domain part of an address, as `asciiDomain`; null when it has none. */
export function domainOf(address: string): string | null {
  const at = address.lastIndexOf("@");
  if (at < 1 || at === address.length - 1) return null;
  return asciiDomain(address.slice(at + 1));
}

/**
 * A domain lower-cased, without a trailing dot, internationalised names in their ASCII form: a From
 * of `éditeur.fr` is judged by servers that write `header.from=xn--diteur-9ua.fr`. Kept as written
 * when it is no valid name.
 */
export function asciiDomain(domain: string): string {
  const lower = domain.trim().toLowerCase().replace(/\.$/, "");
  // ASCII names (nearly all) as they are: domainToASCII would also reject some that mail accepts.
  if (!/\P{ASCII}/u.test(lower)) return lower;
  return domainToASCII(lower) || lower;
}

/**
 * The organisational domain of an address or domain, public-suffix aware: `mail.editeur.fr` and
 * `editeur.fr` are one organisation, `a.co.uk` and `b.co.uk` are not, nor `a.github.io` and
 * `b.github.io` (private suffixes count, as they do for mailauth's DMARC checks). Under the
 * reserved test domains (RFC 2606: `example.test`, `example.com`…) each company has its own
 * name, as it would under a real suffix: `editeur.example.test` and `distrib.example.test` are two
 * organisations (the demo and the tests rely on it), `mail.editeur.example.test` is the first.
 */
export function organisationalDomain(addressOrDomain: string): string | null {
  const domain = addressOrDomain.includes("@") ? domainOf(addressOrDomain) : asciiDomain(addressOrDomain);
  if (!domain) return null;
  const example = RESERVED_EXAMPLE.exec(domain);
  if (example) return example[1]!;
  return getDomain(domain, { allowPrivateDomains: true }) ?? domain;
}

/** A name under an RFC 2606 example domain: the company's part and the example domain. */
const RESERVED_EXAMPLE =
  /(?:^|\.)([^.]+\.example\.(?:test|com|net|org)|[^.]+\.(?:test|example|invalid|localhost))$/;

/** Whether two addresses or domains belong to the same organisation. */
export function sameOrganisation(a: string, b: string): boolean {
  const left = organisationalDomain(a);
  return left !== null && left === organisationalDomain(b);
}

/** A plausible mailbox address (local@domain.tld), compared lower-cased. */
const ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** Addresses are compared lower-cased: mail systems treat them case-insensitively in practice. */
export function canonicalAddress(text: string): string | null {
  const email = text.trim().toLowerCase();
  return ADDRESS.test(email) ? email : null;
}
