import { describe, expect, it } from "vitest";
import { requireStartTls } from "../../src/config/clear-text.ts";
import { loadConfig } from "../../src/config/load.ts";

const allowed = (url: string) => !requireStartTls(url, false);

describe("logging in without TLS", () => {
  it("is refused to a mail server elsewhere on the network that offers no STARTTLS", () => {
    expect(allowed("imap://contact%40editeur.fr:secret@imap.editeur.fr:143/INBOX")).toBe(false);
    expect(allowed("imap://contact:secret@10.0.0.12/INBOX")).toBe(false);
    expect(allowed("imap://contact:secret@[2001:db8::25]/INBOX")).toBe(false);
    expect(allowed("smtp://no-reply%40editeur.fr:secret@smtp.editeur.fr:587")).toBe(false);
    // A name that only starts like a loopback one is not on this machine.
    expect(allowed("imap://contact:secret@127.0.0.1.attaquant.example/INBOX")).toBe(false);
    expect(allowed("imap://contact:secret@localhost.attaquant.example/INBOX")).toBe(false);
    // Resolved through DNS here, whatever RFC 6761 says of the name.
    expect(allowed("imap://contact:secret@imap.localhost/INBOX")).toBe(false);
    // Reaches this machine's own listeners on Linux, but is no loopback address.
    expect(allowed("imap://contact:secret@0.0.0.0/INBOX")).toBe(false);
  });

  it("is allowed to a server on this machine (loopback), where nothing crosses the network", () => {
    expect(allowed("imap://contact:secret@127.0.0.1:1143/INBOX")).toBe(true);
    expect(allowed("imap://contact:secret@127.8.0.1/INBOX")).toBe(true);
    expect(allowed("imap://contact:secret@localhost/INBOX")).toBe(true);
    expect(allowed("imap://contact:secret@LOCALHOST/INBOX")).toBe(true);
    expect(allowed("imap://contact:secret@[::1]:143/INBOX")).toBe(true);
    expect(allowed("imap://contact:secret@[::ffff:127.0.0.1]/INBOX")).toBe(true);
    expect(allowed("smtp://no-reply:secret@localhost:25")).toBe(true);
  });

  it("is not a question for a relay that gets no password, nor over imaps:// and smtps://", () => {
    expect(allowed("smtp://relais.editeur.fr:25")).toBe(true);
    expect(allowed("imaps://contact:secret@imap.editeur.fr/INBOX")).toBe(true);
    expect(allowed("smtps://no-reply:secret@smtp.editeur.fr")).toBe(true);
  });

  it("is allowed anywhere when the operator says so (TRANCHE_ALLOW_CLEAR_TEXT), off by default", () => {
    expect(loadConfig({ TRANCHE_CONFIG: "" }, "/nonexistent").allowClearText).toBe(false);
    const config = loadConfig({ TRANCHE_CONFIG: "", TRANCHE_ALLOW_CLEAR_TEXT: "oui" }, "/nonexistent");
    expect(config.allowClearText).toBe(true);
    expect(requireStartTls("imap://contact:secret@imap.editeur.fr/INBOX", config.allowClearText)).toBe(false);
  });
});
