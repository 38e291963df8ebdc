import {
  type Attachment,
  type AttachmentStream,
  type HeaderLines,
  type Headers,
  MailParser,
  type MailParserOptions,
  type MessageText,
  type ParsedMail,
} from "mailparser";

/** Headers that mailparser's simpleParser copies onto the parsed mail, under a camel-cased name. */
const COPIED = [
  "subject",
  "references",
  "date",
  "to",
  "from",
  "cc",
  "bcc",
  "message-id",
  "in-reply-to",
  "reply-to",
];

/**
 * mailparser's simpleParser (with `keepCidLinks`: an inline image is not copied into the HTML as a
 * data: URI, which would count against the body limit), except that an attachment's content is
 * kept only up to `maxAttachmentBytes`: past it the content is left empty, its `size` still the full
 * size, so that intake sees it as too large — as it would anyway — without ever holding it. A
 * scanned 20 MB PDF beside a request was decoded in full by simpleParser.
 */
export function parseMessage(
  raw: Buffer,
  options: MailParserOptions,
  maxAttachmentBytes: number,
): Promise<ParsedMail> {
  return new Promise((resolve, reject) => {
    const mail = { attachments: [] as Attachment[] } as unknown as ParsedMail & Record<string, unknown>;
    let settled = false;
    // MailParser may emit a non-fatal 'error' and still reach 'end': the first outcome wins.
    const fail = (error: unknown) => {
      if (!settled) reject(error);
      settled = true;
    };
    const parser = new MailParser(options);
    parser.on("error", fail);
    parser.on("headers", (headers: Headers) => {
      mail.headers = headers;
      mail.headerLines = (parser as unknown as { headerLines: HeaderLines }).headerLines;
    });
    let reading = false;
    const read = (): void => {
      reading = true;
      const data = parser.read() as (AttachmentStream | MessageText) | null;
      if (data === null) {
        reading = false;
        return;
      }
      if (data.type === "text") {
        for (const key of ["text", "html", "textAsHtml"] as const)
          if (key in data) (mail as Record<string, unknown>)[key] = data[key];
        read();
        return;
      }
      const attachment = data;
      mail.attachments.push(attachment as unknown as Attachment);
      const chunks: Buffer[] = [];
      let length = 0;
      attachment.content.on("data", (chunk: Buffer) => {
        length += chunk.length;
        if (length <= maxAttachmentBytes) chunks.push(chunk);
        else chunks.length = 0;
      });
      attachment.content.on("end", () => {
        (attachment as unknown as Attachment).content =
          length <= maxAttachmentBytes ? Buffer.concat(chunks) : Buffer.alloc(0);
        attachment.release();
        read();
      });
    };
    parser.on("readable", () => {
      if (!reading) read();
    });
    parser.on("end", () => {
      for (const key of COPIED)
        if (mail.headers?.has(key))
          mail[key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = mail.headers.get(key);
      if (!settled) resolve(mail);
      settled = true;
    });
    parser.end(raw);
  });
}
