/** A message as a scan first sees it: its UID and its size on the server (RFC822.SIZE). */
export interface MessageSize {
  uid: number;
  size: number;
}

/**
 * Groups a scan's messages, in UID order, into the batches fetched one round trip each: at most
 * `maxCount` messages and `maxBytes` of source per batch, so that memory follows the largest
 * message rather than fifty of them. A message larger than `maxBytes` is a batch of its own.
 */
export function planBatches(messages: MessageSize[], maxCount: number, maxBytes: number): number[][] {
  const batches: number[][] = [];
  let batch: number[] = [];
  let bytes = 0;
  for (const { uid, size } of [...messages].sort((a, b) => a.uid - b.uid)) {
    if (batch.length && (batch.length >= maxCount || bytes + size > maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(uid);
    bytes += size;
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/**
 * Characters of a UID set in one command. A folder another client left fragmented (every other
 * message moved) writes ~6 per UID, and a server refuses a longer command line than it takes
 * (Dovecot: imap_max_line_length, 64 KB by default; RFC 7162 §4 asks clients for about 8 KB).
 */
export const UID_SET_MAX_LENGTH = 8_000;

/** Runs of consecutive sorted UIDs written as ranges (`3:7`), single UIDs as themselves. */
function runs(sorted: number[]): string[] {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i ? `${sorted[i]}:${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts;
}

/** An IMAP UID set for sorted UIDs, runs written as ranges (`3:7,9`): a long backlog stays one short line. */
export function uidSet(sorted: number[]): string {
  return runs(sorted).join(",");
}

/** The UID sets for sorted UIDs, in order, each at most `maxLength` characters: one command each. */
export function uidSets(sorted: number[], maxLength = UID_SET_MAX_LENGTH): string[] {
  const sets: string[] = [];
  let set = "";
  for (const run of runs(sorted)) {
    if (set && set.length + 1 + run.length > maxLength) {
      sets.push(set);
      set = "";
    }
    set = set ? `${set},${run}` : run;
  }
  if (set) sets.push(set);
  return sets;
}
