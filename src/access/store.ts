import { canonicalAddress as canonical, organisationalDomain } from "../addresses/organisation.ts";
import type { Db } from "../db/client.ts";

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

/** Addresses are compared lower-cased: mail systems treat them case-insensitively in practice. */
export function canonicalAddress(address: string): string {
  const email = canonical(address);
  if (!email) throw new InvalidAddressError(`adresse email invalide : « ${address} »`);
  return email;
}

export async function isAuthorised(db: Db, address: string): Promise<boolean> {
  const row = await db.authorisedAddress.findUnique({ where: { email: address.trim().toLowerCase() } });
  return row !== null && row.revokedAt === null;
}

export type GrantOutcome = "granted" | "already-authorised";
export type RevokeOutcome = "revoked" | "not-authorised";

/** Grants access; granting an already authorised address changes nothing and says so. */
export async function grantAccess(
  db: Db,
  address: string,
  by: string,
  options: { sourceMessageId?: string; now?: Date } = {},
): Promise<GrantOutcome> {
  const email = canonicalAddress(address);
  const existing = await db.authorisedAddress.findUnique({ where: { email } });
  if (existing && existing.revokedAt === null) return "already-authorised";
  const data = {
    organisation: organisationalDomain(email) ?? email,
    grantedAt: options.now ?? new Date(),
    grantedBy: by,
    sourceMessageId: options.sourceMessageId ?? null,
    revokedAt: null,
    revokedBy: null,
  };
  await db.authorisedAddress.upsert({ where: { email }, create: { email, ...data }, update: data });
  return "granted";
}

/** Revokes access; revoking an address that is not authorised is answered, not an error. */
export async function revokeAccess(
  db: Db,
  address: string,
  by: string,
  now = new Date(),
): Promise<RevokeOutcome> {
  const email = canonicalAddress(address);
  const { count } = await db.authorisedAddress.updateMany({
    where: { email, revokedAt: null },
    data: { revokedAt: now, revokedBy: by },
  });
  return count ? "revoked" : "not-authorised";
}

export async function listAuthorised(
  db: Db,
  options: { includeRevoked?: boolean } = {},
): Promise<AuthorisedAddressRow[]> {
  return db.authorisedAddress.findMany({
    where: options.includeRevoked ? {} : { revokedAt: null },
    orderBy: [{ organisation: "asc" }, { email: "asc" }],
  });
}
