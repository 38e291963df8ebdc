/**
 * N°AM (numéro d'assurance maladie of a doctor): 9 digits, the first two a department 01–95 or 97.
 * Its key algorithm is not published, so it is not checked.
 */
const AM_SHAPE = /^(?:0[1-9]|[1-8]\d|9[0-5]|97)\d{7}$/;

export function isWellFormedAm(normalised: string): boolean {
  return AM_SHAPE.test(normalised);
}
