import { stripSubjectPrefixes } from "./body-text.ts";
import { isOurSubject } from "./support-classifier.ts";

// Words that ask for a calculation, at the start of a subject: « Demande de calcul (de tranche) »,
// « Calcul de la tranche de financement », « Nouvelle demande de tranche pour … ».
const OF = String.raw`(?:(?:de|du|des)\s+|d['’]\s*)?(?:(?:la|le)\s+)?`;
const ASKING = String.raw`(?:(?:nouvelle|nouveau)\s+)?(?:(?:demandes?|requ[êe]tes?)(?:\s+${OF}calculs?)?|calculs?|calculer)(?:\s+${OF}tranches?)?|(?:(?:nouvelle|nouveau)\s+)?tranches?`;
const FINANCING = String.raw`(?:\s+de\s+financement(?:\s+des\s+prestations)?)?`;
const ABOUT = String.raw`(?:(?:pour|concernant)\s+(?:(?:la|le|les)\s+|l['’]\s*)?)?`;
const ASKING_LEAD = new RegExp(
  String.raw`^(?:${ASKING})${FINANCING}(?=$|[\s\-–—:;,|/.!?()])[\s\-–—:;,|/.!?]*${ABOUT}`,
  "i",
);
/** Urgency and courtesy at the end: « - urgent », « SVP », « merci ». */
const COURTESY_TAIL = /(?:[\s\-–—:;,|/.!?]*\b(?:urgent|svp|merci|s'il vous pla[iî]t)\b[\s.!?]*)+$/i;

/**
 * The reference a subject names, when no « Référence » label gives one (SPEC §5: required, shown in
 * the result): the subject without reply/forward prefixes, the words asking for a calculation and
 * courtesy. Null when nothing else is left — « Demande de calcul » names no order — and for the
 * subject of one of our emails, which a reply keeps (« RE: Ségur Numérique - Imagerie - Demande de
 * calcul incomplète »).
 */
export function referenceOfSubject(subject: string): string | null {
  if (isOurSubject(subject)) return null;
  const named = stripSubjectPrefixes(subject)
    .replace(ASKING_LEAD, "")
    .replace(COURTESY_TAIL, "")
    .replace(/^[\s\-–—:;,|/.!?]+|[\s\-–—:;,|/]+$/g, "")
    .trim();
  return named ? named.slice(0, 200) : null;
}
