/** Department prefix (two digits, Corsica 2A/2B, overseas 9A–9F) then seven digits. */
const FINESS_SHAPE = /^(?:\d{2}|2[AB]|9[A-F])\d{7}$/;

/**
 * Whether a normalised FINESS has the right shape and, when it is all digits, a valid Luhn key (its
 * 9th digit). The key of letter-prefixed numbers is not published, so it is not checked.
 */
export function isWellFormedFiness(normalised: string): boolean {
  if (!FINESS_SHAPE.test(normalised)) return false;
  return /^\d{9}$/.test(normalised) ? hasValidLuhnKey(normalised) : true;
}

/** Luhn check over a string of digits whose last digit is the key. */
export function hasValidLuhnKey(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The Luhn key that completes eight digits into a valid all-digit FINESS. */
export function luhnKeyFor(eightDigits: string): string {
  for (let key = 0; key <= 9; key++) {
    if (hasValidLuhnKey(`${eightDigits}${key}`)) return String(key);
  }
  throw new Error("unreachable: one Luhn key always exists");
}
