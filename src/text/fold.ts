/**
 * Text as people type it, made comparable: lower-case, without accents, typographic apostrophes
 * made plain, spaces collapsed. Labels, activities, references and support texts are all read
 * through it, so that « Référence », « REFERENCE » and « référence » are one word.
 */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[’‘`´]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}
