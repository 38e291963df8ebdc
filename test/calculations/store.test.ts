import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseFreeMailList } from "../../src/access/rules.ts";
import {
  checkCalculationRate,
  checkRateLimit,
  countRecentCalculations,
  rateLimitsOf,
} from "../../src/calculations/rate-limit.ts";
import {
  findByPublicId,
  findPublicIds,
  formatPublicId,
  parisYear,
  recordCalculation,
} from "../../src/calculations/store.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Db } from "../../src/db/client.ts";
import type { CalculationRequest } from "../../src/engine/types.ts";
import { calculate } from "../../src/reference/calculate.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { importSmallDataset } from "../helpers/datasets.ts";

let test: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let datasetId: number;
beforeEach(async () => {
  test = await createTestDatabase();
  db = test.db;
  datasetId = await importSmallDataset(db, test.dir, "SAE 2023", {
    finess: [["920000650", "CH de Nanterre", 40_000, 2_000]],
    am: [["751234567", "radiologie", 9_000]],
  });
});
afterEach(() => test.close());

const request: CalculationRequest = {
  activity: "mixte",
  finessRadio: ["920 000 650"],
  amRadio: ["751234567", "123"],
  finessMn: ["920000650"],
  amMn: [],
};

async function record(sender: string, reference: string, now: Date) {
  const { result } = await calculate(db, request, { nuclearCoefficient: 5 });
  return recordCalculation(
    db,
    {
      request,
      activityInferred: false,
      result,
      datasetId,
      sender,
      recipient: sender,
      reference,
      inboundMessageId: null,
    },
    now,
  );
}

describe("calculation records", () => {
  it("gives each calculation a quotable public id from its year and row", async () => {
    const first = await record("marie@editeur.fr", "CH de Nanterre", new Date("2026-03-01T10:00:00Z"));
    const second = await record("marie@editeur.fr", "CH de Nanterre", new Date("2027-01-02T10:00:00Z"));
    expect(first.publicId).toBe(`TR-2026-${String(first.id).padStart(6, "0")}`);
    expect(second.publicId).toBe(formatPublicId(2027, second.id));
    expect(second.id).toBe(first.id + 1);
  });

  it("takes the year of the calculation in French time", async () => {
    const newYear = await record("marie@editeur.fr", "CH", new Date("2026-12-31T23:30:00Z")); // 00:30 in Paris
    expect(newYear.publicId).toMatch(/^TR-2027-/);
  });

  it("keeps the inputs as typed, the result, the tranche and the dataset", async () => {
    const { publicId } = await record("marie@editeur.fr", "CH de Nanterre", new Date("2026-03-01T10:00:00Z"));
    const stored = await findByPublicId(db, publicId.toLowerCase());
    expect(stored).toMatchObject({
      publicId,
      sender: "marie@editeur.fr",
      reference: "CH de Nanterre",
      activity: "mixte",
      request,
      tranche: "C",
      total: 40_000 + 9_000 + 5 * 2_000,
      datasetId,
    });
    expect(stored?.result.invalid.amRadio).toEqual([{ value: "123", reason: "format" }]);
  });

  it("reads public ids quoted in a text, as people retype them", () => {
    expect(
      findPublicIds("Objet : contestation du calcul tr-2026-000123 et TR 2026 000124, pas TR-26-1"),
    ).toEqual(["TR-2026-000123", "TR-2026-000124"]);
  });

  it("reads back the public id of the millionth calculation and beyond, whose sequence has seven digits", async () => {
    const publicId = formatPublicId(2026, 1_234_567);
    expect(publicId).toBe("TR-2026-1234567");
    expect(findPublicIds(`Contestation du calcul ${publicId}.`)).toEqual([publicId]);
    // Stored under that id, it is found again when quoted (support's `calculation show`, a dispute).
    const { id } = await record("marie@editeur.fr", "CH de Nanterre", new Date("2026-03-01T10:00:00Z"));
    await db.calculation.update({ where: { id }, data: { publicId } });
    expect((await findByPublicId(db, publicId))?.id).toBe(id);
  });
});

const freeMail = parseFreeMailList("gmail.com\nhotmail.*\n");

describe("rate limits on calculation requests", () => {
  const limits = { senderPerHour: 3, organisationPerHour: 5 };

  it("allows up to the limit and names the scope beyond it", () => {
    expect(checkRateLimit({ sender: 2, organisation: 4 }, limits)).toEqual({ allowed: true });
    expect(checkRateLimit({ sender: 3, organisation: 3 }, limits)).toEqual({
      allowed: false,
      scope: "sender",
      count: 3,
      limit: 3,
    });
    expect(checkRateLimit({ sender: 1, organisation: 5 }, limits)).toEqual({
      allowed: false,
      scope: "organisation",
      count: 5,
      limit: 5,
    });
  });

  it("counts the last hour's calculations per sender and per organisation, sub-domains included", async () => {
    const now = new Date("2026-11-20T10:00:00Z");
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
    await record("marie@editeur.fr", "A", minutesAgo(5));
    await record("marie@editeur.fr", "B", minutesAgo(59));
    await record("marie@editeur.fr", "C", minutesAgo(61)); // outside the hour
    await record("paul@mail.editeur.fr", "D", minutesAgo(10));
    await record("luc@notediteur.fr", "E", minutesAgo(10)); // another organisation
    expect(await countRecentCalculations(db, "Marie@editeur.fr", now, freeMail)).toEqual({
      sender: 2,
      organisation: 3,
    });
    expect(await countRecentCalculations(db, "paul@mail.editeur.fr", now, freeMail)).toEqual({
      sender: 1,
      organisation: 3,
    });
  });

  it("does not count the other users of a free-mail provider as the sender's organisation", async () => {
    const now = new Date("2026-11-20T10:00:00Z");
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
    // A cabinet's secretary and an unrelated distributor, both approved by support at gmail.com.
    await record("secretariat.cabinet.durand@gmail.com", "A", minutesAgo(5));
    await record("distrib.ris.sud@gmail.com", "B", minutesAgo(10));
    await record("distrib.ris.sud@gmail.com", "C", minutesAgo(20));
    expect(await countRecentCalculations(db, "secretariat.cabinet.durand@gmail.com", now, freeMail)).toEqual({
      sender: 1,
      organisation: 1,
    });
    const tight = { senderPerHour: 60, organisationPerHour: 2 };
    expect(
      await checkCalculationRate(db, "secretariat.cabinet.durand@gmail.com", now, tight, freeMail),
    ).toEqual({
      allowed: true,
    });
  });
});

describe("the rate check the daemon calls", () => {
  it("refuses the sender's next calculation once the configured limit is reached", async () => {
    const now = new Date("2026-11-20T10:00:00Z");
    const limits = rateLimitsOf({ rateLimitSenderPerHour: 2, rateLimitOrganisationPerHour: 300 });
    expect(await checkCalculationRate(db, "marie@editeur.fr", now, limits, freeMail)).toEqual({
      allowed: true,
    });
    await record("marie@editeur.fr", "A", new Date(now.getTime() - 60_000));
    await record("marie@editeur.fr", "B", new Date(now.getTime() - 30_000));
    expect(await checkCalculationRate(db, "marie@editeur.fr", now, limits, freeMail)).toMatchObject({
      allowed: false,
      scope: "sender",
    });
    expect(await checkCalculationRate(db, "paul@editeur.fr", now, limits, freeMail)).toEqual({
      allowed: true,
    });
  });

  it("defaults to 60 per sender and 300 per organisation", () => {
    const config = loadConfig({}, "/nonexistent");
    expect(rateLimitsOf(config)).toEqual({ senderPerHour: 60, organisationPerHour: 300 });
  });
});

describe("the year of a public id", () => {
  it("is the year in Paris: New Year's Eve after 23:00 UTC in winter is already the next year", () => {
    expect(parisYear(new Date("2026-12-31T22:59:59Z"))).toBe(2026);
    expect(parisYear(new Date("2026-12-31T23:00:00Z"))).toBe(2027);
    expect(parisYear(new Date("2027-01-01T00:30:00Z"))).toBe(2027);
  });

  it("agrees with the Paris calendar at every hour of the year's edges and the rest of the year", () => {
    const paris = new Intl.DateTimeFormat("en", { timeZone: "Europe/Paris", year: "numeric" });
    const hours = [
      ...Array.from({ length: 48 }, (_, h) => Date.UTC(2026, 11, 30, h)),
      ...Array.from({ length: 365 }, (_, d) => Date.UTC(2026, 0, 1 + d, d % 24)),
    ];
    for (const time of hours) {
      const date = new Date(time);
      expect(parisYear(date), date.toISOString()).toBe(Number(paris.format(date)));
    }
  });
});
