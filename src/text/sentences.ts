/**
 * Where a sentence ends: after « . », « ? », « ! » followed by a space, or at a line break. An
 * address's dots (« paul.martin@editeur.fr ») end nothing.
 */
export const SENTENCE_END = /(?<=[.?!])\s+|\n/;
