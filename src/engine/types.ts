/** Activity types of a calculation request, as on the official form. */
export const ACTIVITIES = ["radiologie", "medecine-nucleaire", "mixte"] as const;
export type Activity = (typeof ACTIVITIES)[number];

/** The four identifier fields, in the order of the documented result layout. */
export type Field = "amRadio" | "finessRadio" | "amMn" | "finessMn";
export const FIELDS: readonly Field[] = ["amRadio", "finessRadio", "amMn", "finessMn"];

/** One empty list per field. */
export function emptyLists<T = string>(): Record<Field, T[]> {
  return { amRadio: [], finessRadio: [], amMn: [], finessMn: [] };
}

export type Tranche = "A" | "B" | "C" | "D" | "E" | "F" | "G" | "H";

export type InvalidReason = "format" | "unknown" | "no-activity" | "not-applicable";

/** Identifier lists as typed by the user (one token per identifier, not yet normalised). */
export type FieldLists = Record<Field, string[]>;

export interface CalculationRequest extends FieldLists {
  activity: Activity;
  /**
   * N°AM of order-form rows marked « mixte », which list a practice's doctors in both AM fields
   * (the sender cannot say which field each belongs to): a doctor the reference data knows is judged
   * only in the field of their own activity, instead of also being listed invalid in the other.
   */
  amOfMixteRows?: string[];
}

export interface InvalidIdentifier {
  /** The normalised identifier. */
  value: string;
  reason: InvalidReason;
}

export interface CalculationResult {
  activity: Activity;
  /** null when the total is 0: no eligible activity, no tranche. */
  tranche: Tranche | null;
  /** radiologyExams + coefficient × nuclearExams. */
  total: number;
  radiologyExams: number;
  nuclearExams: number;
  nuclearCoefficient: number;
  valid: Record<Field, string[]>;
  invalid: Record<Field, InvalidIdentifier[]>;
}

/** Reference counts of one dataset, as the engine sees them (absent = not in the data). */
export interface FinessCounts {
  radiology: number;
  nuclear: number;
}
export interface AmCounts {
  activity: "radiologie" | "medecine_nucleaire";
  acts: number;
}
export interface ReferenceLookup {
  finess(normalised: string): FinessCounts | undefined;
  am(normalised: string): AmCounts | undefined;
}
