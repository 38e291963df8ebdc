/** French number formatting for the terminal: 71 234. */
export function formatCount(value: number): string {
  return new Intl.NumberFormat("fr-FR").format(value).replace(/\u202f|\u00a0/g, " ");
}
