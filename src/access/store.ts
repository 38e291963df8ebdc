import { canonicalAddress, organisationalDomain } from "../addresses/organisation.ts";
import type { Prisma } from "../db/client.ts";
import { sqlOf } from "../db/sql.ts";
import { type DbOrTx, inTransaction } from "../db/transaction.ts";

export interface AuthorisedAddressRow {
  email: string;
  organisation: string;
  grantedAt: Date;
  grantedBy: string;
  sourceMessageId: string | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

export class InvalidAddressError extends Error {}

/** The canonical form of an address to store (see canonicalAddress); throws when it is not one. */
export function requireAddress(address: string): string {
  const email = canonicalAddress(address);
  if (!email) throw new InvalidAddressError(`adresse email invalide : « ${address} »`);
  return email;
}

export async function isAuthorised(db: DbOrTx, address: string): Promise<boolean> {
  // Asked for every message: plain SQL (src/db/sql.ts).
  const rows = await sqlOf(db).query<{ revokedAt: unknown }>(
    `SELECT "revokedAt" FROM "AuthorisedAddress" WHERE "email" = ?`,
    [address.trim().toLowerCase()],
  );
  return rows.length === 1 && rows[0]!.revokedAt === null;
}

/**
 * Why a result email must not go any more, or null: one of its recipients is no longer authorised
 * (access revoked or moved to another address since the calculation; SPEC §9: a result never goes
 * to an address that is not authorised). Asked of emails that waited in the outbox; others go.
 */
export async function resultRecipientRevoked(
  db: DbOrTx,
  email: { kind: string; recipients: string },
): Promise<string | null> {
  if (email.kind !== "result") return null;
  for (const recipient of email.recipients.split(",").filter(Boolean)) {
    if (!(await isAuthorised(db, recipient)))
      return `non envoyé : ${recipient} n'est plus autorisé (accès supprimé depuis le calcul)`;
  }
  return null;
}

/**
 * Who made a change and on whose request, for the audit trail. `decidedBy` is `rule:<rule>`,
 * `support:<name>` or `operator:<name>`; `requestedBy` is the requester's address, or the operator.
 */
export interface AccessActor {
  decidedBy: string;
  /** Defaults to `decidedBy` (an operator acting on their own). */
  requestedBy?: string;
  /** Message-ID of the email that asked, when it came by email. */
  sourceMessageId?: string | null;
  accessRequestId?: number | null;
  now: Date;
}

export type GrantOutcome = "granted" | "already-authorised";
export type RevokeOutcome = "revoked" | "not-authorised";
export type ChangeOutcome = "changed" | "unchanged";

/** Grants access; granting an already authorised address changes nothing, says so and records a noop. */
export async function grantAccess(db: DbOrTx, address: string, actor: AccessActor): Promise<GrantOutcome> {
  const email = requireAddress(address);
  return inTransaction(db, async (tx) => {
    const granted = await grantRow(tx, email, actor);
    await recordEvent(tx, actor, {
      action: granted ? "grant" : "noop",
      email,
      detail: granted ? null : "already-authorised",
    });
    return granted ? "granted" : "already-authorised";
  });
}

/** Revokes access; revoking an address that is not authorised is answered (and recorded), not an error. */
export async function revokeAccess(db: DbOrTx, address: string, actor: AccessActor): Promise<RevokeOutcome> {
  const email = requireAddress(address);
  return inTransaction(db, async (tx) => {
    const revoked = await revokeRow(tx, email, actor);
    await recordEvent(tx, actor, {
      action: revoked ? "revoke" : "noop",
      email,
      detail: revoked ? null : "not-authorised",
    });
    return revoked ? "revoked" : "not-authorised";
  });
}

/**
 * Replaces one address by another in one transaction: the old one is revoked and the new one
 * granted, or neither. The new address is granted even when the old one was not authorised (the
 * request is legitimate for the new one on its own); when nothing changes a noop is recorded.
 */
export async function changeAccess(
  db: DbOrTx,
  oldAddress: string,
  newAddress: string,
  actor: AccessActor,
): Promise<{ outcome: ChangeOutcome; oldWasAuthorised: boolean; newWasAuthorised: boolean }> {
  const email = requireAddress(oldAddress);
  const newEmail = requireAddress(newAddress);
  return inTransaction(db, async (tx) => {
    const revoked = email === newEmail ? false : await revokeRow(tx, email, actor);
    const granted = await grantRow(tx, newEmail, actor);
    const changed = revoked || granted;
    await recordEvent(tx, actor, {
      action: changed ? "change" : "noop",
      email,
      newEmail,
      detail: JSON.stringify({ oldRevoked: revoked, newGranted: granted }),
    });
    return {
      outcome: changed ? "changed" : "unchanged",
      oldWasAuthorised: revoked,
      newWasAuthorised: !granted,
    };
  });
}

export async function listAuthorised(
  db: DbOrTx,
  options: { includeRevoked?: boolean } = {},
): Promise<AuthorisedAddressRow[]> {
  return db.authorisedAddress.findMany({
    where: options.includeRevoked ? {} : { revokedAt: null },
    orderBy: [{ organisation: "asc" }, { email: "asc" }],
  });
}

export interface AccessEventRow {
  id: number;
  at: Date;
  action: string;
  email: string;
  newEmail: string | null;
  requestedBy: string;
  sourceMessageId: string | null;
  decidedBy: string;
  accessRequestId: number | null;
  detail: string | null;
}

/** The audit trail, oldest first; for one address, every event naming it (old or new side of a change). */
export async function accessHistory(db: DbOrTx, address?: string): Promise<AccessEventRow[]> {
  const email = address === undefined ? undefined : requireAddress(address);
  return db.accessEvent.findMany({
    where: email ? { OR: [{ email }, { newEmail: email }] } : {},
    orderBy: [{ at: "asc" }, { id: "asc" }],
  });
}

/** Records an event that changes no address (a refusal), in the same audit trail. */
export async function recordEvent(
  tx: Prisma.TransactionClient,
  actor: AccessActor,
  event: {
    action: "grant" | "revoke" | "change" | "deny" | "noop";
    email: string;
    newEmail?: string | null;
    detail?: string | null;
  },
): Promise<void> {
  await tx.accessEvent.create({
    data: {
      at: actor.now,
      action: event.action,
      email: event.email,
      newEmail: event.newEmail ?? null,
      requestedBy: actor.requestedBy ?? actor.decidedBy,
      sourceMessageId: actor.sourceMessageId ?? null,
      decidedBy: actor.decidedBy,
      accessRequestId: actor.accessRequestId ?? null,
      detail: event.detail ?? null,
    },
  });
}

async function grantRow(tx: Prisma.TransactionClient, email: string, actor: AccessActor): Promise<boolean> {
  const existing = await tx.authorisedAddress.findUnique({ where: { email } });
  if (existing && existing.revokedAt === null) return false;
  const data = {
    organisation: organisationalDomain(email) ?? email,
    grantedAt: actor.now,
    grantedBy: actor.decidedBy,
    sourceMessageId: actor.sourceMessageId ?? null,
    revokedAt: null,
    revokedBy: null,
  };
  await tx.authorisedAddress.upsert({ where: { email }, create: { email, ...data }, update: data });
  return true;
}

async function revokeRow(tx: Prisma.TransactionClient, email: string, actor: AccessActor): Promise<boolean> {
  const { count } = await tx.authorisedAddress.updateMany({
    where: { email, revokedAt: null },
    data: { revokedAt: actor.now, revokedBy: actor.decidedBy },
  });
  return count > 0;
}
