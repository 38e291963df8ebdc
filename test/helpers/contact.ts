import type { Db } from "../../src/db/client.ts";
import type { ContactMessage } from "../../src/support/tickets.ts";

let uid = 0;

/** Claims an inbound contact@ message the way the daemon does, with its raw bytes. */
export async function insertInbound(
  db: Db,
  message: {
    messageId: string;
    from: string;
    subject: string;
    raw?: string;
    receivedAt?: Date;
    mailbox?: string;
  },
): Promise<number> {
  uid++;
  const row = await db.inboundMessage.create({
    data: {
      mailbox: message.mailbox ?? "contact",
      uidValidity: "1",
      uid: String(uid),
      contentHash: `hash-${uid}`,
      messageId: message.messageId,
      fromAddress: message.from,
      subject: message.subject,
      status: "processed",
      raw: message.raw === undefined ? null : Buffer.from(message.raw),
      receivedAt: message.receivedAt ?? new Date("2026-11-20T09:00:00Z"),
    },
  });
  return row.id;
}

/** A realistic raw French email to contact@ (what is stored before the retention purge). */
export function rawEmail(from: string, subject: string, messageId: string, text: string): string {
  return [
    `From: ${from}`,
    "To: contact@example.test",
    `Subject: ${subject}`,
    `Message-ID: ${messageId}`,
    "Date: Fri, 20 Nov 2026 10:00:00 +0100",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    text,
    "",
  ].join("\r\n");
}

/** The facts intake hands to triage, for a message already claimed. */
export function contactMessage(partial: Partial<ContactMessage> & { sender: string }): ContactMessage {
  return {
    authenticated: true,
    subject: "Demande",
    messageId: null,
    inReplyTo: null,
    references: [],
    text: "",
    inboundMessageId: null,
    ...partial,
  };
}
