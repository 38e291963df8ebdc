import { INVISIBLE, TYPING_MARKS } from "./normalise.ts";

/** Separators between identifiers that are never part of one: `;`, `,` and line breaks. */
const HARD_SEPARATORS = /[;,\r\n\u2028\u2029]+/;

/**
 * Splits an identifier list as a user types it into tokens, one per identifier (not normalised).
 * Rule shared by the CLI and email parsing: split on `;`, `,`, line breaks and a `/` glued between
 * two numbers (a « n° » glued to a number is dropped, see wordTokens); inside a piece, if
 * removing whitespace (and the dots, dashes and invisible characters a number may be typed with)
 * leaves exactly 9 characters, none of its words letters only, it is one number typed with
 * spaces (`920 000 650`; « bâtiment 3 » is a comment), otherwise
 * whitespace separates identifiers. Pieces without a letter or digit are dropped, and so are the
 * words without a digit beside other words (`920000650 (CH de Lens)`: no FINESS or N°AM is written
 * without digits, so they are the sender's comment, not identifiers to report as invalid), and so
 * are brackets and quotes around a number, and the words of a bracket that a separator split off
 * from its number (`620100057 (CH Lens, IRM)`).
 */
export function splitIdentifierList(text: string): string[] {
  const tokens: string[] = [];
  const pieces = separateSlashed(text.replace(NUMBER_SIGN, SIGN)).split(HARD_SEPARATORS);
  // Brackets opened by the pieces so far and not closed: a piece that starts inside them is part of
  // a comment the separator split (« 620100057 (CH Lens, IRM) »).
  let depth = 0;
  for (const rawPiece of pieces) {
    const inBrackets = depth > 0;
    depth = Math.max(
      0,
      depth + (rawPiece.match(/[([]/g)?.length ?? 0) - (rawPiece.match(/[)\]]/g)?.length ?? 0),
    );
    const signedPiece = unwrap(rawPiece.trim());
    const piece = withoutSign(signedPiece);
    // A placeholder (`*********`, `_________`) is not an identifier, whatever its length.
    if (!/[\p{L}\p{N}]/u.test(piece)) continue;
    // A comment's words without a digit, like those beside a number (see wordTokens).
    if (inBrackets && !/\p{N}/u.test(piece)) continue;
    // « bâtiment 3 », « CH Béthune » make nine characters too: a word of letters is a comment's.
    if (
      (piece.replace(/\s+/gu, "").replace(INVISIBLE, "").length === 9 ||
        piece.replace(TYPING_MARKS, "").length === 9) &&
      !piece.split(/\s+/u).some(isCommentWord)
    ) {
      tokens.push(piece);
      continue;
    }
    const words = signedPiece
      .split(/\s+/u)
      .map(unwrap)
      .filter((word) => /[\p{L}\p{N}]/u.test(word));
    tokens.push(
      ...wordTokens(
        words.map(withoutSign),
        words.map((word) => withoutSign(word) !== word),
      ),
    );
  }
  return tokens;
}

/**
 * « n° », « N° », « nº » or « No » glued to a number (`n°750712184`, `N° 750712184`): no identifier
 * starts with a letter, so it is the number's sign, not part of it.
 */
export const NUMBER_SIGN = /(?<![\p{L}\p{N}])(?:n[°º]|no)[^\S\r\n]*(?=\p{N})/giu;
/** Every NUMBER_SIGN written one way, glued to its number, until the words it signs are read. */
const SIGN = "n°";
const withoutSign = (text: string) => text.replace(NUMBER_SIGN, "");

/**
 * `920000650/750712184`: a slash glued between numbers that may be identifiers (5 characters or
 * more, a digit in each) separates them like `;`. A comment's slash (`IRM/scanner`) or a date's
 * (`12/03/2025`) is kept. Word by word, so that it costs linear time on any line.
 */
function separateSlashed(text: string): string {
  if (!text.includes("/")) return text;
  return text
    .split(/(\s+)/u)
    .map((word) => {
      if (!word.includes("/")) return word;
      const parts = word.split("/").filter(Boolean);
      return parts.length > 0 && parts.every(mayBeIdentifier) ? parts.join(";") : word;
    })
    .join("");
}
const mayBeIdentifier = (part: string) => {
  const core = withoutSign(unwrap(part)).replace(TYPING_MARKS, "");
  return core.length >= 5 && /^[\p{L}\p{N}]+$/u.test(core) && /\p{N}/u.test(core);
};

const digits = (word: string) => word.replace(TYPING_MARKS, "").length;
/** A word of letters without a digit (« CH », « bâtiment »): a comment's, never part of a number. */
const isCommentWord = (word: string) => /\p{L}/u.test(word) && !/\p{N}/u.test(word);
const isDigitGroup = (word: string) => /^[\p{N}.\u002D\u2010-\u2015]+$/u.test(word);

/**
 * The identifiers among a piece's words. A run of digit groups is one number typed with spaces when
 * it makes 9 characters (`920 000 650 (CH Lens)`, the piece's rule applied to the run), else each
 * group is a number to report. A short number alone beside a comment's words or an identifier is
 * part of the comment: "(site 2)", "920000650 bât. 3", and so is one that starts a run right
 * after a comment's word when the rest makes 9 ("site 2 620 100 057"). Alone ("12 345"), numbers
 * are reported. A run a « n° » starts (`signed`, its sign dropped) is one number whatever its length
 * (« n°2 620 100 057 », reported as written), unless one of its groups is an identifier whole.
 */
function wordTokens(words: string[], signed: readonly boolean[]): string[] {
  if (words.length === 1) return words;
  const commented = words.some((word) => isCommentWord(word) || digits(word) === 9);
  const tokens: string[] = [];
  for (let i = 0; i < words.length; ) {
    let j = i;
    // A sign starts another number: « 751234567 n°2 620 100 057 » holds two.
    while (j < words.length && isDigitGroup(words[j]!) && (j === i || !signed[j])) j++;
    if (j - i >= 2) {
      let run = words.slice(i, j);
      let length = run.reduce((n, word) => n + digits(word), 0);
      const first = digits(run[0]!);
      if (length !== 9 && length - first === 9 && first < 5 && i > 0 && isCommentWord(words[i - 1]!))
        [run, length] = [run.slice(1), 9];
      const one = length === 9 || (signed[i] && run.every((word) => digits(word) < 9));
      // « 720169069 (2 sites) »: beside a whole identifier and a comment, a short number is the comment's.
      const whole = !one && words.some(isCommentWord) && run.some((word) => digits(word) === 9);
      tokens.push(...(one ? [run.join(" ")] : whole ? run.filter((word) => digits(word) >= 5) : run));
      i = j;
      continue;
    }
    const word = words[i]!;
    if (/\p{N}/u.test(word) && !(commented && digits(word) < 5)) tokens.push(word);
    i++;
  }
  return tokens;
}

/** Brackets and quotes around a number (`(620100057)`, `« 620100057 »`), a colon after a name. */
const WRAPPING = /^[([{«"“”'‘’<]+|[)\]}»"“”'‘’>:]+$/gu;
const unwrap = (text: string) => text.replace(WRAPPING, "").trim();
