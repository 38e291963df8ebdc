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
 * without digits, so they are the sender's comment, not identifiers to report as invalid), and so
 * are brackets and quotes around a number.
 */
export function splitIdentifierList(text: string): string[] {
  const tokens: string[] = [];
  for (const rawPiece of text.split(HARD_SEPARATORS)) {
    const piece = unwrap(rawPiece.trim());
    // A placeholder (`*********`, `_________`) is not an identifier, whatever its length.
    if (!/[\p{L}\p{N}]/u.test(piece)) continue;
    if (
      piece.replace(/\s+/gu, "").replace(INVISIBLE, "").length === 9 ||
      piece.replace(TYPING_MARKS, "").length === 9
    ) {
      tokens.push(piece);
      continue;
    }
    const words = piece
      .split(/\s+/u)
      .map(unwrap)
      .filter((word) => /[\p{L}\p{N}]/u.test(word));
    // Beside a comment's words or a number of an identifier's length, a short number is part of the
    // comment too: "(site 2)", "920000650 bât. 3". Alone ("12 345"), it is a number to report.
    const commented = words.some(
      (word) => !/\p{N}/u.test(word) || word.replace(TYPING_MARKS, "").length === 9,
    );
    for (const word of words) {
      if (words.length === 1) tokens.push(word);
      else if (/\p{N}/u.test(word) && !(commented && word.replace(TYPING_MARKS, "").length < 5))
        tokens.push(word);
    }
  }
  return tokens;
}

/** Brackets and quotes around a number (`(620100057)`, `« 620100057 »`), a colon after a name. */
const WRAPPING = /^[([{«"“”'‘’<]+|[)\]}»"“”'‘’>:]+$/gu;
const unwrap = (text: string) => text.replace(WRAPPING, "").trim();
