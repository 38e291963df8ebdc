import { readFileSync } from "node:fs";
import { join } from "node:path";
import MailComposer from "nodemailer/lib/mail-composer";
import type { AccessPolicy } from "../../src/access/rules.ts";
import { parseFreeMailList } from "../../src/access/rules.ts";
import { parseAccessRequest } from "../../src/intake/access-parser.ts";
import { readInbound } from "../../src/intake/intake.ts";
import type { Intake, IntakeContext, Mailbox } from "../../src/intake/types.ts";

export const MAIL_FIXTURES = join(import.meta.dirname, "..", "fixtures", "mail");

export function mailFixture(name: string): Buffer {
  return readFileSync(join(MAIL_FIXTURES, name));
}

/** The context of the default configuration (authserv-id mx.example.test, example.test addresses). */
export function intakeContext(
  overrides: Partial<IntakeContext> = {},
  mailbox: Mailbox = "submissions",
): IntakeContext {
  return {
    mailbox,
    addresses: {
      contact: "contact@example.test",
      submission: "calcul@example.test",
      noreply: "no-reply@example.test",
    },
    authMode: "authentication-results",
    authservId: "mx.example.test",
    limits: {
      maxBodyBytes: 1024 * 1024,
      maxAttachmentBytes: 5 * 1024 * 1024,
      maxAttachments: 10,
      maxIdentifiers: 5000,
    },
    ...overrides,
  };
}

/** parseAccessRequest as `sender` writes to the service of the default configuration. */
export function accessReader(sender: string) {
  const ownAddresses = Object.values(intakeContext().addresses);
  return (text: string) => parseAccessRequest(text, { sender, ownAddresses });
}

/** The access policy of the default configuration: the free-mail list shipped in config/, automatic decisions on. */
export function defaultPolicy(overrides: Partial<AccessPolicy> = {}): AccessPolicy {
  const list = readFileSync(join(import.meta.dirname, "..", "..", "config", "free-mail-domains.txt"), "utf8");
  return { autoApprove: true, freeMail: parseFreeMailList(list), ...overrides };
}

/** Raw message bytes from header lines and a body (CRLF), for focused unit tests. */
export function rawMessage(headers: Record<string, string>, body: string): Buffer {
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n");
  return Buffer.from(`${head}\r\n\r\n${body.replace(/\r?\n/g, "\r\n")}`, "utf8");
}

/** Headers of an authenticated message from `from` (DMARC pass from the trusted server). */
export function authenticatedHeaders(
  from: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const domain = from.slice(from.lastIndexOf("@") + 1).replace(/>$/, "");
  return {
    "Authentication-Results": `mx.example.test; dkim=pass header.d=${domain}; spf=pass smtp.mailfrom=${domain}; dmarc=pass header.from=${domain}`,
    From: from,
    To: "calcul@example.test",
    Subject: "Demande de calcul",
    Date: "Mon, 17 Nov 2025 10:12:01 +0100",
    "Message-ID": "<unit.1@editeur-radiologie.fr>",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Transfer-Encoding": "8bit",
    ...extra,
  };
}

export const RESULT_SUBJECT =
  "Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations";

/** The text of a result email of ours (SPEC §7), as a mail client keeps it. */
export const RESULT_TEXT = [
  "Bonjour,",
  "",
  "Vous recevez ce mail suite à votre utilisation du service de calcul de tranche de financement SONS Imagerie vague2.",
  "",
  "Suite à votre demande pour :",
  "La référence : CH de Lens",
  "",
  "Données valides :",
  "| No AM radiologie             | 751234567 |",
  "| No FINESS radiologie         | 920000650 |",
  "",
  "Données invalides, non prises en compte dans le calcul :",
  "| No FINESS radiologie         | 920000668 |",
  "",
  "La tranche de financement calculée est = C",
  "",
  "Identifiant du calcul : TR-2026-000123 (à rappeler dans toute question sur ce calcul)",
].join("\n");

/** What intake reads of an authenticated HTML-only request (« Demande de calcul ») sent to calcul@. */
export async function readHtmlRequest(from: string, html: string): Promise<Intake> {
  const raw = await new MailComposer({
    from,
    to: "calcul@example.test",
    subject: "Demande de calcul",
    html,
    headers: { "Authentication-Results": authenticatedHeaders(from)["Authentication-Results"]! },
  })
    .compile()
    .build();
  return readInbound(raw, intakeContext());
}

/** Who writes the plain-text requests of a test of how their lists are read. */
export interface RequestWriter {
  from: string;
  subject: string;
  reference: string;
  /** Lines after « Bonjour, » and before the reference. */
  intro?: readonly string[];
  signature: readonly string[];
}

/**
 * The calculation intake reads in `writer`'s authenticated request: its reference, « Type
 * d'activité : Radiologie », then `lines` (the lists as the test writes them), then its signature.
 */
export async function readRequestLines(
  writer: RequestWriter,
  ...lines: string[]
): Promise<NonNullable<Intake["calculation"]>> {
  const body = [
    "Bonjour,",
    "",
    ...(writer.intro ?? []),
    `Référence : ${writer.reference}`,
    "Type d'activité : Radiologie",
    ...lines,
    "",
    ...writer.signature,
  ];
  const raw = rawMessage({ ...authenticatedHeaders(writer.from), Subject: writer.subject }, body.join("\n"));
  return (await readInbound(raw, intakeContext())).calculation!;
}
