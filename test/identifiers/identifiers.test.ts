import { describe, expect, it } from "vitest";
import { isWellFormedAm } from "../../src/identifiers/am.ts";
import { hasValidLuhnKey, isWellFormedFiness, luhnKeyFor } from "../../src/identifiers/finess.ts";
import { normaliseIdentifier } from "../../src/identifiers/normalise.ts";
import { splitIdentifierList } from "../../src/identifiers/split.ts";

// Published FINESS numbers of French hospitals (annuaire FINESS): all carry a valid Luhn key.
const REAL_FINESS = [
  "920000650",
  "750712184",
  "130783293",
  "690781810",
  "330781196",
  "750803447",
  "590780193",
];

describe("normalising an identifier", () => {
  it("drops spaces, no-break spaces, dots and dashes, and upper-cases", () => {
    expect(normaliseIdentifier(" 920 000 650 ")).toBe("920000650");
    expect(normaliseIdentifier("92.000.065-0")).toBe("920000650");
    expect(normaliseIdentifier("920\u00a0000\u202f650")).toBe("920000650");
    expect(normaliseIdentifier("2a0000402")).toBe("2A0000402");
    expect(normaliseIdentifier("75–071–2184")).toBe("750712184");
  });

  it("drops the invisible characters a copy from Word, Outlook or a web page leaves in a number", () => {
    // Zero-width space, soft hyphen, zero-width joiner, word joiner, BOM.
    expect(normaliseIdentifier("920000650\u200b")).toBe("920000650");
    expect(normaliseIdentifier("920\u00ad000\u00ad650")).toBe("920000650");
    expect(normaliseIdentifier("\ufeff75071\u200d2184\u2060")).toBe("750712184");
  });
});

describe("FINESS", () => {
  it("accepts real FINESS numbers: their 9th digit is a Luhn key", () => {
    for (const finess of REAL_FINESS) expect(isWellFormedFiness(finess), finess).toBe(true);
  });
  it("rejects an all-digit number whose key does not check", () => {
    expect(isWellFormedFiness("920000651")).toBe(false);
    expect(isWellFormedFiness("750712185")).toBe(false);
  });
  it("accepts Corsican and overseas prefixes without checking their unpublished key", () => {
    for (const finess of ["2A0000402", "2B0000012", "9A0000001", "9F1234567"]) {
      expect(isWellFormedFiness(finess), finess).toBe(true);
    }
  });
  it("rejects wrong lengths, unknown letter prefixes and letters after the prefix", () => {
    for (const finess of ["92000065", "9200006500", "2C0000402", "9G0000001", "AB0000001", "92000A650", ""]) {
      expect(isWellFormedFiness(finess), finess).toBe(false);
    }
  });
  it("completes eight digits with the key that makes them valid", () => {
    expect(luhnKeyFor("92000065")).toBe("0");
    for (const finess of REAL_FINESS) expect(luhnKeyFor(finess.slice(0, 8))).toBe(finess[8]);
    expect(hasValidLuhnKey("0")).toBe(true);
  });
});

describe("N°AM", () => {
  it("accepts 9 digits with a department 01–95 or 97", () => {
    for (const am of ["011234567", "751234567", "951234567", "971234567"])
      expect(isWellFormedAm(am), am).toBe(true);
  });
  it("rejects department 00, 96, 98, 99, letters and wrong lengths", () => {
    for (const am of [
      "001234567",
      "961234567",
      "981234567",
      "991234567",
      "2A1234567",
      "75123456",
      "7512345678",
    ]) {
      expect(isWellFormedAm(am), am).toBe(false);
    }
  });
});

describe("splitting an identifier list as typed", () => {
  it("splits on semicolons, the documented separator", () => {
    expect(splitIdentifierList("920000650;750712184")).toEqual(["920000650", "750712184"]);
  });
  it("tolerates commas, line breaks, spaces and empty pieces", () => {
    expect(splitIdentifierList("920000650, 750712184\r\n130783293 ;; 690781810 330781196")).toEqual([
      "920000650",
      "750712184",
      "130783293",
      "690781810",
      "330781196",
    ]);
  });
  it("keeps a number typed with spaces as one number", () => {
    expect(splitIdentifierList("920 000 650; 75 071 218 4")).toEqual(["920 000 650", "75 071 218 4"]);
  });
  it("keeps a number typed with dots or dashes as one number", () => {
    expect(splitIdentifierList("920.000.650 ; 75-0712-184")).toEqual(["920.000.650", "75-0712-184"]);
  });
  it("separates by whitespace when the piece is not one 9-character number", () => {
    expect(splitIdentifierList("12345 920000650")).toEqual(["12345", "920000650"]);
  });
  it("returns nothing for an empty or blank list, and drops stray punctuation", () => {
    expect(splitIdentifierList("")).toEqual([]);
    expect(splitIdentifierList(" ;\n , ")).toEqual([]);
    expect(splitIdentifierList("920000650 - 750712184")).toEqual(["920000650", "750712184"]);
  });
  it("drops the words of a comment beside a number, but reports a word standing alone", () => {
    expect(splitIdentifierList("920000650 (CH de Lens); 750712184 CHU")).toEqual(["920000650", "750712184"]);
    expect(splitIdentifierList("inconnu; 920000650")).toEqual(["inconnu", "920000650"]);
  });
  it("drops the words of a comment whose comma split it, as it drops the comment's other words", () => {
    // « IRM » and « fermé » were reported as invalid FINESS in the result.
    expect(splitIdentifierList("620100057 (CH Lens, IRM)")).toEqual(["620100057"]);
    expect(splitIdentifierList("620100057 (IRM, scanner); 620100065 [Béthune, fermé le samedi]")).toEqual([
      "620100057",
      "620100065",
    ]);
    // Numbers in the brackets are still read, and a word standing alone after them still reported.
    expect(splitIdentifierList("CHU Lille (590780193, 590780201), inconnu")).toEqual([
      "590780193",
      "590780201",
      "inconnu",
    ]);
  });
  it("drops a short number of the comment after a whole identifier (« (2 sites) »), not one standing alone", () => {
    expect(splitIdentifierList("750000549 ; 720169069 (2 sites) ; 620000018")).toEqual([
      "750000549",
      "720169069",
      "620000018",
    ]);
    expect(splitIdentifierList("720169069 3 salles")).toEqual(["720169069"]);
    // Without a comment's word, a short number may be a mistyped one: reported, as before.
    expect(splitIdentifierList("720169069 12 345")).toEqual(["720169069", "12", "345"]);
  });
  it("drops placeholders of any length: they hold no letter or digit", () => {
    expect(splitIdentifierList("*********; _________; 920000650; ********")).toEqual(["920000650"]);
  });
  it("separates two identifiers glued by a slash, as by a semicolon", () => {
    // "920000650/750712184" was one invalid token: both valid numbers were left out of the calculation.
    expect(splitIdentifierList("920000650/750712184")).toEqual(["920000650", "750712184"]);
    expect(splitIdentifierList("2A0000012/2B0000012/920000650")).toEqual([
      "2A0000012",
      "2B0000012",
      "920000650",
    ]);
    expect(splitIdentifierList("(620100057/620000026)")).toEqual(["620100057", "620000026"]);
    expect(splitIdentifierList("920000650/75071218")).toEqual(["920000650", "75071218"]);
  });
  it("keeps the slash of a comment or a date: it separates no identifiers", () => {
    expect(splitIdentifierList("750712184 (IRM/scanner)")).toEqual(["750712184"]);
    expect(splitIdentifierList("920000650 (ouvert le 12/03/2025)")).toEqual(["920000650", "12/03/2025"]);
    expect(splitIdentifierList("n/a")).toEqual(["n/a"]);
  });
  it("drops a « n° » or « No » glued to a number", () => {
    // "n°750712184" was one invalid token: the valid number was left out of the calculation.
    for (const typed of [
      "n°750712184",
      "N°750712184",
      "nº750712184",
      "No750712184",
      "n° 750712184",
      "(n°750712184)",
    ])
      expect(splitIdentifierList(typed), typed).toEqual(["750712184"]);
    expect(splitIdentifierList("N°2A0000012; n°920 000 650")).toEqual(["2A0000012", "920 000 650"]);
  });
  it("keeps FINESS with letters and numbers typed with spaces whole", () => {
    expect(splitIdentifierList("2A0000012; 2B 000 001 2; 920 000 650")).toEqual([
      "2A0000012",
      "2B 000 001 2",
      "920 000 650",
    ]);
  });
  it("keeps a number with invisible characters as one number", () => {
    expect(splitIdentifierList("920\u200b000\u200b650 ; 75 071\u00ad 218 4")).toEqual([
      "920\u200b000\u200b650",
      "75 071\u00ad 218 4",
    ]);
  });
});
