import type { FreeMailList } from "../access/rules.ts";
import { organisationalDomain } from "../addresses/organisation.ts";
import { sqlOf } from "../db/sql.ts";
import type { DbOrTx } from "../db/transaction.ts";

export interface RateLimits {
  senderPerHour: number;
  organisationPerHour: number;
}

export interface RecentCounts {
  /** Calculations answered in the last hour for this sender. */
  sender: number;
  /**
   * …and for every address of its organisation (sub-domains included); at a free-mail provider the
   * sender's own count, since the people sharing gmail.com are not one company.
   */
  organisation: number;
}

export type RateDecision =
  | { allowed: true }
  | { allowed: false; scope: "sender" | "organisation"; count: number; limit: number };

/**
 * Whether one more calculation may be answered. Counts are of calculations already answered in the
 * last hour, so the limit is the number of replies per hour; beyond it the caller opens a ticket
 * instead of replying (a flood costs support one ticket thread, not hundreds of emails).
 */
export function checkRateLimit(counts: RecentCounts, limits: RateLimits): RateDecision {
  if (counts.sender >= limits.senderPerHour)
    return { allowed: false, scope: "sender", count: counts.sender, limit: limits.senderPerHour };
  if (counts.organisation >= limits.organisationPerHour)
    return {
      allowed: false,
      scope: "organisation",
      count: counts.organisation,
      limit: limits.organisationPerHour,
    };
  return { allowed: true };
}

/** The limits as configured (`rateLimitSenderPerHour`, `rateLimitOrganisationPerHour`). */
export function rateLimitsOf(config: {
  rateLimitSenderPerHour: number;
  rateLimitOrganisationPerHour: number;
}): RateLimits {
  return {
    senderPerHour: config.rateLimitSenderPerHour,
    organisationPerHour: config.rateLimitOrganisationPerHour,
  };
}

/** Counts, then checks: what the daemon calls before answering a calculation request. */
export async function checkCalculationRate(
  db: DbOrTx,
  sender: string,
  now: Date,
  limits: RateLimits,
  freeMail: FreeMailList,
): Promise<RateDecision> {
  return checkRateLimit(await countRecentCalculations(db, sender, now, freeMail), limits);
}

const HOUR = 60 * 60 * 1000;

/** Calculations recorded in the hour before `now` for the sender, and for its organisation. */
export async function countRecentCalculations(
  db: DbOrTx,
  sender: string,
  now: Date,
  freeMail: FreeMailList,
): Promise<RecentCounts> {
  const address = sender.trim().toLowerCase();
  const since = new Date(now.getTime() - HOUR);
  const organisation = freeMail.contains(address) ? null : organisationalDomain(address);
  // Asked for every calculation: plain SQL (src/db/sql.ts), each a range scan of an index on
  // (sender | organisation, createdAt). One after the other: a transaction runs one at a time.
  const sql = sqlOf(db);
  const count = async (column: "sender" | "organisation", value: string) => {
    const [row] = await sql.query<{ n: number }>(
      `SELECT CAST(COUNT(*) AS INTEGER) AS "n" FROM "Calculation" WHERE "${column}" = ? AND "createdAt" >= ?`,
      [value, since],
    );
    return Number(row?.n ?? 0);
  };
  const own = await count("sender", address);
  const all = organisation ? await count("organisation", organisation) : 0;
  return { sender: own, organisation: Math.max(own, all) };
}
