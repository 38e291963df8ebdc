import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { luhnKeyFor } from "../identifiers/finess.ts";
import { AM_COLUMNS, FINESS_COLUMNS } from "./rows.ts";

export interface DemoOptions {
  establishments?: number;
  doctors?: number;
  seed?: number;
}

export interface DemoSummary {
  finessPath: string;
  amPath: string;
  establishments: number;
  doctors: number;
}

const DEPARTMENTS = [
  "01",
  "06",
  "13",
  "14",
  "21",
  "25",
  "29",
  "31",
  "33",
  "34",
  "35",
  "37",
  "38",
  "42",
  "44",
  "45",
  "49",
  "51",
  "54",
  "57",
  "59",
  "62",
  "63",
  "64",
  "67",
  "68",
  "69",
  "72",
  "74",
  "75",
  "76",
  "77",
  "78",
  "80",
  "83",
  "84",
  "86",
  "87",
  "91",
  "92",
  "93",
  "94",
  "95",
  "97",
] as const;
const LETTER_DEPARTMENTS = ["2A", "2B", "9A", "9B", "9C", "9D", "9F"] as const;
const CITIES = [
  "Lyon",
  "Marseille",
  "Toulouse",
  "Nantes",
  "Bordeaux",
  "Lille",
  "Rennes",
  "Strasbourg",
  "Grenoble",
  "Dijon",
  "Angers",
  "Nîmes",
  "Brest",
  "Tours",
  "Limoges",
  "Amiens",
  "Metz",
  "Besançon",
  "Orléans",
  "Rouen",
  "Caen",
  "Nancy",
  "Avignon",
  "Poitiers",
  "Pau",
  "Bayonne",
  "Ajaccio",
  "Bastia",
  "Saint-Denis",
  "Fort-de-France",
];
const KINDS = [
  "Centre hospitalier de",
  "Clinique du Parc —",
  "Centre d'imagerie médicale de",
  "Cabinet de radiologie « Les Tilleuls »,",
  "Hôpital privé de",
  "Institut de médecine nucléaire de",
  "Groupe d'imagerie Saint-Joseph,",
  "Polyclinique de",
];

/**
 * Writes a realistic synthetic reference dataset: establishments with valid FINESS keys (a few
 * with Corsican and overseas letter prefixes), doctors with plausible N°AM, and skewed counts
 * (most sites small, a few very large; some radiology-only, some nuclear-only). Deterministic for a
 * given seed, so examples and tests can name identifiers it contains.
 */
export function writeDemoDataset(dir: string, options: DemoOptions = {}): DemoSummary {
  const random = mulberry32(options.seed ?? 2025);
  const establishments = options.establishments ?? 3_000;
  const doctors = options.doctors ?? 8_000;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
  // Log-normal counts: a long tail of large sites, as in the SAE and billing data.
  const logNormal = (median: number, spread: number) => {
    const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.round(median * Math.exp(spread * gaussian));
  };

  const finessLines = [FINESS_COLUMNS.join(";")];
  const seenFiness = new Set<string>();
  while (seenFiness.size < establishments) {
    const letters = random() < 0.02;
    const prefix = letters ? pick(LETTER_DEPARTMENTS) : pick(DEPARTMENTS);
    const body = `${prefix}${random() < 0.5 ? "0" : "1"}${digits(5)}`;
    const finess = letters ? `${body}${digits(1)}` : `${body}${luhnKeyFor(body)}`;
    if (seenFiness.has(finess)) continue;
    seenFiness.add(finess);
    const profile = random();
    const radiology = profile < 0.04 ? 0 : logNormal(11_000, 1.0);
    const nuclear = profile < 0.04 || profile > 0.75 ? logNormal(1_800, 0.8) : 0;
    const name = `${pick(KINDS)} ${pick(CITIES)}`;
    finessLines.push([finess, quote(name), radiology, nuclear].join(";"));
  }

  const amLines = [AM_COLUMNS.join(";")];
  const seenAm = new Set<string>();
  while (seenAm.size < doctors) {
    const am = `${pick(DEPARTMENTS)}${digits(7)}`;
    if (seenAm.has(am)) continue;
    seenAm.add(am);
    const activity = random() < 0.85 ? "radiologie" : "medecine_nucleaire";
    const acts = random() < 0.03 ? 0 : logNormal(activity === "radiologie" ? 6_000 : 2_500, 0.7);
    amLines.push([am, activity, acts].join(";"));
  }

  mkdirSync(dir, { recursive: true });
  const finessPath = join(dir, "finess.csv");
  const amPath = join(dir, "am.csv");
  writeFileSync(finessPath, `${finessLines.join("\n")}\n`);
  writeFileSync(amPath, `${amLines.join("\n")}\n`);
  return { finessPath, amPath, establishments, doctors };
}

function quote(text: string): string {
  return /[;"\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Small seeded PRNG: the same seed always writes the same dataset. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
