import { getDomain } from "tldts";

/** Domain part of an address, lowercased; null when the address has none. */
export function domainOf(address: string): string | null {
  const at = address.lastIndexOf("@");
  if (at < 0 || at === address.length - 1) return null;
  return address.slice(at + 1).toLowerCase();
}

/**
 * Organisational domain, public-suffix aware (`mail.editeur.fr` → `editeur.fr`). Private suffixes
 * are ignored so that reserved test domains (`example.test`) still have an organisation.
 */
export function organisationOf(domain: string): string {
  const lower = domain.toLowerCase().replace(/\.$/, "");
  return getDomain(lower, { allowPrivateDomains: false }) ?? lower;
}

/** Organisational domain of an address's domain, or null when the address has no domain. */
export function organisationOfAddress(address: string): string | null {
  const domain = domainOf(address);
  return domain ? organisationOf(domain) : null;
}
