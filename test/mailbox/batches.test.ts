import { describe, expect, it } from "vitest";
import { planBatches, UID_SET_MAX_LENGTH, uidSet, uidSets } from "../../src/mailbox/batches.ts";

const MB = 1024 * 1024;

describe("the batches of an IMAP scan", () => {
  it("takes fifty small requests per round trip, in UID order", () => {
    const messages = Array.from({ length: 120 }, (_, i) => ({ uid: 120 - i, size: 800 }));
    const batches = planBatches(messages, 50, 8 * MB);
    expect(batches.map((b) => b.length)).toEqual([50, 50, 20]);
    expect(batches.flat()).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it("fetches a message with a large attachment alone instead of with forty-nine others", () => {
    const batches = planBatches(
      [
        { uid: 1, size: 900 },
        { uid: 2, size: 3 * MB },
        { uid: 3, size: 30 * MB },
        { uid: 4, size: 3 * MB },
        { uid: 5, size: 3 * MB },
        { uid: 6, size: 700 },
      ],
      50,
      8 * MB,
    );
    expect(batches).toEqual([[1, 2], [3], [4, 5, 6]]);
  });

  it("writes a backlog's UIDs as ranges, so that the command line stays short", () => {
    expect(uidSet([1, 2, 3, 5, 7, 8, 10])).toBe("1:3,5,7:8,10");
    expect(uidSet([42])).toBe("42");
    expect(uidSet(Array.from({ length: 100_000 }, (_, i) => i + 1))).toBe("1:100000");
  });

  it("splits the UID set of a fragmented folder into sets a server takes on one command line, in order", () => {
    const everyOther = Array.from({ length: 20_000 }, (_, i) => 2 * i + 2);
    const sets = uidSets(everyOther);
    expect(uidSet(everyOther).length).toBeGreaterThan(64 * 1024);
    expect(sets.length).toBeGreaterThan(1);
    expect(Math.max(...sets.map((set) => set.length))).toBeLessThanOrEqual(UID_SET_MAX_LENGTH);
    expect(sets.join(",")).toBe(uidSet(everyOther));
    expect(uidSets([1, 2, 3, 5, 7, 8, 10], 8)).toEqual(["1:3,5", "7:8,10"]);
    // A run is never cut: it is one short item whatever its length.
    expect(uidSets([...Array.from({ length: 1000 }, (_, i) => i + 1), 2000], 10)).toEqual(["1:1000", "2000"]);
    expect(uidSets([])).toEqual([]);
  });
});
