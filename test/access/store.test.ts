import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  accessHistory,
  changeAccess,
  grantAccess,
  isAuthorised,
  listAuthorised,
  revokeAccess,
} from "../../src/access/store.ts";
import type { Db } from "../../src/db/client.ts";
import { createTestDatabase } from "../helpers/database.ts";

const now = new Date("2026-11-20T10:00:00Z");
const later = new Date("2026-11-21T10:00:00Z");
const operator = { decidedBy: "operator:alice", now };

let test: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
beforeEach(async () => {
  test = await createTestDatabase();
  db = test.db;
});
afterEach(() => test.close());

describe("the authorised-address store", () => {
  it("grants with the organisation, when, by whom and from which message, and records it", async () => {
    const outcome = await grantAccess(db, "Jean.Dupont@Mail.Editeur.fr", {
      decidedBy: "rule:same-organisation",
      requestedBy: "marie.martin@editeur.fr",
      sourceMessageId: "<req-1@editeur.fr>",
      now,
    });
    expect(outcome).toBe("granted");
    const [row] = await listAuthorised(db);
    expect(row).toMatchObject({
      email: "jean.dupont@mail.editeur.fr",
      organisation: "editeur.fr",
      grantedAt: now,
      grantedBy: "rule:same-organisation",
      sourceMessageId: "<req-1@editeur.fr>",
    });
    const [event] = await accessHistory(db, "jean.dupont@mail.editeur.fr");
    expect(event).toMatchObject({
      action: "grant",
      email: "jean.dupont@mail.editeur.fr",
      requestedBy: "marie.martin@editeur.fr",
      sourceMessageId: "<req-1@editeur.fr>",
      decidedBy: "rule:same-organisation",
      at: now,
    });
  });

  it("says an address is already authorised, changes nothing and records a noop", async () => {
    await grantAccess(db, "jean@editeur.fr", operator);
    expect(await grantAccess(db, "JEAN@editeur.fr", { decidedBy: "operator:bob", now: later })).toBe(
      "already-authorised",
    );
    const [row] = await listAuthorised(db);
    expect(row).toMatchObject({ grantedBy: "operator:alice", grantedAt: now });
    expect(
      (await accessHistory(db, "jean@editeur.fr")).map((e) => [e.action, e.decidedBy, e.detail]),
    ).toEqual([
      ["grant", "operator:alice", null],
      ["noop", "operator:bob", "already-authorised"],
    ]);
  });

  it("answers the revocation of an unknown address instead of failing", async () => {
    expect(await revokeAccess(db, "inconnu@editeur.fr", operator)).toBe("not-authorised");
    expect(await accessHistory(db, "inconnu@editeur.fr")).toMatchObject([
      { action: "noop", detail: "not-authorised" },
    ]);
  });

  it("revokes but keeps the row, and grants again later", async () => {
    await grantAccess(db, "jean@editeur.fr", operator);
    expect(await revokeAccess(db, "jean@editeur.fr", { decidedBy: "support:claire", now: later })).toBe(
      "revoked",
    );
    expect(await isAuthorised(db, "jean@editeur.fr")).toBe(false);
    expect(await listAuthorised(db, { includeRevoked: true })).toMatchObject([
      { email: "jean@editeur.fr", revokedAt: later, revokedBy: "support:claire" },
    ]);
    expect(await grantAccess(db, "jean@editeur.fr", { decidedBy: "operator:alice", now: later })).toBe(
      "granted",
    );
    expect(await isAuthorised(db, "jean@editeur.fr")).toBe(true);
  });

  it("changes an address: the old one revoked and the new one granted, one event naming both", async () => {
    await grantAccess(db, "j.dupont@editeur.fr", operator);
    const change = await changeAccess(db, "j.dupont@editeur.fr", "jean.dupont@editeur.fr", {
      decidedBy: "rule:same-organisation",
      requestedBy: "marie@editeur.fr",
      now: later,
    });
    expect(change).toEqual({ outcome: "changed", oldWasAuthorised: true, newWasAuthorised: false });
    expect(await isAuthorised(db, "j.dupont@editeur.fr")).toBe(false);
    expect(await isAuthorised(db, "jean.dupont@editeur.fr")).toBe(true);
    const history = await accessHistory(db, "jean.dupont@editeur.fr");
    expect(history).toMatchObject([
      { action: "change", email: "j.dupont@editeur.fr", newEmail: "jean.dupont@editeur.fr" },
    ]);
  });

  it("rolls a change back entirely when the new address cannot be granted", async () => {
    await grantAccess(db, "j.dupont@editeur.fr", operator);
    await expect(
      changeAccess(db, "j.dupont@editeur.fr", "pas-une-adresse", { decidedBy: "operator:alice", now: later }),
    ).rejects.toThrow(/adresse email invalide/);
    expect(await isAuthorised(db, "j.dupont@editeur.fr")).toBe(true);
    expect(await accessHistory(db, "j.dupont@editeur.fr")).toHaveLength(1);
  });

  it("rolls back inside the caller's transaction too", async () => {
    await grantAccess(db, "j.dupont@editeur.fr", operator);
    await expect(
      db.$transaction(async (tx) => {
        await changeAccess(tx, "j.dupont@editeur.fr", "jean.dupont@editeur.fr", {
          decidedBy: "operator:alice",
          now,
        });
        throw new Error("the daemon failed later in the same message");
      }),
    ).rejects.toThrow(/daemon failed/);
    expect(await isAuthorised(db, "j.dupont@editeur.fr")).toBe(true);
    expect(await isAuthorised(db, "jean.dupont@editeur.fr")).toBe(false);
    expect(await accessHistory(db)).toHaveLength(1);
  });

  it("records a change that changes nothing as a noop", async () => {
    await grantAccess(db, "jean@editeur.fr", operator);
    const change = await changeAccess(db, "ancien@editeur.fr", "jean@editeur.fr", operator);
    expect(change.outcome).toBe("unchanged");
    expect((await accessHistory(db, "jean@editeur.fr")).map((e) => e.action)).toEqual(["grant", "noop"]);
  });
});
