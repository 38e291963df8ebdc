/**
 * Invisible format characters that copying from Word, Outlook or a web page leaves inside a number
 * (zero-width space, soft hyphen, word joiner, BOM…): never part of an identifier.
 */
export const INVISIBLE = /\p{Cf}/gu;

/** What a number may be typed with besides its characters: whitespace, dots, dashes, invisible marks. */
export const TYPING_MARKS = /[\s.\u002D\u2010-\u2015\u2212\p{Cf}]/gu;

/**
 * The canonical form of a FINESS or N°AM as typed: no whitespace (including no-break spaces), no
 * dots or dashes (any Unicode dash), no invisible characters, upper-case. Every comparison and
 * lookup uses this form.
 */
export function normaliseIdentifier(raw: string): string {
  return raw.replace(TYPING_MARKS, "").toUpperCase();
}
