/** Most stray numbers kept for one request: enough to point at a dropped list, bounded work after. */
export const MAX_STRAY_NUMBERS = 20;

/** Spaces (also no-break), or one dot or dash with spaces around it, between two digit groups. */
const RUN =
  /[\p{L}\p{N}+]+(?:(?:[ \u00a0\u202f]*[.\u002D\u2010-\u2015][ \u00a0\u202f]*|[ \u00a0\u202f]+)[\p{L}\p{N}+]+)*/gu;
const CHUNK = /[\p{L}\p{N}+]+/gu;
const DIGITS = /^\d+$/;
/** A FINESS of Corsica or overseas starts with letters: only the first group of a number may. */
const PREFIXED = /^(?:2[AB]|9[A-F])\d+$/i;

/**
 * The numbers of a line shaped like a FINESS or N°AM: 9 characters once the spaces, dots and
 * dashes between digit groups are gone (`920000650`, `920 000 650`, `92.000.065-0`, `2A0000012`),
 * normalised (upper-case, no separators). A number is never taken out of a longer one: groups run
 * together count as one number (`01 23 45 67 89`, a phone, is ten characters and none), and a
 * group of 9 only stands alone in a run that is not 9 long (`750712184 620100057`). A run after an
 * international prefix (`+33 1 23 45 67 89`) or inside a word (`ABC620100057`) gives none. A short
 * group right after a word is that word's (`site 2 620 100 057`: 620100057). Linear
 * time: the pattern never backtracks further than one separator.
 */
export function identifierShapedNumbers(line: string): string[] {
  const found: string[] = [];
  for (const [run] of line.matchAll(RUN)) {
    if (!/\d/.test(run)) continue;
    let groups: string[] = [];
    // Whether the last chunk was a word, and whether the groups started right after one.
    let wordBefore = false;
    let afterWord = false;
    const flush = () => {
      if (groups.length > 0 && !groups[0]!.startsWith("+")) {
        const whole = groups.join("");
        const rest = whole.length - groups[0]!.length;
        if (whole.length === 9) found.push(whole.toUpperCase());
        else if (afterWord && groups.length > 1 && groups[0]!.length < 5 && rest === 9)
          found.push(groups.slice(1).join("").toUpperCase());
        else if (groups.length > 1)
          found.push(...groups.filter((g) => g.length === 9).map((g) => g.toUpperCase()));
      }
      groups = [];
      afterWord = false;
    };
    for (const [chunk] of run.matchAll(CHUNK)) {
      if (DIGITS.test(chunk)) {
        if (groups.length === 0) afterWord = wordBefore;
        groups.push(chunk);
      } else if (/^\+\d+$/.test(chunk)) {
        flush();
        groups.push(chunk);
      } else {
        flush();
        if (PREFIXED.test(chunk)) groups.push(chunk);
      }
      wordBefore = /^\p{L}+$/u.test(chunk);
    }
    flush();
  }
  return found;
}

/**
 * Identifier-shaped numbers of the given lines, unique, in order of appearance, at most
 * MAX_STRAY_NUMBERS, leaving out those in `exclude` (normalised).
 */
export function strayNumbersOf(lines: Iterable<string>, exclude: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  for (const line of lines) {
    // Most lines hold no digit at all: skip them before any pattern runs.
    if (!/\d/.test(line)) continue;
    for (const number of identifierShapedNumbers(line)) {
      if (exclude.has(number)) continue;
      found.add(number);
      if (found.size >= MAX_STRAY_NUMBERS) return [...found];
    }
  }
  return [...found];
}
