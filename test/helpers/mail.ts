/** A realistic inbound email as the organisation's receiving server hands it over. */
export interface MailOptions {
  from: string;
  fromName?: string;
  to?: string;
  subject: string;
  body: string;
  messageId?: string;
  inReplyTo?: string;
  /** The receiving server's verdict; null writes no Authentication-Results at all. */
  auth?: "pass" | "fail" | null;
  headers?: Record<string, string>;
}

let counter = 0;

export function buildMail(options: MailOptions): Buffer {
  counter++;
  const domain = options.from.split("@")[1] ?? "example.test";
  const messageId = options.messageId ?? `<msg-${Date.now()}-${counter}@${domain}>`;
  const auth = options.auth === undefined ? "pass" : options.auth;
  const lines = [
    ...(auth
      ? [
          `Authentication-Results: mx.example.test; spf=${auth} smtp.mailfrom=${domain}; dkim=${auth} header.d=${domain}; dmarc=${auth} header.from=${domain}`,
        ]
      : []),
    `From: ${options.fromName ? `${options.fromName} ` : ""}<${options.from}>`,
    `To: ${options.to ?? "calcul@example.test"}`,
    `Subject: ${options.subject}`,
    `Message-ID: ${messageId}`,
    ...(options.inReplyTo ? [`In-Reply-To: ${options.inReplyTo}`, `References: ${options.inReplyTo}`] : []),
    "Date: Mon, 23 Nov 2026 10:12:00 +0100",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    ...Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    "",
    options.body,
  ];
  return Buffer.from(lines.join("\r\n").replace(/(?<!\r)\n/g, "\r\n"));
}

/** A labelled calculation request as the user guide shows it. */
export function calculationBody(fields: {
  reference: string;
  activity?: string;
  finessRadio?: string;
  amRadio?: string;
  finessMn?: string;
  amMn?: string;
}): string {
  return [
    "Bonjour,",
    "",
    "Merci de calculer la tranche de financement pour la commande suivante.",
    "",
    `Référence : ${fields.reference}`,
    ...(fields.activity ? [`Type d'activité : ${fields.activity}`] : []),
    ...(fields.finessRadio ? [`N° FINESS radiologie : ${fields.finessRadio}`] : []),
    ...(fields.amRadio ? [`N° AM radiologie : ${fields.amRadio}`] : []),
    ...(fields.finessMn ? [`N° FINESS médecine nucléaire : ${fields.finessMn}`] : []),
    ...(fields.amMn ? [`N° AM médecine nucléaire : ${fields.amMn}`] : []),
    "",
    "Cordialement,",
    "-- ",
    "Jeanne Martin",
    "Éditeur RIS — service commercial",
  ].join("\n");
}

/** A message with files attached (see pdfPart): its headers, then its text and the parts. */
export function mixedMail(headers: string[], text: string, ...parts: string[][]): string {
  return [
    ...headers,
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b"',
    "",
    "--b",
    "Content-Type: text/plain; charset=utf-8",
    "",
    text,
    ...parts.flat(),
    "--b--",
    "",
  ].join("\r\n");
}

/** A scanned PDF of `bytes` (each byte `fill`) as a part of a mixedMail, base64. */
export function pdfPart(name: string, bytes: number, fill: number): string[] {
  return [
    "--b",
    `Content-Type: application/pdf; name="${name}"`,
    "Content-Transfer-Encoding: base64",
    `Content-Disposition: attachment; filename="${name}"`,
    "",
    ...(Buffer.alloc(bytes, fill)
      .toString("base64")
      .match(/.{1,76}/g) ?? []),
  ];
}
