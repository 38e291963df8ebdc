import cron from "node-cron";
import { z } from "zod";
import { DEFAULT_DATABASE_URL } from "../db/database-url.ts";

/**
 * Every setting of the service, with its default and the environment variable that overrides it.
 * README.md documents the same table; `test/config` checks that each key here is documented there.
 */
export const settings = {
  databaseUrl: { env: "DATABASE_URL", doc: "Database: `file:<path>` (SQLite) or `postgresql://…`." },
  nuclearCoefficient: {
    env: "TRANCHE_NUCLEAR_COEFFICIENT",
    doc: "Weight of a nuclear-medicine exam in the total.",
  },
  contactAddress: {
    env: "TRANCHE_CONTACT_ADDRESS",
    doc: "Support mailbox (access requests, questions, disputes).",
  },
  submissionAddress: { env: "TRANCHE_SUBMISSION_ADDRESS", doc: "Mailbox receiving calculation requests." },
  noreplyAddress: { env: "TRANCHE_NOREPLY_ADDRESS", doc: "Sender of every automated email." },
  authMode: {
    env: "TRANCHE_AUTH_MODE",
    doc: "`authentication-results` (trust the receiving server's header), `verify` (DKIM/SPF/DMARC checked here) or `trust-from` (demo only: no check, warns on every message).",
  },
  authservId: { env: "TRANCHE_AUTHSERV_ID", doc: "authserv-id of the organisation's receiving server." },
  maxBodyBytes: { env: "TRANCHE_MAX_BODY_BYTES", doc: "Largest message body parsed." },
  maxAttachmentBytes: { env: "TRANCHE_MAX_ATTACHMENT_BYTES", doc: "Largest attachment read." },
  maxAttachments: { env: "TRANCHE_MAX_ATTACHMENTS", doc: "Most attachments read per message." },
  maxIdentifiers: { env: "TRANCHE_MAX_IDENTIFIERS", doc: "Most identifiers in one calculation request." },
  accessAutoApprove: {
    env: "TRANCHE_ACCESS_AUTO_APPROVE",
    doc: "Decide qualifying access requests automatically (`true`) or send every one to review (`false`); also `1`/`0`, `yes`/`no`, `on`/`off`, `oui`/`non`, any case.",
  },
  freeMailDomainsFile: { env: "TRANCHE_FREE_MAIL_DOMAINS_FILE", doc: "Free-mail domains, one per line." },
  mailRoot: {
    env: "TRANCHE_MAIL_ROOT",
    doc: "Maildir root used when no IMAP URL is set; sent mail goes to `<root>/sent`.",
  },
  contactImapUrl: {
    env: "TRANCHE_CONTACT_IMAP_URL",
    doc: "IMAP URL of the contact mailbox, with its user and password (`imaps://`, or `imap://` with STARTTLS, required unless on loopback).",
  },
  submissionsImapUrl: {
    env: "TRANCHE_SUBMISSIONS_IMAP_URL",
    doc: "IMAP URL of the submission mailbox, with its user and password (`imaps://`, or `imap://` with STARTTLS, required unless on loopback).",
  },
  smtpUrl: {
    env: "TRANCHE_SMTP_URL",
    doc: "SMTP URL for outgoing mail (`smtps://`, or `smtp://` with STARTTLS, required with a user unless on loopback); a user needs its password, a relay that takes mail without a login none; unset: written as .eml files.",
  },
  allowClearText: {
    env: "TRANCHE_ALLOW_CLEAR_TEXT",
    doc: "Let `imap://` (and `smtp://` with a user) log in without TLS to a server not on this machine that offers no STARTTLS (`false`: such a session is refused before the password is sent, and says why); a server on loopback always may.",
  },
  tlsCaFile: {
    env: "TRANCHE_TLS_CA_FILE",
    doc: "Extra CA certificate(s), PEM, trusted for IMAP and SMTP (private CA, tests); unset: system CAs.",
  },
  rescanCron: {
    env: "TRANCHE_RESCAN_CRON",
    doc: 'Cron expression (5 fields, or 6 with seconds first) of the safety-net rescan of every mailbox (IDLE / file events do the rest); `""` in the file: none.',
  },
  maxAttempts: {
    env: "TRANCHE_MAX_ATTEMPTS",
    doc: "Attempts at a message whose processing fails before it is parked in `Failed` for support.",
  },
  reconnectMinMs: {
    env: "TRANCHE_RECONNECT_MIN_MS",
    doc: "First IMAP reconnect delay (doubles, with jitter).",
  },
  reconnectMaxMs: { env: "TRANCHE_RECONNECT_MAX_MS", doc: "Longest IMAP reconnect delay." },
  smtpRetryMinMs: {
    env: "TRANCHE_SMTP_RETRY_MIN_MS",
    doc: "First retry delay after a temporary SMTP failure.",
  },
  smtpRetryMaxMs: { env: "TRANCHE_SMTP_RETRY_MAX_MS", doc: "Longest retry delay of an outgoing email." },
  smtpLeaseMs: {
    env: "TRANCHE_SMTP_LEASE_MS",
    doc: "How long an email being sent is reserved for one worker; after a crash it is sent again once this expires (on SQLite, at the daemon's next start).",
  },
  stopGraceMs: {
    env: "TRANCHE_STOP_GRACE_MS",
    doc: "How long a stop (SIGTERM) waits for sends the relay has not answered before cutting them off; they stay queued and go again after their retry delay.",
  },
  httpHost: { env: "TRANCHE_HTTP_HOST", doc: "Address of the `/healthz` and `/metrics` endpoint." },
  httpPort: {
    env: "TRANCHE_HTTP_PORT",
    doc: "Port of the `/healthz` and `/metrics` endpoint; 0 turns it off.",
  },
  retentionDays: {
    env: "TRANCHE_RETENTION_DAYS",
    doc: "Days raw message content is kept (purged daily at 03:17 and by `tranche purge`), at most 36500.",
  },
  rateLimitSenderPerHour: {
    env: "TRANCHE_RATE_LIMIT_SENDER_PER_HOUR",
    doc: "Calculations answered per sender per hour; beyond it a ticket is opened instead of a reply.",
  },
  rateLimitOrganisationPerHour: {
    env: "TRANCHE_RATE_LIMIT_ORGANISATION_PER_HOUR",
    doc: "Calculations answered per organisation (organisational domain) per hour; beyond it, a ticket.",
  },
  rateLimitRepliesPerRecipientPerHour: {
    env: "TRANCHE_RATE_LIMIT_REPLIES_PER_RECIPIENT_PER_HOUR",
    doc: "Help and « adresse non autorisée » replies sent to one address per hour; beyond it the message is filed in a ticket, unanswered.",
  },
  logLevel: {
    env: "TRANCHE_LOG_LEVEL",
    doc: "pino level: fatal, error, warn, info, debug, trace, or silent (no log at all).",
  },
} as const;

export type SettingKey = keyof typeof settings;

const email = z.string().trim().toLowerCase().email();
const positiveInt = z.coerce.number().int().positive();

const quoted = (values: readonly string[]) => values.map((v) => `« ${v} »`).join(", ");

const TRUE_WORDS = ["true", "1", "yes", "on", "oui"];
const FALSE_WORDS = ["false", "0", "no", "off", "non"];
/** Environment values are text: the usual spellings of a yes/no, in any case. */
const bool = z.unknown().transform((value, ctx) => {
  if (typeof value === "boolean") return value;
  const word = String(value).trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  ctx.addIssue({
    code: "custom",
    message: `« ${String(value)} » n'est pas un booléen : ${quoted(TRUE_WORDS)} ou ${quoted(FALSE_WORDS)} attendu (majuscules acceptées)`,
  });
  return z.NEVER;
});

/** One of a fixed list, in any case; the message lists the accepted values. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const expected = `une valeur parmi ${quoted(values)} attendue`;
  return z
    .string({ error: expected })
    .trim()
    .toLowerCase()
    .pipe(z.enum(values, { error: (issue) => `« ${String(issue.input)} » : ${expected}` }));
}

/**
 * An optional URL of a mail server. The messages name the scheme found, never the URL: it usually
 * carries a password. `login` says whether the server is only ever logged in to (IMAP) or may
 * also take mail without a login (an SMTP relay that trusts our address).
 */
function serverUrl(schemes: readonly string[], example: string, login: "required" | "optional") {
  const schemeList = schemes.map((s) => `${s}//`).join(" ou ");
  const expected = `${schemeList}… attendu (p. ex. ${example})`;
  const withLogin = `${schemeList}utilisateur:mot-de-passe@serveur… attendu (p. ex. ${example}${login === "optional" ? ", ou aucun utilisateur pour un relais qui n'en demande pas : smtp://relais.example.fr:25" : ""} ; dans le mot de passe, « @ » s'écrit %40, « : » %3A, « / » %2F)`;
  return z
    .string({ error: `URL ${expected}` })
    .trim()
    .superRefine((value, ctx) => {
      if (!value) return;
      const url = parseUrl(value);
      if (!url) ctx.addIssue({ code: "custom", message: `pas une URL : ${expected}` });
      else if (!schemes.includes(url.protocol))
        ctx.addIssue({ code: "custom", message: `schéma « ${url.protocol} » : ${expected}` });
      else if (!url.hostname)
        ctx.addIssue({ code: "custom", message: `nom du serveur absent : ${expected}` });
      else if (!decodable(url))
        ctx.addIssue({
          code: "custom",
          message: `« % » non suivi de deux chiffres hexadécimaux dans l'utilisateur, le mot de passe ou le dossier : écrivez-le %25 (et @ %40, : %3A, / %2F)`,
        });
      else {
        // Found here rather than at the first login: nodemailer and imapflow refuse to log in
        // without a password, and every reply was retried, every scan failed, until someone looked.
        const missing = missingCredentials(value, url, login);
        if (missing) ctx.addIssue({ code: "custom", message: `${missing} : ${withLogin}` });
      }
    })
    .transform((value) => value || undefined)
    .optional();
}

/**
 * What is missing from a URL's login, or null: a user without a password (typically
 * `${SMTP_PASSWORD}` unset in a compose file), a password without a user (never sent), or, for a
 * server only ever logged in to, no login at all. An SMTP URL without any login is a relay that
 * takes our mail as it comes; with an « @ » but both parts empty, it was meant to have one.
 */
function missingCredentials(value: string, url: URL, login: "required" | "optional"): string | null {
  if (url.username && !url.password) return "utilisateur sans mot de passe (une variable vide ?)";
  if (!url.username && url.password) return "mot de passe sans utilisateur (une variable vide ?)";
  if (url.username) return null;
  // The authority, as written: URL drops an empty « :@ ».
  if (/^[^:]*:\/\/[^/?#]*@/.test(value)) return "utilisateur et mot de passe vides (des variables vides ?)";
  return login === "required" ? "utilisateur et mot de passe absents" : null;
}

/** Whether the user, password and path decode (a bare « % » in a password does not). */
function decodable(url: URL): boolean {
  try {
    for (const part of [url.username, url.password, url.pathname]) decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}

/** The account and folder an IMAP URL reads: two mailboxes must not be the same one. */
function imapMailbox(value: string): string {
  const url = new URL(value);
  const port = Number(url.port) || (url.protocol === "imaps:" ? 993 : 143);
  const folder = decodeURIComponent(url.pathname.replace(/^\//, "")) || "INBOX";
  return `${decodeURIComponent(url.username).toLowerCase()}@${url.hostname.toLowerCase()}:${port}/${folder.toUpperCase() === "INBOX" ? "INBOX" : folder}`;
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * The forms src/db/client.ts opens: a SQLite file (`file:<path>`, created if need be) or PostgreSQL.
 * As for the mail servers, the message names the scheme found, never the URL (a password).
 */
const databaseUrl = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    if (/^file:.+/.test(value) || /^postgres(ql)?:\/\/./.test(value)) return;
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
    const found =
      scheme === "file"
        ? "chemin du fichier SQLite absent"
        : scheme
          ? `schéma « ${scheme}: » non pris en charge`
          : "ni un fichier SQLite ni une base PostgreSQL";
    ctx.addIssue({
      code: "custom",
      message: `${found} : « file:<chemin> » (SQLite, p. ex. file:./var/tranche.db) ou « postgresql://utilisateur:mot-de-passe@serveur:5432/base » attendu`,
    });
  });

const CRON_FIELDS: Record<string, string> = {
  expression: "nombre de champs",
  second: "secondes",
  minute: "minute",
  hour: "heure",
  dayOfMonth: "jour du mois",
  month: "mois",
  dayOfWeek: "jour de la semaine",
};

/** The rescan's cron expression (node-cron: 5 fields, or 6 with seconds first); empty: no rescan. */
const cronExpression = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    if (!value) return;
    const { valid, errors } = cron.validateDetailed(value);
    if (valid) return;
    const fields = errors.map((e) => CRON_FIELDS[e.field] ?? e.field).join(", ");
    ctx.addIssue({
      code: "custom",
      message: `expression cron invalide « ${value} » (${fields}) : 5 champs « minute heure jour-du-mois mois jour-de-la-semaine » attendus (p. ex. « */5 * * * * » : toutes les 5 minutes), ou 6 avec les secondes en tête`,
    });
  });

export const configSchema = z
  .object({
    databaseUrl: databaseUrl.default(DEFAULT_DATABASE_URL),
    nuclearCoefficient: z.coerce.number().int().positive().default(5),
    contactAddress: email.default("contact@example.test"),
    submissionAddress: email.default("calcul@example.test"),
    noreplyAddress: email.default("no-reply@example.test"),
    authMode: oneOf(["authentication-results", "verify", "trust-from"]).default("authentication-results"),
    authservId: z.string().trim().toLowerCase().min(1).default("mx.example.test"),
    maxBodyBytes: positiveInt.default(1024 * 1024),
    maxAttachmentBytes: positiveInt.default(5 * 1024 * 1024),
    maxAttachments: positiveInt.default(10),
    maxIdentifiers: positiveInt.default(5000),
    accessAutoApprove: bool.default(true),
    freeMailDomainsFile: z.string().min(1).default("config/free-mail-domains.txt"),
    mailRoot: z.string().min(1).default("./var/mail"),
    contactImapUrl: serverUrl(
      ["imap:", "imaps:"],
      "imaps://utilisateur:mot-de-passe@imap.example.fr/INBOX",
      "required",
    ),
    submissionsImapUrl: serverUrl(
      ["imap:", "imaps:"],
      "imaps://utilisateur:mot-de-passe@imap.example.fr/INBOX",
      "required",
    ),
    smtpUrl: serverUrl(
      ["smtp:", "smtps:"],
      "smtp://utilisateur:mot-de-passe@smtp.example.fr:587",
      "optional",
    ),
    allowClearText: bool.default(false),
    tlsCaFile: z
      .string()
      .trim()
      .transform((v) => v || undefined)
      .optional(),
    rescanCron: cronExpression.default("* * * * *"),
    maxAttempts: positiveInt.default(3),
    reconnectMinMs: positiveInt.default(1_000),
    reconnectMaxMs: positiveInt.default(60_000),
    smtpRetryMinMs: positiveInt.default(30_000),
    smtpRetryMaxMs: positiveInt.default(3_600_000),
    smtpLeaseMs: positiveInt.default(120_000),
    stopGraceMs: positiveInt.default(5_000),
    httpHost: z.string().trim().min(1).default("127.0.0.1"),
    httpPort: z.coerce.number().int().min(0).max(65535).default(9465),
    // At most a century: far beyond any retention, and its cutoff stays a valid date (10^8 days
    // gave an Invalid Date and a purge that failed every night).
    retentionDays: positiveInt.max(36_500).default(90),
    rateLimitSenderPerHour: positiveInt.default(60),
    rateLimitOrganisationPerHour: positiveInt.default(300),
    // A person correcting a request needs two or three; a robot answering each reply needs a cap.
    rateLimitRepliesPerRecipientPerHour: positiveInt.default(5),
    logLevel: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .superRefine(
    (config, ctx) => {
      const { contactImapUrl: contact, submissionsImapUrl: submissions } = config;
      // Both mailboxes on one account and folder: every message would be claimed, and answered, twice.
      if (contact && submissions && imapMailbox(contact) === imapMailbox(submissions))
        ctx.addIssue({
          code: "custom",
          path: ["submissionsImapUrl"],
          message: `même compte et même dossier que ${settings.contactImapUrl.env} : chaque message serait traité deux fois ; indiquez la boîte de dépôt des demandes de calcul`,
        });
    },
    {
      // Zod skips an object's checks once a setting has failed with an aborting issue (a yes/no, a
      // fixed choice): run this one whenever both URLs themselves are valid, so that every problem is listed.
      when: (payload) =>
        !payload.issues.some(
          (issue) => issue.path?.[0] === "contactImapUrl" || issue.path?.[0] === "submissionsImapUrl",
        ),
    },
  );

export type Config = z.infer<typeof configSchema>;
