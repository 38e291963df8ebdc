import { headerHints } from "../../src/daemon/claim.ts";
import type { MessageHandler } from "../../src/daemon/handler.ts";
import { composeMessage } from "../../src/render/compose.ts";

/**
 * The daemon tests' pipeline: answers every message to its sender with a composed, threaded reply
 * (the real intake → decide → render chain is tested on its own). `fail` makes it throw instead;
 * `quarantine` keeps the message for support without a reply.
 */
export function replyHandler(
  options: { fail?: (subject: string) => boolean; quarantine?: (subject: string) => boolean } = {},
): MessageHandler {
  return async (message) => {
    const hints = headerHints(message.raw);
    const subject = hints.subject ?? "";
    if (options.fail?.(subject)) throw new Error(`handler failure on « ${subject} »`);
    if (options.quarantine?.(subject))
      return { status: "quarantined", decision: "quarantine-test", outgoing: [], at: new Date() };
    const to = (hints.from ?? "").match(/[^<\s]+@[^>\s]+/)?.[0] ?? "unknown@example.test";
    const reply = await composeMessage({
      email: { subject: `Re: ${subject}`, text: `Réponse à ${subject}`, html: `<p>Réponse à ${subject}</p>` },
      from: "no-reply@example.test",
      to,
      replyTo: "contact@example.test",
      inReplyTo: { messageId: hints.messageId, references: [] },
    });
    return {
      status: "processed",
      decision: "reply-test",
      summary: { subject },
      at: new Date(),
      outgoing: [
        {
          kind: "test",
          messageId: reply.messageId,
          envelopeFrom: "no-reply@example.test",
          recipients: [to],
          raw: reply.raw,
        },
      ],
    };
  };
}

/** A realistic French request email; `n` makes its Message-ID and subject unique. */
export function requestEmail(n: number | string, from = "requester@editeur.example.test"): string {
  return [
    `From: Jeanne Martin <${from}>`,
    "To: calcul@example.test",
    `Subject: Demande de calcul ${n}`,
    `Message-ID: <req-${n}@editeur.example.test>`,
    "Date: Mon, 23 Nov 2026 10:00:00 +0100",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    "Bonjour,",
    "Référence : Centre d'imagerie du Parc",
    "FINESS radiologie : 750000010",
    "Cordialement,",
    "Jeanne",
    "",
  ].join("\r\n");
}
