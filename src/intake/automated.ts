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

const BOUNCE_LOCAL_PARTS = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)$/i;
const OUT_OF_OFFICE_SUBJECT =
  /^\s*(r[ée]ponse automatique|absence du bureau|absent(e)?\b|auto(matic)? ?reply|out of (the )?office|auto\s*:|je suis absent|en cong[ée]s?|message d'absence)/i;

function first(input: AutomatedInput, name: string): string | undefined {
  return input.headers.get(name)?.[0]?.trim();
}

function has(input: AutomatedInput, name: string): boolean {
  return (input.headers.get(name)?.length ?? 0) > 0;
}

/** Null when the message is written by a person; otherwise the first named reason found. */
export function detectAutomated(input: AutomatedInput): AutomatedVerdict | null {
  const contentType = input.contentType.toLowerCase();
  if (contentType.startsWith("multipart/report")) return { reason: "bounce", detail: "multipart/report" };
  const returnPath = input.headers.get("return-path");
  if (returnPath?.some((v) => /^\s*<\s*>\s*$/.test(v)))
    return { reason: "bounce", detail: "null return path" };
  const localPart = input.from?.split("@")[0] ?? "";
  if (BOUNCE_LOCAL_PARTS.test(localPart)) return { reason: "bounce", detail: `from ${localPart}` };

  const own = input.ownAddresses.map((a) => a.toLowerCase());
  if (input.from && own.includes(input.from)) return { reason: "own", detail: "from our own address" };
  const loops = input.headers.get("x-loop") ?? [];
  if (loops.some((v) => own.some((a) => v.toLowerCase().includes(a))))
    return { reason: "own", detail: "x-loop" };

  if (OUT_OF_OFFICE_SUBJECT.test(input.subject)) return { reason: "out-of-office", detail: "subject" };
  for (const name of ["x-autoreply", "x-autorespond", "x-auto-reply"]) {
    if (has(input, name)) return { reason: "out-of-office", detail: name };
  }

  const autoSubmitted = first(input, "auto-submitted");
  if (autoSubmitted && !/^no\b/i.test(autoSubmitted))
    return { reason: "auto-submitted", detail: `auto-submitted: ${autoSubmitted.toLowerCase()}` };
  if (has(input, "x-auto-response-suppress"))
    return { reason: "auto-submitted", detail: "x-auto-response-suppress" };

  const precedence = first(input, "precedence")?.toLowerCase();
  if (precedence && /^(bulk|junk|list)\b/.test(precedence))
    return { reason: "list", detail: `precedence: ${precedence}` };
  if (has(input, "list-id")) return { reason: "list", detail: "list-id" };
  return null;
}
