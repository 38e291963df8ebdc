import { isWellFormedAm } from "../identifiers/am.ts";
import { isWellFormedFiness } from "../identifiers/finess.ts";
import { normaliseIdentifier } from "../identifiers/normalise.ts";
import { trancheFor } from "./tranche.ts";
import type {
  Activity,
  AmCounts,
  CalculationRequest,
  CalculationResult,
  Field,
  InvalidIdentifier,
  InvalidReason,
  ReferenceLookup,
} from "./types.ts";
import { emptyLists, FIELDS } from "./types.ts";

export interface EngineOptions {
  /** Weight of a nuclear-medicine exam in the total (5 in the programme's rules). */
  nuclearCoefficient: number;
}

type Kind = "radiology" | "nuclear";

const FIELD_KIND: Record<Field, Kind> = {
  amRadio: "radiology",
  finessRadio: "radiology",
  amMn: "nuclear",
  finessMn: "nuclear",
};

const APPLIES: Record<Activity, Record<Kind, boolean>> = {
  radiologie: { radiology: true, nuclear: false },
  "medecine-nucleaire": { radiology: false, nuclear: true },
  mixte: { radiology: true, nuclear: true },
};

/**
 * The tranche of one order (SPEC §6): each identifier of each field is judged against the
 * reference data, valid ones are counted once per field, and the total is
 * radiology exams + coefficient × nuclear-medicine exams.
 *
 * Precedence of reasons: a field that does not apply to the activity type is ignored as a whole
 * (`not-applicable`); otherwise the reference data is consulted first, so a number it contains is
 * never rejected for its shape or key (`no-activity` if its activity of the field's kind is zero);
 * an absent number is `format` if malformed, else `unknown`. A doctor of an order-form row marked
 * « mixte » is judged in their own activity's AM field only (`amOfMixteRows`).
 */
export function computeTranche(
  request: CalculationRequest,
  lookup: ReferenceLookup,
  options: EngineOptions,
): CalculationResult {
  if (!Number.isInteger(options.nuclearCoefficient) || options.nuclearCoefficient <= 0) {
    throw new RangeError(`nuclearCoefficient must be a positive integer, got ${options.nuclearCoefficient}`);
  }
  const valid = emptyLists<string>();
  const invalid = emptyLists<InvalidIdentifier>();
  let radiologyExams = 0;
  let nuclearExams = 0;
  const placedByActivity = new Set((request.amOfMixteRows ?? []).map(normaliseIdentifier));

  for (const field of FIELDS) {
    const kind = FIELD_KIND[field];
    const applies = APPLIES[request.activity][kind];
    const seen = new Set<string>();
    for (const token of request[field]) {
      const value = normaliseIdentifier(token);
      if (!value || seen.has(value)) continue;
      seen.add(value);
      if (placedByActivity.has(value) && !isDoctorsOwnField(field, lookup.am(value))) continue;
      const outcome = applies ? judge(field, kind, value, lookup) : { reason: "not-applicable" as const };
      if ("reason" in outcome) {
        invalid[field].push({ value, reason: outcome.reason });
      } else {
        valid[field].push(value);
        if (kind === "radiology") radiologyExams += outcome.exams;
        else nuclearExams += outcome.exams;
      }
    }
  }

  const total = radiologyExams + options.nuclearCoefficient * nuclearExams;
  return {
    activity: request.activity,
    tranche: trancheFor(total),
    total,
    radiologyExams,
    nuclearExams,
    nuclearCoefficient: options.nuclearCoefficient,
    valid,
    invalid,
  };
}

function judge(
  field: Field,
  kind: Kind,
  value: string,
  lookup: ReferenceLookup,
): { exams: number } | { reason: InvalidReason } {
  if (field === "finessRadio" || field === "finessMn") {
    const counts = lookup.finess(value);
    if (!counts) return { reason: isWellFormedFiness(value) ? "unknown" : "format" };
    const exams = kind === "radiology" ? counts.radiology : counts.nuclear;
    return exams > 0 ? { exams } : { reason: "no-activity" };
  }
  const doctor = lookup.am(value);
  if (!doctor) return { reason: isWellFormedAm(value) ? "unknown" : "format" };
  const activity = kind === "radiology" ? "radiologie" : "medecine_nucleaire";
  return doctor.activity === activity && doctor.acts > 0 ? { exams: doctor.acts } : { reason: "no-activity" };
}

/** The values the reference data holds, as a FINESS or as an N°AM (normalised), in their order. */
export function knownIdentifiers(values: readonly string[], lookup: ReferenceLookup): string[] {
  return values.filter(
    (value) => lookup.finess(normaliseIdentifier(value)) || lookup.am(normaliseIdentifier(value)),
  );
}

/** False only for a known doctor in the AM field of the other activity. */
function isDoctorsOwnField(field: Field, doctor: AmCounts | undefined): boolean {
  if (!doctor || (field !== "amRadio" && field !== "amMn")) return true;
  return (field === "amRadio") === (doctor.activity === "radiologie");
}
