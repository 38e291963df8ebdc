/** Why a message is automated mail that must never be answered (no mail loops, no backscatter). */
export type AutomatedReason = "bounce" | "own" | "out-of-office" | "auto-submitted" | "list";

export interface AutomatedVerdict {
  reason: AutomatedReason;
  /** The signal that decided it, e.g. `precedence: bulk`, `x-loop`, `multipart/report`. */
  detail: string;
}

export interface AutomatedInput {
  /** Header name (lowercase) → every value of it, in message order. */
  headers: ReadonlyMap<string, readonly string[]>;
  /** From address, lowercased; null when absent. */
  from: string | null;
  subject: string;
  /** Top-level content type, lowercased (`multipart/report; report-type=delivery-status`). */
  contentType: string;
  /** The service's own addresses (contact, submissions, no-reply), lowercased. */
  ownAddresses: readonly string[];
}

/** Senders of delivery reports: the mail system's usual names, and Exchange's system mailbox (a fixed name). */
const BOUNCE_LOCAL_PARTS =
  /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|microsoftexchange329e71ec88ae4615bbc36ab6ce41109e)$/i;
/**
 * Auto-reply subjects, for responders that write no header. A word of absence alone is not one
 * (« Absent du calcul : FINESS … », « En congés – accès pour mon collègue » are a person's): only
 * when the subject is the notice itself (« Absente », « En congés jusqu'au 3 janvier »). A tag that
 * a mail gateway puts in front (« [EXTERNE] ») or a responder's brackets come before it.
 */
const OUT_OF_OFFICE_SUBJECT =
  /^\s*(\[[^\]]{1,40}\]\s*)?\[?\s*(r[ée]ponse automatique|absente? du bureau|absence du bureau|auto(matic)?[ -]?reply|auto[ -]?r[ée]ponse|out of (the )?office|auto\s*:|message d'absence|(je suis |je serai )?(absente?|absence|en cong[ée]s?)\s*(\.?$|jusqu|du \d|[àa] partir|retour))/i;
/**
 * Read receipts sent as ordinary mail, without the `multipart/report` of RFC 8098 (Lotus Notes'
 * « Return Receipt », webmails' « Lu : … », « Accusé de lecture »): the subject is all they have.
 */
const READ_RECEIPT_SUBJECT =
  /^\s*(\[[^\]]{1,40}\]\s*)?((non[ -])?lu|read|not read|unread)\s*:\s|^\s*(accus[ée] de lecture|confirmation de lecture|return receipt|read receipt)\b/i;
/** A null reverse-path as delivery agents write it: `<>`, empty, `<<>>` (IIS), `<#@[]>` (qmail). */
const NULL_RETURN_PATH = /^\s*(?:<\s*(?:<\s*>|#@\[\])?\s*>\s*)?$/;
/** RFC 2369 list headers, and older list managers' own: any of them is list traffic. */
const LIST_HEADERS = [
  "list-id",
  "list-post",
  "list-unsubscribe",
  "list-subscribe",
  "list-help",
  "list-owner",
  "list-archive",
  "mailing-list",
  "x-mailing-list",
];
/** The Sender of list traffic: Majordomo's `owner-list@`, Mailman's `list-bounces@`, `list-request@`. */
const LIST_SENDER = /^(owner-[^@]+|[^@]+-(owner|bounces|request))@/i;

function first(input: AutomatedInput, name: string): string | undefined {
  return input.headers.get(name)?.[0]?.trim();
}

/** Every value of a header: a second `Auto-Submitted` or `Precedence` below a first one counts too. */
function all(input: AutomatedInput, name: string): string[] {
  return (input.headers.get(name) ?? []).map((v) => v.trim());
}

function has(input: AutomatedInput, name: string): boolean {
  return (input.headers.get(name)?.length ?? 0) > 0;
}

/** Null when the message is written by a person; otherwise the first named reason found. */
export function detectAutomated(input: AutomatedInput): AutomatedVerdict | null {
  const contentType = input.contentType.toLowerCase();
  // A delivery report, or a read receipt (report-type=disposition-notification): never answered.
  if (contentType.startsWith("multipart/report")) {
    const type = /report-type\s*=\s*"?([\w-]+)/.exec(contentType)?.[1];
    return { reason: "bounce", detail: type ? `multipart/report (${type})` : "multipart/report" };
  }
  if (READ_RECEIPT_SUBJECT.test(input.subject)) return { reason: "bounce", detail: "read receipt (subject)" };
  const returnPath = input.headers.get("return-path");
  if (returnPath?.some((v) => NULL_RETURN_PATH.test(v)))
    return { reason: "bounce", detail: "null return path" };
  if (has(input, "x-failed-recipients")) return { reason: "bounce", detail: "x-failed-recipients" };
  const localPart = input.from?.split("@")[0] ?? "";
  if (BOUNCE_LOCAL_PARTS.test(localPart)) return { reason: "bounce", detail: `from ${localPart}` };

  const own = input.ownAddresses.map((a) => a.toLowerCase());
  if (input.from && own.includes(input.from)) return { reason: "own", detail: "from our own address" };
  const loops = input.headers.get("x-loop") ?? [];
  if (loops.some((v) => own.some((a) => v.toLowerCase().includes(a))))
    return { reason: "own", detail: "x-loop" };

  if (OUT_OF_OFFICE_SUBJECT.test(input.subject)) return { reason: "out-of-office", detail: "subject" };
  for (const name of ["x-autoreply", "x-autorespond", "x-auto-reply", "x-autoreply-from"]) {
    if (has(input, name)) return { reason: "out-of-office", detail: name };
  }
  if (/^reply\b/i.test(first(input, "x-autogenerated") ?? ""))
    return { reason: "out-of-office", detail: "x-autogenerated: reply" };
  if (all(input, "precedence").some((v) => /^auto[_-]?reply\b/i.test(v)))
    return { reason: "out-of-office", detail: "precedence: auto_reply" };

  // RFC 3834: « no », case-insensitive, maybe with a comment or parameters; any other keyword is automated.
  const autoSubmitted = all(input, "auto-submitted").find(
    (v) => v && !/^(?:\([^)]*\)\s*)*no\s*(?:[;(]|$)/i.test(v),
  );
  if (autoSubmitted)
    return { reason: "auto-submitted", detail: `auto-submitted: ${autoSubmitted.toLowerCase()}` };
  // Exchange's request that no automatic answer be sent. Exchange also writes it on mail that people
  // send (`OOF`, `None`…): only `All` and `AutoReply` ask it of a reply like ours.
  const suppress = all(input, "x-auto-response-suppress").find((v) => /\b(all|autoreply)\b/i.test(v));
  if (suppress) return { reason: "auto-submitted", detail: `x-auto-response-suppress: ${suppress}` };

  const precedence = [...all(input, "precedence"), ...all(input, "x-precedence")]
    .map((v) => v.toLowerCase())
    .find((v) => /^(bulk|junk|list)\b/.test(v));
  if (precedence) return { reason: "list", detail: `precedence: ${precedence}` };
  const listHeader = LIST_HEADERS.find((name) => has(input, name));
  if (listHeader) return { reason: "list", detail: listHeader };
  const sender = all(input, "sender").find((v) => LIST_SENDER.test(v.replace(/^.*</, "")));
  if (sender) return { reason: "list", detail: "sender of a list" };
  return null;
}
