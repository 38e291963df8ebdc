import { simpleParser } from "mailparser";
import MailComposer from "nodemailer/lib/mail-composer";
import { beforeAll, describe, expect, it } from "vitest";
import { composeMessage, encodeSubject } from "../../src/render/compose.ts";
import { createRenderer, type Renderer } from "../../src/render/renderer.ts";
import { SAMPLE_DATA } from "../../src/render/samples.ts";

let renderer: Renderer;
beforeAll(async () => {
  renderer = await createRenderer();
});

const thread = { messageId: "<req-42@editeur.fr>", references: ["<root-1@editeur.fr>"] };
const date = new Date("2026-11-23T09:12:00Z");

/** The same email as nodemailer's composer writes it, for comparison. */
async function byNodemailer(email: ReturnType<Renderer["render"]>, messageId: string) {
  return new MailComposer({
    from: "no-reply@example.test",
    to: "jean.dupont@editeur.fr",
    replyTo: "contact@example.test",
    subject: email.subject,
    messageId,
    date,
    inReplyTo: "<req-42@editeur.fr>",
    references: ["<root-1@editeur.fr>", "<req-42@editeur.fr>"],
    text: email.text,
    html: email.html,
    headers: { "Auto-Submitted": "auto-replied", "X-Loop": "no-reply@example.test" },
    newline: "win",
  })
    .compile()
    .build();
}

/** Each part of a multipart message, its body decoded to the bytes before transfer encoding. */
function decodedParts(raw: Buffer): { type: string; body: string }[] {
  const message = raw.toString("latin1");
  const boundary = /boundary="([^"]+)"/.exec(message)![1]!;
  return message
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const end = part.indexOf("\r\n\r\n");
      const head = part.slice(0, end);
      const encoded = part.slice(end + 4).replace(/\r\n$/, "");
      const bytes = /base64/i.test(head)
        ? Buffer.from(encoded, "base64")
        : Buffer.from(
            encoded
              .replace(/=\r\n/g, "")
              .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))),
            "latin1",
          );
      return { type: /Content-Type: ([^;\r\n]+)/i.exec(head)![1]!, body: bytes.toString("utf8") };
    });
}

describe("the outgoing message", () => {
  it("reads, for a mail client, exactly as nodemailer's composition of the same result email", async () => {
    const email = renderer.render("result", SAMPLE_DATA.result);
    const ours = await composeMessage({
      email,
      from: "no-reply@example.test",
      to: "jean.dupont@editeur.fr",
      replyTo: "contact@example.test",
      inReplyTo: thread,
      date,
    });
    const [mine, theirs] = await Promise.all([
      simpleParser(ours.raw),
      simpleParser(await byNodemailer(email, ours.messageId)),
    ]);
    for (const field of ["subject", "messageId", "inReplyTo", "references", "text", "html"] as const)
      expect(mine[field]).toEqual(theirs[field]);
    expect(mine.date).toEqual(date);
    expect([mine.from?.text, mine.to && "text" in mine.to ? mine.to.text : null, mine.replyTo?.text]).toEqual(
      ["no-reply@example.test", "jean.dupont@editeur.fr", "contact@example.test"],
    );
    expect(mine.headers.get("auto-submitted")).toBe("auto-replied");
    expect(mine.headers.get("x-auto-response-suppress")).toBe("All");
    expect(mine.headers.get("x-loop")).toBe("no-reply@example.test");
  });

  it.each([
    ["written directly", "jean.dupont@editeur.fr"],
    ["composed by nodemailer", "jean@éditeur-radiologie.fr"],
  ])("writes the text and HTML parts with CRLF line breaks before encoding them (%s)", async (_, to) => {
    const email = renderer.render("result", SAMPLE_DATA.result);
    const { raw } = await composeMessage({
      email,
      from: "no-reply@example.test",
      to,
      replyTo: "contact@example.test",
      inReplyTo: thread,
    });
    const parts = decodedParts(raw);
    expect(parts.map((p) => p.type)).toEqual(["text/plain", "text/html"]);
    for (const part of parts) {
      expect(part.body).toContain("\r\n");
      expect(part.body).not.toMatch(/(?<!\r)\n|\r(?!\n)/);
    }
    expect(parts[0]!.body).toBe(email.text.replace(/\n/g, "\r\n"));
  });

  it("carries the HTML without MJML's indentation, the quoted example still on its own lines", () => {
    const { html } = renderer.render("help", SAMPLE_DATA.help);
    expect(html).not.toMatch(/\n[ \t]/);
    expect(html).not.toMatch(/\n\n/);
    expect(html).toMatch(/<div class="quote"[^>]*>[^\n]*<br>[^\n]*<br>/);
  });

  /** A ticket acknowledgment to Jean, in reply to `thread`. */
  const ackTo = (thread: { messageId: string; references: string[] }) =>
    composeMessage({
      email: renderer.render("ticket-ack", SAMPLE_DATA["ticket-ack"]),
      from: "no-reply@example.test",
      to: "jean.dupont@editeur.fr",
      replyTo: "contact@example.test",
      inReplyTo: thread,
    });

  it("keeps every line of a long thread's message within SMTP's limits", async () => {
    const references = Array.from({ length: 40 }, (_, i) => `<message-${i}-${"x".repeat(60)}@editeur.fr>`);
    const { raw } = await ackTo({ messageId: "<last@editeur.fr>", references });
    const lines = raw.toString("utf8").split("\r\n");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(998);
    expect(raw.toString("utf8")).not.toMatch(/[^\r]\n/);
    const mail = await simpleParser(raw);
    expect(mail.references).toHaveLength(20);
    expect((mail.references as string[])[0]).toBe(references[0]);
  });

  it("ends References with the request's own id, even when its client already listed it early", async () => {
    const references = Array.from({ length: 30 }, (_, i) => `<message-${i}@editeur.fr>`);
    // Some clients (and loops of forwards) put the message's own id among its References.
    references.splice(3, 0, "<last@editeur.fr>");
    const { raw } = await ackTo({ messageId: "<last@editeur.fr>", references });
    const mail = await simpleParser(raw);
    expect(mail.inReplyTo).toBe("<last@editeur.fr>");
    expect(mail.references).toHaveLength(20);
    expect((mail.references as string[]).at(-1)).toBe("<last@editeur.fr>");
    expect((mail.references as string[]).filter((id) => id === "<last@editeur.fr>")).toHaveLength(1);
  });

  it("encodes an internationalised address (through nodemailer's composer)", async () => {
    const { raw } = await composeMessage({
      email: renderer.render("ticket-ack", SAMPLE_DATA["ticket-ack"]),
      from: "no-reply@example.test",
      to: "jean@éditeur-radiologie.fr",
      replyTo: "contact@example.test",
      inReplyTo: null,
    });
    const head = raw.toString("utf8").split("\r\n\r\n")[0]!;
    expect(head).toMatch(/^To: jean@xn--diteur-radiologie-[a-z0-9]+\.fr$/m);
    expect(head).toMatch(/^Auto-Submitted: auto-replied$/m);
  });

  it("never lets a sender's Message-ID add a header line", async () => {
    const { raw } = await composeMessage({
      email: renderer.render("ticket-ack", SAMPLE_DATA["ticket-ack"]),
      from: "no-reply@example.test",
      to: "jean.dupont@editeur.fr",
      replyTo: "contact@example.test",
      inReplyTo: { messageId: "<a@b>\r\nBcc: victim@example.test", references: [] },
    });
    expect(raw.toString("utf8").split("\r\n\r\n")[0]).not.toMatch(/^Bcc:/m);
  });
});

describe("a subject", () => {
  it("stays as it is in plain ASCII", () => {
    expect(encodeSubject("Demande de calcul")).toBe("Demande de calcul");
  });

  it("is split into encoded words of whole characters, each within 75 characters", async () => {
    const subject = "Ségur Numérique - Imagerie - Calcul de la tranche — « été » 🚀 ".repeat(3);
    const encoded = encodeSubject(subject);
    for (const line of encoded.split("\r\n ")) expect(line.length).toBeLessThanOrEqual(75);
    const mail = await simpleParser(Buffer.from(`Subject: ${encoded}\r\n\r\nx`));
    expect(mail.subject).toBe(subject);
  });
});
