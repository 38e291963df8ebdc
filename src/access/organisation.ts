import { getDomain } from "tldts";

/** The domain part of an address, lower-cased; null when the address has none. */
export function domainOf(address: string): string | null {
  const at = address.lastIndexOf("@");
  if (at < 1 || at === address.length - 1) return null;
  return address
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, "");
}

/**
 * The organisational domain of an address or domain, public-suffix aware: `mail.editeur.fr` and
 * `editeur.fr` are one organisation, `a.co.uk` and `b.co.uk` are not. Private suffixes are not
 * used, and reserved test domains (`example.test`) resolve to themselves.
 */
export function organisationalDomain(addressOrDomain: string): string | null {
  const domain = addressOrDomain.includes("@")
    ? domainOf(addressOrDomain)
    : addressOrDomain.trim().toLowerCase();
  if (!domain) return null;
  return getDomain(domain, { allowPrivateDomains: false }) ?? domain;
}
