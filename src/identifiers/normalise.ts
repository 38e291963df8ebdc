/**
 * The canonical form of a FINESS or N°AM as typed: no whitespace (including no-break spaces), no
 * dots or dashes (any Unicode dash), upper-case. Every comparison and lookup uses this form.
 */
export function normaliseIdentifier(raw: string): string {
  return raw.replace(/[\s.\u002D\u2010-\u2015\u2212]/gu, "").toUpperCase();
}
