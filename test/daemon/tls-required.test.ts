import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import type { InboundMessageRef } from "../../src/daemon/handler.ts";
import { mailboxSources, outgoingTransport } from "../../src/daemon/runtime.ts";
import type { SourceStatus } from "../../src/mailbox/source.ts";
import { requestEmail } from "../helpers/reply-handler.ts";
import { type DovecotServer, startDovecot } from "../servers/dovecot.ts";
import { waitFor } from "../servers/ports.ts";
import { startSmtpSink } from "../servers/smtp-sink.ts";
import { startTcpProxy, stripStartTls } from "../servers/tcp-proxy.ts";

// 0.0.0.0 reaches this machine's listeners (Linux) but is not a loopback address: the daemon treats
// it as a server elsewhere on the network, as it would imap.editeur.fr.
let dovecot: DovecotServer;

beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.destroy();
});

const configFor = (env: Record<string, string>) =>
  loadConfig({ TRANCHE_CONFIG: "", TRANCHE_TLS_CA_FILE: dovecot.tls.certPath, ...env }, "/nonexistent");

function watchContact(env: Record<string, string>) {
  const [contact] = mailboxSources(configFor(env));
  const seen: InboundMessageRef[] = [];
  const statuses: SourceStatus[] = [];
  contact!.start(
    async (message) => {
      seen.push(message);
      return "processed";
    },
    (status) => statuses.push(status),
  );
  return { source: contact!, seen, statuses };
}

describe("the daemon's mailboxes and relay elsewhere on the network", () => {
  it("never log in to an IMAP server that offers no STARTTLS, unless clear text is allowed", async () => {
    const proxy = await startTcpProxy(dovecot.imapPort, { fromServer: stripStartTls });
    const url = `imap://support:${dovecot.password("support")}@0.0.0.0:${proxy.port}/INBOX`;
    try {
      await dovecot.append("support", requestEmail("remote"));
      const refused = watchContact({ TRANCHE_CONTACT_IMAP_URL: url });
      try {
        const status = await waitFor("the session refused", () =>
          refused.statuses.find((s) => s.state === "backoff" && s.error),
        );
        expect(status.error).toContain("Server does not support STARTTLS: not logging in without TLS");
        expect(proxy.fromClients()).not.toContain(dovecot.password("support"));
      } finally {
        await refused.source.stop();
      }
      const allowed = watchContact({ TRANCHE_CONTACT_IMAP_URL: url, TRANCHE_ALLOW_CLEAR_TEXT: "true" });
      try {
        await waitFor("read in clear text", () =>
          allowed.seen.some((m) => m.raw.toString().includes("<req-remote@")),
        );
      } finally {
        await allowed.source.stop();
      }
    } finally {
      await proxy.close();
    }
  });

  it("never log in to an SMTP relay that offers no STARTTLS, unless clear text is allowed", async () => {
    const sink = await startSmtpSink({ tls: dovecot.tls, starttls: false });
    const url = sink.url.replace("@127.0.0.1:", "@0.0.0.0:");
    const envelope = {
      id: 1,
      messageId: "<resultat-1@example.test>",
      envelopeFrom: "no-reply@example.test",
      recipients: ["jeanne.martin@editeur-ris.fr"],
      raw: Buffer.from("Subject: Résultat\r\n\r\nTranche B\r\n"),
    };
    try {
      const refusing = outgoingTransport(configFor({ TRANCHE_SMTP_URL: url }));
      await expect(refusing.send(envelope)).rejects.toMatchObject({
        permanent: false,
        everyEmail: true,
        response: expect.stringMatching(
          /: not logging in without TLS \(use smtps:\/\/, or TRANCHE_ALLOW_CLEAR_TEXT=true\)$/,
        ),
      });
      refusing.close();
      expect(sink.logins).toBe(0);
      const allowed = outgoingTransport(
        configFor({ TRANCHE_SMTP_URL: url, TRANCHE_ALLOW_CLEAR_TEXT: "true" }),
      );
      await allowed.send(envelope);
      allowed.close();
      expect(sink.received).toHaveLength(1);
    } finally {
      await sink.close();
    }
  });
});
