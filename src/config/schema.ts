import { z } from "zod";

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
    doc: "Decide qualifying access requests automatically (`true`) or send every one to review (`false`).",
  },
  freeMailDomainsFile: { env: "TRANCHE_FREE_MAIL_DOMAINS_FILE", doc: "Free-mail domains, one per line." },
  mailRoot: {
    env: "TRANCHE_MAIL_ROOT",
    doc: "Maildir root used when no IMAP URL is set; sent mail goes to `<root>/sent`.",
  },
  contactImapUrl: {
    env: "TRANCHE_CONTACT_IMAP_URL",
    doc: "IMAP URL of the contact mailbox (`imap://` STARTTLS or `imaps://`).",
  },
  submissionsImapUrl: { env: "TRANCHE_SUBMISSIONS_IMAP_URL", doc: "IMAP URL of the submission mailbox." },
  smtpUrl: { env: "TRANCHE_SMTP_URL", doc: "SMTP URL for outgoing mail; unset: written as .eml files." },
  tlsCaFile: {
    env: "TRANCHE_TLS_CA_FILE",
    doc: "Extra CA certificate(s), PEM, trusted for IMAP and SMTP (private CA, tests); unset: system CAs.",
  },
  rescanCron: {
    env: "TRANCHE_RESCAN_CRON",
    doc: "Cron expression of the safety-net rescan of every mailbox (IDLE / file events do the rest).",
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
  httpHost: { env: "TRANCHE_HTTP_HOST", doc: "Address of the `/healthz` and `/metrics` endpoint." },
  httpPort: {
    env: "TRANCHE_HTTP_PORT",
    doc: "Port of the `/healthz` and `/metrics` endpoint; 0 turns it off.",
  },
  retentionDays: {
    env: "TRANCHE_RETENTION_DAYS",
    doc: "Days raw message content is kept (purged daily at 03:17 and by `tranche purge`).",
  },
  rateLimitSenderPerHour: {
    env: "TRANCHE_RATE_LIMIT_SENDER_PER_HOUR",
    doc: "Calculations answered per sender per hour; beyond it a ticket is opened instead of a reply.",
  },
  rateLimitOrganisationPerHour: {
    env: "TRANCHE_RATE_LIMIT_ORGANISATION_PER_HOUR",
    doc: "Calculations answered per organisation (organisational domain) per hour; beyond it, a ticket.",
  },
  logLevel: { env: "TRANCHE_LOG_LEVEL", doc: "pino level: fatal, error, warn, info, debug, trace." },
} as const;

export type SettingKey = keyof typeof settings;

const email = z.string().trim().toLowerCase().email();
const positiveInt = z.coerce.number().int().positive();
const bool = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0", "yes", "no"])])
  .transform((v) => (typeof v === "boolean" ? v : ["true", "1", "yes"].includes(v)));
const optionalUrl = z
  .string()
  .trim()
  .transform((v) => v || undefined)
  .pipe(z.string().url().optional())
  .optional();

export const configSchema = z.object({
  databaseUrl: z.string().min(1).default("file:./var/tranche.db"),
  nuclearCoefficient: z.coerce.number().int().positive().default(5),
  contactAddress: email.default("contact@example.test"),
  submissionAddress: email.default("calcul@example.test"),
  noreplyAddress: email.default("no-reply@example.test"),
  authMode: z.enum(["authentication-results", "verify", "trust-from"]).default("authentication-results"),
  authservId: z.string().trim().toLowerCase().min(1).default("mx.example.test"),
  maxBodyBytes: positiveInt.default(1024 * 1024),
  maxAttachmentBytes: positiveInt.default(5 * 1024 * 1024),
  maxAttachments: positiveInt.default(10),
  maxIdentifiers: positiveInt.default(5000),
  accessAutoApprove: bool.default(true),
  freeMailDomainsFile: z.string().min(1).default("config/free-mail-domains.txt"),
  mailRoot: z.string().min(1).default("./var/mail"),
  contactImapUrl: optionalUrl,
  submissionsImapUrl: optionalUrl,
  smtpUrl: optionalUrl,
  tlsCaFile: z
    .string()
    .trim()
    .transform((v) => v || undefined)
    .optional(),
  rescanCron: z.string().trim().default("* * * * *"),
  maxAttempts: positiveInt.default(3),
  reconnectMinMs: positiveInt.default(1_000),
  reconnectMaxMs: positiveInt.default(60_000),
  smtpRetryMinMs: positiveInt.default(30_000),
  smtpRetryMaxMs: positiveInt.default(3_600_000),
  smtpLeaseMs: positiveInt.default(120_000),
  httpHost: z.string().trim().min(1).default("127.0.0.1"),
  httpPort: z.coerce.number().int().min(0).max(65535).default(9465),
  retentionDays: positiveInt.default(90),
  rateLimitSenderPerHour: positiveInt.default(60),
  rateLimitOrganisationPerHour: positiveInt.default(300),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Config = z.infer<typeof configSchema>;
