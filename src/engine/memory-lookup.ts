import type { AmCounts, FinessCounts, ReferenceLookup } from "./types.ts";

/** A lookup over plain maps: what the database layer loads, and what tests build by hand. */
export function memoryLookup(
  finess: ReadonlyMap<string, FinessCounts>,
  am: ReadonlyMap<string, AmCounts>,
): ReferenceLookup {
  return { finess: (value) => finess.get(value), am: (value) => am.get(value) };
}
