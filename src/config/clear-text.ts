import { hostOf } from "./server-url.ts";

/**
 * Whether STARTTLS is mandatory for a session to this server, before the password goes: `imap://` and
 * `smtp://` upgrade with STARTTLS, and a server — or anyone between — that offers none would
 * otherwise be handed the password in clear text. Only a server on this machine (loopback) may go
 * without, unless the operator allows it (`TRANCHE_ALLOW_CLEAR_TEXT`). `imaps://` and `smtps://` are
 * TLS from the first byte; an SMTP relay without a user in its URL gets no password, and keeps
 * STARTTLS when offered, as mail servers do between themselves.
 */
export function requireStartTls(url: string, allowClearText: boolean): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === "imaps:" || parsed.protocol === "smtps:") return false;
  if (parsed.protocol === "smtp:" && !parsed.username) return false;
  return !allowClearText && !isLoopback(hostOf(parsed));
}

function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    // Not `*.localhost`: the resolver here asks DNS for those.
    host === "localhost" ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    host === "::1" ||
    /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host) // ::ffff:127.x.x.x, as URL writes it
  );
}
