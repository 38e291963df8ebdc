import { promises as dns } from "node:dns";
import { existsSync, readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import { loadAccessPolicy } from "../access/policy.ts";
import type { AccessPolicy } from "../access/rules.ts";
import { checkCalculationRate, type RateDecision, rateLimitsOf } from "../calculations/rate-limit.ts";
import type { Config } from "../config/schema.ts";
import { contentHash, headerHints } from "../daemon/claim.ts";
import { lookUpFacts, replyCapReached } from "../daemon/pipeline.ts";
import type { Db } from "../db/client.ts";
import { type Decision, decide, decideAccessBeside, factsAfterAccess } from "../decide/decision.ts";
import { FIELDS } from "../engine/types.ts";
import { intakeContextFromConfig } from "../intake/context.ts";
import { readInbound } from "../intake/intake.ts";
import { summariseIntake } from "../intake/summary.ts";
import type { Intake, Mailbox } from "../intake/types.ts";
import { FIELD_LABELS } from "../render/result-view.ts";
import { UsageError, withDatabase } from "./context.ts";

const KIND_LABELS: Record<Intake["kind"], string> = {
  calculation: "demande de calcul",
  access: "demande d'accès",
  support: "message pour le support",
  automated: "message automatique (jamais de réponse)",
  unreadable: "message illisible",
};

const DECISION_LABELS: Record<Decision["action"], string> = {
  "ignore-automated": "ignoré : message automatique",
  "quarantine-unauthenticated": "mis de côté sans réponse : expéditeur non authentifié",
  "reply-result": "réponse avec le résultat du calcul",
  "reply-unauthorised": "réponse : adresse non autorisée, comment demander l'accès",
  "reply-help": "réponse d'aide : la demande n'a pas pu être lue",
  "access-granted": "accès accordé automatiquement",
  "access-changed": "adresse modifiée automatiquement",
  "access-revoked": "accès retiré automatiquement",
  "access-pending": "demande d'accès en attente du support",
  "access-several": "plusieurs adresses, chacune décidée",
  ticket: "ticket pour le support",
};

function describeDecision(decision: Decision): string {
  const label = DECISION_LABELS[decision.action];
  switch (decision.action) {
    case "reply-result":
      return `${label} → ${decision.recipient}${decision.recipientNote ? ` (${decision.recipientNote})` : ""}${besideTicket(decision.ticketAside)}`;
    case "reply-help":
      return `${label} (${decision.problems.join(", ")}) → ${decision.to}${besideTicket(decision.ticketAside)}`;
    case "reply-unauthorised":
      return `${label} → ${decision.to}${besideTicket(decision.ticketAside)}`;
    case "access-pending":
      return `${label} (${decision.reason})`;
    case "access-granted":
    case "access-changed":
    case "access-revoked":
      // What the message asks beside the request is a ticket too, as the daemon opens it.
      return decision.ticketAside
        ? `${label}, et ${DECISION_LABELS.ticket} (catégorie ${decision.ticketAside})`
        : label;
    case "access-several": {
      const each = decision.decisions.map((d) => `${d.request.email} : ${describeDecision(d)}`);
      const aside = decision.ticketAside
        ? `; et ${DECISION_LABELS.ticket} (catégorie ${decision.ticketAside})`
        : "";
      return `${label} — ${each.join(" ; ")}${aside}`;
    }
    case "ticket":
      return `${label} (catégorie ${decision.category})`;
    case "ignore-automated":
      return `${label} (${decision.reason} : ${decision.detail})`;
    case "quarantine-unauthenticated":
      return `${label} (${decision.detail})`;
    default:
      return label;
  }
}

/** What the message asks beside its request is a ticket too, as the daemon opens it. */
const besideTicket = (category: string | undefined) =>
  category ? `, et ${DECISION_LABELS.ticket} (catégorie ${category})` : "";

/** Over the rate limit, the daemon opens a ticket instead of answering: say so, as it would. */
function describeRateLimit(rate: RateDecision & { allowed: false }): string {
  const who = rate.scope === "sender" ? "cet expéditeur" : "son organisation";
  return `ticket pour le support, sans calcul : limite de ${rate.limit} calculs par heure atteinte pour ${who} (${rate.count} dans la dernière heure)`;
}

/** What the daemon does instead of the decided reply, once a limit is reached. */
interface OverLimit {
  /** As the daemon records it: ticket-rate-limited, ticket-reply-limited. */
  action: string;
  description: string;
}

/** The limit the decided reply would hit now (calculations, or replies to the address), as the daemon checks it. */
async function overLimit(
  db: Db,
  config: Config,
  policy: AccessPolicy,
  intake: Intake,
  decision: Decision,
): Promise<OverLimit | null> {
  const at = new Date();
  if (decision.action === "reply-result" && intake.from) {
    const rate = await checkCalculationRate(db, intake.from, at, rateLimitsOf(config), policy.freeMail);
    return rate.allowed ? null : { action: "ticket-rate-limited", description: describeRateLimit(rate) };
  }
  if (decision.action !== "reply-help" && decision.action !== "reply-unauthorised") return null;
  const capped = await replyCapReached(db, decision.to, at, config.rateLimitRepliesPerRecipientPerHour);
  if (!capped) return null;
  return {
    action: "ticket-reply-limited",
    description: `ticket pour le support, sans réponse : limite de ${capped.limit} réponses d'aide ou d'adresse non autorisée par heure atteinte pour cette adresse (${capped.sent} dans la dernière heure)`,
  };
}

interface EarlierReading {
  mailbox: string;
  uid: string;
  status: string;
  decision: string | null;
  receivedAt: Date;
}

/**
 * The daemon's records of this message: the same bytes, or a copy of it (the same Message-ID and
 * From header, as src/daemon/copies.ts matches them) in either mailbox. The daemon never handles a
 * message twice, and answers a copy's request once: the decision printed is what a new message
 * would get.
 */
async function earlierReadings(db: Db, raw: Buffer): Promise<EarlierReading[]> {
  const hints = headerHints(raw);
  return db.inboundMessage.findMany({
    where: {
      OR: [
        { contentHash: contentHash(raw) },
        ...(hints.messageId && hints.from ? [{ messageId: hints.messageId, fromAddress: hints.from }] : []),
      ],
    },
    select: { mailbox: true, uid: true, status: true, decision: true, receivedAt: true },
    orderBy: { id: "asc" },
    take: 20,
  });
}

function describe(
  intake: Intake,
  decision: Decision,
  limited: OverLimit | null,
  earlier: readonly EarlierReading[],
  accessBeside: Decision | null = null,
): string {
  const auth = intake.authentication;
  const lines = [
    `Message : ${intake.messageId ?? "(sans Message-ID)"}`,
    `De : ${intake.from ?? "(expéditeur illisible)"}`,
    `Objet : ${intake.subject || "(sans objet)"}`,
    `Boîte : ${intake.mailbox}`,
  ];
  if (earlier.length) {
    lines.push(
      "Déjà reçu par le service (le daemon ne traite pas deux fois un message, ni ne répond deux fois à une copie) :",
    );
    for (const e of earlier)
      lines.push(
        `  ${e.mailbox} UID ${e.uid} : ${e.status}${e.decision ? ` (${e.decision})` : ""}, reçu le ${e.receivedAt.toISOString()}`,
      );
  }
  lines.push(`Authentifié : ${auth.authenticated ? "oui" : "non"} (${auth.mode} : ${auth.detail})`);
  if (auth.warning) lines.push(`ATTENTION : ${auth.warning}`);
  lines.push(`Nature : ${KIND_LABELS[intake.kind]}`);
  if (intake.automated) lines.push(`  Motif : ${intake.automated.reason} (${intake.automated.detail})`);
  if (intake.unreadable) lines.push(`  Motif : ${intake.unreadable.reason} (${intake.unreadable.detail})`);
  const c = intake.calculation;
  if (c) {
    lines.push(
      `  Référence : ${c.reference ?? "(aucune)"}${c.referenceSource ? ` [${c.referenceSource}]` : ""}`,
    );
    lines.push(
      `  Type d'activité : ${c.activity ?? "(inconnu)"}${c.activityInferred ? " (déduit des champs remplis)" : ""}`,
    );
    if (c.recipient) lines.push(`  Adresse email demandée : ${c.recipient}`);
    for (const field of FIELDS)
      lines.push(`  ${FIELD_LABELS[field].padEnd(29)}: ${c.lists[field].join("; ")}`);
    if (c.amOfMixteRows.length)
      lines.push(
        `  N°AM de lignes « mixte » du tableau, jugés dans le champ de l'activité du médecin : ${c.amOfMixteRows.join("; ")}`,
      );
    if (c.sources.length) lines.push(`  Lu dans : ${c.sources.join(", ")}`);
    if (c.problems.length) lines.push(`  Problèmes : ${c.problems.join(", ")}`);
  }
  const a = intake.access;
  if (a?.status === "request")
    lines.push(
      `  Action : ${a.request.action} — adresse : ${a.request.email}${a.request.newEmail ? ` → ${a.request.newEmail}` : ""}`,
    );
  if (a?.status === "requests")
    for (const request of a.requests) lines.push(`  Action : ${request.action} — adresse : ${request.email}`);
  if (a?.status === "ambiguous") lines.push(`  Demande ambiguë : ${a.reason} (action : ${a.action ?? "?"})`);
  if (intake.support) lines.push(`  Catégorie : ${intake.support.category}`);
  if (intake.calculationIds.length) lines.push(`Calculs cités : ${intake.calculationIds.join(", ")}`);
  if (accessBeside)
    lines.push(`Décision sur l'accès demandé avec le calcul : ${describeDecision(accessBeside)}`);
  lines.push(
    `Décision${earlier.length ? " pour un nouveau message" : ""} : ${limited?.description ?? describeDecision(decision)}`,
  );
  lines.push("(aucune modification : lecture seule)");
  return `${lines.join("\n")}\n`;
}

export function registerInspectCommand(program: Command): void {
  program
    .command("inspect <file>")
    .description("lit un message .eml comme le service le ferait et affiche la décision, sans rien modifier")
    .option("--mailbox <mailbox>", "boîte de réception : contact | submissions", "submissions")
    .option("--json", "sortie JSON (un objet)")
    .action((file: string, options: { mailbox: string; json?: boolean }) =>
      withDatabase(async (db, config) => {
        if (options.mailbox !== "contact" && options.mailbox !== "submissions")
          throw new UsageError(`--mailbox « ${options.mailbox} » : contact ou submissions attendu`);
        if (!existsSync(file)) throw new UsageError(`fichier introuvable : ${file}`);
        if (!statSync(file).isFile()) throw new UsageError(`${file} n'est pas un fichier (un .eml attendu)`);
        const resolver =
          config.authMode === "verify"
            ? (name: string, type: string) => dns.resolve(name, type) as Promise<string[] | string[][]>
            : undefined;
        const context = intakeContextFromConfig(config, options.mailbox as Mailbox, resolver);
        const raw = readFileSync(file);
        const intake = await readInbound(raw, context);
        const earlier = await earlierReadings(db, raw);
        const policy = loadAccessPolicy(config);
        // An access asked beside a request is applied first by the daemon: the request is then
        // decided as the access would leave the sender and the recipient.
        const accessBeside = decideAccessBeside(intake, policy);
        const facts = factsAfterAccess(await lookUpFacts(db, intake), intake, accessBeside);
        const decision = decide(intake, facts, policy);
        const limited = await overLimit(db, config, policy, intake, decision);
        const action = [accessBeside?.action, limited?.action ?? decision.action].filter(Boolean).join("+");
        if (options.json)
          process.stdout.write(
            `${JSON.stringify({
              ...summariseIntake(intake, action),
              earlier: earlier.map((e) => ({ ...e, receivedAt: e.receivedAt.toISOString() })),
            })}\n`,
          );
        else process.stdout.write(describe(intake, decision, limited, earlier, accessBeside));
      }),
    );
}
