import { organisationalDomain } from "../addresses/organisation.ts";
import type { Prisma } from "../db/client.ts";
import { placeholders, sqlOf } from "../db/sql.ts";
import { type DbOrTx, inTransaction } from "../db/transaction.ts";
import type { Activity, CalculationRequest, CalculationResult } from "../engine/types.ts";

/** What is kept of one answered calculation (SPEC §6, §8): enough to show and replay it. */
/** The Calculation.input column: the request's lists as typed (the activity has its own column). */
type StoredInput = Omit<CalculationRequest, "activity">;

export interface NewCalculation {
  /** The request as typed (identifier lists before normalisation) and its activity. */
  request: CalculationRequest;
  activityInferred: boolean;
  result: CalculationResult;
  datasetId: number;
  sender: string;
  recipient: string;
  reference: string;
  inboundMessageId: number | null;
  /** Message-ID of the result email, when it is chosen before the calculation is recorded. */
  resultMessageId?: string;
}

export interface StoredCalculation {
  id: number;
  publicId: string;
  inboundMessageId: number | null;
  sender: string;
  recipient: string;
  reference: string;
  activity: Activity;
  activityInferred: boolean;
  /** The request as typed, ready to replay. */
  request: CalculationRequest;
  result: CalculationResult;
  tranche: string | null;
  total: number;
  datasetId: number;
  resultMessageId: string | null;
  createdAt: Date;
}

/** `TR-<year>-<6-digit sequence>`: the year of the calculation, the sequence from the row id. */
export function formatPublicId(year: number, id: number): string {
  return `TR-${year}-${String(id).padStart(6, "0")}`;
}

const PARIS_YEAR = new Intl.DateTimeFormat("en", { timeZone: "Europe/Paris", year: "numeric" });

/** The year as the requester sees it: a calculation at 00:30 on 1 January in Paris is of the new year. */
export function parisYear(date: Date): number {
  // Paris is ahead of UTC (by one or two hours): the years differ only late on 31 December (UTC).
  // Formatting with Intl every time was ~20 µs of each calculation.
  const lateOnNewYearsEve = date.getUTCMonth() === 11 && date.getUTCDate() === 31 && date.getUTCHours() >= 20;
  return lateOnNewYearsEve ? Number(PARIS_YEAR.format(date)) : date.getUTCFullYear();
}

/** Public ids quoted in a text (case-insensitive, as people retype them), canonical and unique. */
export function findPublicIds(text: string): string[] {
  const found = new Set<string>();
  // Six digits at least: the sequence is the row id, padded to six, so it grows past them.
  for (const match of text.matchAll(/\bTR[-\s]?(\d{4})[-\s]?(\d{6,})\b/gi))
    found.add(`TR-${match[1]}-${match[2]}`);
  return [...found];
}

/** Records a calculation and gives it its public id, in one transaction. */
/** What a calculation row's `input` holds: the lists as typed. */
function storedInput(request: CalculationRequest): StoredInput {
  const { amOfMixteRows } = request;
  return {
    amRadio: request.amRadio,
    finessRadio: request.finessRadio,
    amMn: request.amMn,
    finessMn: request.finessMn,
    // Kept for replays: the engine places these doctors by their activity.
    ...(amOfMixteRows?.length ? { amOfMixteRows } : {}),
  };
}

/**
 * The calculation one of these copies of a message (see otherMailboxCopies) was answered with, for
 * the same recipient, reference, activity and lists: a Message-ID reused by another request does not
 * match, and a match would get the same answer. Null when there is none.
 */
export async function answeredCopy(
  db: DbOrTx,
  copies: readonly number[],
  copy: { recipient: string; reference: string; request: CalculationRequest },
): Promise<string | null> {
  if (copies.length === 0) return null;
  const [row] = await sqlOf(db).query<{ publicId: string }>(
    `SELECT "publicId" FROM "Calculation" WHERE "inboundMessageId" IN (${placeholders(copies.length)}) AND "recipient" = ? AND "reference" = ? AND "activity" = ? AND "input" = ? LIMIT 1`,
    [
      ...copies,
      copy.recipient.trim().toLowerCase(),
      copy.reference,
      copy.request.activity,
      JSON.stringify(storedInput(copy.request)),
    ],
  );
  return row?.publicId ?? null;
}

export async function recordCalculation(
  db: DbOrTx,
  calculation: NewCalculation,
  now: Date,
): Promise<{ id: number; publicId: string }> {
  const input = storedInput(calculation.request);
  // Run for every calculation: plain SQL (src/db/sql.ts).
  return inTransaction(db, async (tx) => {
    const sql = sqlOf(tx);
    // The id is only known after the insert: a unique placeholder first, then the real public id.
    const sender = calculation.sender.trim().toLowerCase();
    const [row] = await sql.query<{ id: number }>(
      `INSERT INTO "Calculation" ("publicId", "inboundMessageId", "sender", "organisation", "recipient", "reference", "activity", "activityInferred", "input", "result", "tranche", "total", "datasetId", "createdAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "id"`,
      [
        `pending-${now.getTime()}-${Math.random().toString(36).slice(2)}`,
        calculation.inboundMessageId,
        sender,
        organisationalDomain(sender) ?? "",
        calculation.recipient.trim().toLowerCase(),
        calculation.reference,
        calculation.request.activity,
        calculation.activityInferred,
        JSON.stringify(input),
        JSON.stringify(calculation.result),
        calculation.result.tranche,
        calculation.result.total,
        calculation.datasetId,
        now,
      ],
    );
    const id = row!.id;
    const publicId = formatPublicId(parisYear(now), id);
    await sql.execute(`UPDATE "Calculation" SET "publicId" = ?, "resultMessageId" = ? WHERE "id" = ?`, [
      publicId,
      calculation.resultMessageId ?? null,
      id,
    ]);
    return { id, publicId };
  });
}

/** No calculation has this identifier: the whole story for the operator (no stack trace). */
export class CalculationNotFoundError extends Error {
  constructor(publicId: string) {
    super(
      `calcul ${publicId.trim().toUpperCase()} introuvable : vérifiez l'identifiant (celui de l'email de résultat)`,
    );
  }
}

export async function findByPublicId(db: DbOrTx, publicId: string): Promise<StoredCalculation | null> {
  const [canonical] = findPublicIds(publicId);
  if (!canonical) return null;
  return toStored(await db.calculation.findUnique({ where: { publicId: canonical } }));
}

/** The latest calculations of a sender (or sent to them), newest first. */
export async function recentCalculationsOf(
  db: DbOrTx,
  sender: string,
  limit = 200,
): Promise<StoredCalculation[]> {
  const address = sender.trim().toLowerCase();
  const rows = await db.calculation.findMany({
    where: { OR: [{ sender: address }, { recipient: address }] },
    orderBy: { id: "desc" },
    take: limit,
  });
  return rows.map((row) => toStored(row)!);
}

type CalculationRow = Prisma.CalculationGetPayload<object>;

export function toStored(row: CalculationRow | null): StoredCalculation | null {
  if (!row) return null;
  const input = JSON.parse(row.input) as StoredInput;
  const activity = row.activity as Activity;
  return {
    id: row.id,
    publicId: row.publicId,
    inboundMessageId: row.inboundMessageId,
    sender: row.sender,
    recipient: row.recipient,
    reference: row.reference,
    activity,
    activityInferred: row.activityInferred,
    request: { activity, ...input },
    result: JSON.parse(row.result) as CalculationResult,
    tranche: row.tranche,
    total: Number(row.total),
    datasetId: row.datasetId,
    resultMessageId: row.resultMessageId,
    createdAt: row.createdAt,
  };
}
