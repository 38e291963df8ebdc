import { BlockList, isIP } from "node:net";
import type { DNSResolver } from "mailauth";
import { asciiDomain, domainOf, sameOrganisation } from "../addresses/organisation.ts";

export type AuthMode = "authentication-results" | "verify" | "trust-from";

/** What proved the sender: a DMARC pass, an aligned DKIM or SPF pass, or nothing checked (demo). */
export type AuthMethod = "dmarc" | "dkim" | "spf" | "trust-from";

export interface AuthenticationOutcome {
  authenticated: boolean;
  mode: AuthMode;
  method: AuthMethod | null;
  /** Short English explanation, for logs and support (never shown to the sender). */
  detail: string;
  /** Set in trust-from mode: the demo mode must be loud on every message. */
  warning: string | null;
}

export interface AuthResult {
  method: string;
  result: string;
  /** `ptype.property` → value, e.g. `header.d` → `editeur.fr`. */
  properties: Record<string, string>;
}

export interface AuthenticationResultsHeader {
  authservId: string;
  results: AuthResult[];
  /** Why the results cannot be read safely (they are then empty), null when they can. */
  problem: string | null;
}

/**
 * Removes RFC 5322 comments (nested parentheses), leaving quoted strings alone. `quotedInComment`:
 * a comment held a `"` or a `\`. Servers write the envelope sender, which the sender chooses, in a
 * comment (`(domain of "a);dkim=pass header.d=victim.fr;(b"@evil.com designates …)`), each escaping
 * it its own way (mailauth escapes `)` but not `(`): where that comment ends is then a guess, and
 * the text after it may be the sender's.
 */
function stripComments(value: string): { text: string; quotedInComment: boolean } {
  let out = "";
  let depth = 0;
  let quoted = false;
  let quotedInComment = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (depth > 0 && (c === "\\" || c === '"')) quotedInComment = true;
    if (c === "\\" && i + 1 < value.length) {
      if (depth === 0) out += c + value[i + 1];
      i++;
    } else if (quoted) {
      out += c;
      if (c === '"') quoted = false;
    } else if (c === "(") depth++;
    else if (c === ")" && depth > 0) depth--;
    else if (depth === 0) {
      if (c === '"') quoted = true;
      out += c;
    }
  }
  return { text: out, quotedInComment };
}

/**
 * Splits on a separator outside quoted strings. A quoted-pair (`\"`) inside a quoted string does
 * not end it: the sender chooses the envelope address a server writes as `smtp.mailfrom="\"a;dkim=pass
 * header.d=victim.fr;\"@evil.com"` (mailauth does), and ending the string there would read a
 * result the server never gave.
 */
function splitOutsideQuotes(value: string, separator: RegExp): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  let escaped = false;
  for (const c of value) {
    if (escaped) escaped = false;
    else if (quoted && c === "\\") escaped = true;
    else if (c === '"') quoted = !quoted;
    if (!quoted && !escaped && separator.test(c)) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts;
}

const unquote = (v: string) =>
  v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1).replace(/\\(.)/g, "$1") : v;

/** Parses one RFC 8601 `Authentication-Results` header value; null when it has no authserv-id. */
export function parseAuthenticationResults(value: string): AuthenticationResultsHeader | null {
  const stripped = stripComments(value.replace(/\r?\n[ \t]+/g, " "));
  const clean = stripped.text.replace(/\s*=\s*/g, "=");
  const [head = "", ...resultParts] = splitOutsideQuotes(clean, /;/);
  const authservId = head.trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  if (!authservId) return null;
  if (stripped.quotedInComment)
    return { authservId, results: [], problem: "a comment holds a quote or a backslash" };
  const results: AuthResult[] = [];
  for (const part of resultParts) {
    const tokens = splitOutsideQuotes(part.trim(), /\s/).filter(Boolean);
    const [first, ...rest] = tokens;
    if (!first || first.toLowerCase() === "none") continue;
    const eq = first.indexOf("=");
    if (eq < 0) continue;
    const method = first.slice(0, eq).split("/")[0]?.toLowerCase() ?? "";
    const result = first.slice(eq + 1).toLowerCase();
    const properties: Record<string, string> = {};
    for (const token of rest) {
      const at = token.indexOf("=");
      if (at < 0) continue;
      properties[token.slice(0, at).toLowerCase()] = unquote(token.slice(at + 1));
    }
    results.push({ method, result, properties });
  }
  return { authservId, results, problem: null };
}

/** Domain named by a property that may be an address (`jean@editeur.fr`), `@editeur.fr` or a domain. */
function propertyDomain(value: string | undefined): string | null {
  if (!value) return null;
  const trimmed = value.trim().replace(/^<|>$/g, "");
  // Gmail writes `header.i=@editeur.fr`: a domain after an empty local part.
  const domain = trimmed.includes("@") ? trimmed.slice(trimmed.lastIndexOf("@") + 1) : trimmed;
  return asciiDomain(domain) || null;
}

function aligned(domain: string | null, fromDomain: string): boolean {
  return domain !== null && sameOrganisation(domain, fromDomain);
}

/**
 * Decides from the results the trusted server wrote. A DMARC pass counts when it names the From
 * domain itself (`header.from`): it says which From it judged. Relaxed alignment for the rest: the
 * DKIM `header.d` or the SPF `smtp.mailfrom` must share the From address's organisational domain
 * (DMARC aligns SPF on the envelope sender only, never on the HELO name).
 */
export function judgeResults(
  results: AuthResult[],
  fromAddress: string | null,
  mode: AuthMode,
): AuthenticationOutcome {
  const fail = (detail: string): AuthenticationOutcome => ({
    authenticated: false,
    mode,
    method: null,
    detail,
    warning: null,
  });
  const fromDomain = fromAddress ? domainOf(fromAddress) : null;
  if (!fromDomain) return fail("no single From address");
  const pass = (method: AuthMethod, detail: string): AuthenticationOutcome => ({
    authenticated: true,
    mode,
    method,
    detail,
    warning: null,
  });
  for (const r of results) {
    if (r.method !== "dmarc" || r.result !== "pass") continue;
    if (propertyDomain(r.properties["header.from"]) === fromDomain) return pass("dmarc", "dmarc=pass");
  }
  for (const r of results) {
    if (r.method !== "dkim" || r.result !== "pass") continue;
    const d = propertyDomain(r.properties["header.d"] ?? r.properties["header.i"]);
    if (aligned(d, fromDomain)) return pass("dkim", `dkim=pass header.d=${d}`);
  }
  for (const r of results) {
    if (r.method !== "spf" || r.result !== "pass") continue;
    const d = propertyDomain(r.properties["smtp.mailfrom"]);
    if (aligned(d, fromDomain)) return pass("spf", `spf=pass smtp.mailfrom=${d}`);
  }
  const seen = results.map((r) => `${r.method}=${r.result}`).join(" ");
  return fail(seen ? `no aligned pass (${seen})` : "no authentication result");
}

/** judgeResults on a parsed header; one that cannot be read safely says why in the detail. */
function judgeHeader(
  header: AuthenticationResultsHeader | null,
  fromAddress: string | null,
  mode: AuthMode,
): AuthenticationOutcome {
  const outcome = judgeResults(header?.results ?? [], fromAddress, mode);
  return header?.problem ? { ...outcome, detail: `${outcome.detail}: ${header.problem}` } : outcome;
}

/**
 * Reads the `Authentication-Results` headers (topmost first) and trusts only the topmost one
 * written by the configured authserv-id: the receiving server prepends its own, and any header
 * below it with the same id came with the message and may be forged.
 */
export function authenticateFromHeaders(
  headerValues: readonly string[],
  fromAddress: string | null,
  authservId: string,
): AuthenticationOutcome {
  const trusted = authservId.toLowerCase();
  for (const value of headerValues) {
    const parsed = parseAuthenticationResults(value);
    if (parsed?.authservId === trusted) return judgeHeader(parsed, fromAddress, "authentication-results");
  }
  return {
    authenticated: false,
    mode: "authentication-results",
    method: null,
    detail: `no Authentication-Results from ${trusted}`,
    warning: null,
  };
}

export function trustFrom(fromAddress: string | null): AuthenticationOutcome {
  return {
    authenticated: fromAddress !== null,
    mode: "trust-from",
    method: fromAddress ? "trust-from" : null,
    detail: "From trusted without any check",
    warning: "authentication disabled (trust-from demo mode): a forged From would be believed",
  };
}

export interface ConnectionInfo {
  ip: string | null;
  helo: string | null;
  /** Why no client could be trusted, for the outcome's detail (null when found). */
  problem?: string;
}

/** Addresses of a site's own network: the hops between its MX and the mailbox. */
const INTERNAL = new BlockList();
for (const [net, bits] of [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["100.64.0.0", 10],
] as const)
  INTERNAL.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const)
  INTERNAL.addSubnet(net, bits, "ipv6");

const isInternal = (ip: string) => INTERNAL.check(ip, isIP(ip) === 6 ? "ipv6" : "ipv4");

/** The parts of a `Received` value: its `from` clause (up to `by`) and the host after `by`. */
function receivedParts(raw: string): { from: string; by: string | null } {
  const value = raw.replace(/\s+/g, " ");
  const by = /\bby\s+([^\s;()]+)/i.exec(value);
  const from = /^\s*from\s+/i.test(value) ? value.slice(0, by ? by.index : value.length) : "";
  return { from, by: by?.[1]?.toLowerCase() ?? null };
}

/**
 * The client address the receiving server saw, from a `from` clause. It is the one inside the
 * server's comment: Postfix and Sendmail write `from HELO (rdns [ip])`, Exim `from rdns ([ip]
 * helo=HELO)`, Exchange `from host (ip)`. The HELO, written first, is the client's own choice and
 * may be an address literal, and hold brackets and parentheses of its own (`from [198.51.100.5]
 * (unknown [203.0.113.66])`, `from ([198.51.100.5]) (…)`): the first word after `from` is never
 * read for a comment, nor anything after `helo=`. The first word is taken only when the comments
 * hold no address: Exim's own `[ip]` without reverse DNS (`from [ip] (helo=HELO)`); Postfix and
 * Sendmail always write the address in their comment.
 */
function clientAddress(fromClause: string): string | null {
  const literal = (text: string) => /\[(?:IPv6:)?([0-9a-f.:]+)\]/i.exec(text)?.[1] ?? null;
  const clause = fromClause.replace(/^\s*from\s+/i, "");
  const space = clause.search(/\s/);
  const first = space < 0 ? clause : clause.slice(0, space);
  // Exim ends its comment with `helo=HELO`: everything from there on is the client's.
  const after = space < 0 ? "" : clause.slice(space);
  const helo = after.search(/helo=/i);
  const rest = helo < 0 ? after : after.slice(0, helo);
  for (const [, comment] of rest.matchAll(/\(([^()]*)(?:\)|$)/g)) {
    const ip = literal(comment!);
    if (ip && isIP(ip)) return ip;
    const bare = comment!.trim();
    if (isIP(bare)) return bare;
  }
  const ip = literal(first);
  return ip && isIP(ip) ? ip : null;
}

/**
 * The connecting client as recorded by our own receiving server: the topmost `Received` header
 * whose `by` names the authserv-id host. Headers below it are the sender's. Every hop above it must
 * be internal (a private or loopback client, or none, as LMTP over a socket): a hop above that
 * received from the Internet means our MX writes another name than the authserv-id, and the
 * matching header below is one the sender wrote. Then no client is trusted (SPF cannot pass; DKIM
 * still can).
 */
export function trustedConnection(receivedValues: readonly string[], authservId: string): ConnectionInfo {
  const host = authservId.toLowerCase();
  for (const raw of receivedValues) {
    const { from, by } = receivedParts(raw);
    if (by !== host) {
      const ip = clientAddress(from);
      if (ip && !isInternal(ip))
        return {
          ip: null,
          helo: null,
          problem: `a Received header above ${host}'s names an Internet client (${ip}): is ${host} the name the MX writes?`,
        };
      continue;
    }
    const helo = /\bhelo=([^\s;()]+)/i.exec(from)?.[1] ?? /^\s*from\s+([^\s;()]+)/i.exec(from)?.[1] ?? null;
    return { ip: clientAddress(from), helo };
  }
  return { ip: null, helo: null, problem: `no Received header by ${host}` };
}

export interface VerifyOptions {
  authservId: string;
  resolver: DNSResolver;
  /** Envelope sender (Return-Path), when known. */
  sender: string | null;
  connection: ConnectionInfo;
}

/** Verifies DKIM, SPF and DMARC here with mailauth, through the injected DNS resolver. */
export async function verifyMessage(
  raw: Buffer,
  fromAddress: string | null,
  options: VerifyOptions,
): Promise<AuthenticationOutcome> {
  try {
    // Loaded on first use: only the `verify` mode needs mailauth (~28 MB resident).
    const { authenticate } = await import("mailauth");
    const result = await authenticate(raw, {
      resolver: options.resolver,
      mta: options.authservId,
      ...(options.connection.ip ? { ip: options.connection.ip } : {}),
      ...(options.connection.helo ? { helo: options.connection.helo } : {}),
      ...(options.sender ? { sender: options.sender } : {}),
      disableArc: true,
      disableBimi: true,
    });
    const header = /Authentication-Results:\s*([\s\S]*)/i.exec(result.headers)?.[1] ?? "";
    const parsed = parseAuthenticationResults(header);
    const outcome = judgeHeader(parsed, fromAddress, "verify");
    const { problem } = options.connection;
    return outcome.authenticated || !problem
      ? outcome
      : { ...outcome, detail: `${outcome.detail}; ${problem}` };
  } catch (error) {
    return {
      authenticated: false,
      mode: "verify",
      method: null,
      detail: `verification failed: ${(error as Error).message}`,
      warning: null,
    };
  }
}
