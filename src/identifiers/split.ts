import { INVISIBLE, TYPING_MARKS } from "./normalise.ts";

/** Separators between identifiers that are never part of one: `;`, `,` and line breaks. */
const HARD_SEPARATORS = /[;,\r\n\u2028\u2029]+/;

/**
 * Splits an identifier list as a user types it into tokens, one per identifier (not normalised).
 * Rule shared by the CLI and email parsing: split on `;`, `,` and line breaks; inside a piece, if
 * removing whitespace (and the dots, dashes and invisible characters a number may be typed with)
 * leaves exactly 9 characters it is one number typed with spaces (`920 000 650`), otherwise
 * whitespace separates identifiers. Pieces without a letter or digit are dropped, and so are the
 * words without a digit beside other words (`920000650 (CH de Lens)`: no FINESS or N°AM is written
 * without digits, so they are the sender's comment, not identifiers to report as invalid).
 */
export function splitIdentifierList(text: string): string[] {
  const tokens: string[] = [];
  for (const rawPiece of text.split(HARD_SEPARATORS)) {
    const piece = rawPiece.trim();
    // A placeholder (`*********`, `_________`) is not an identifier, whatever its length.
    if (!/[\p{L}\p{N}]/u.test(piece)) continue;
    if (
      piece.replace(/\s+/gu, "").replace(INVISIBLE, "").length === 9 ||
      piece.replace(TYPING_MARKS, "").length === 9
    ) {
      tokens.push(piece);
      continue;
    }
    const words = piece.split(/\s+/u).filter((word) => /[\p{L}\p{N}]/u.test(word));
    for (const word of words) {
      if (words.length === 1 || /\p{N}/u.test(word)) tokens.push(word);
    }
  }
  return tokens;
}
