// Intake throughput: the French corpus, hostile bodies near the size limit, and hostile tables,
// archives and support texts (figures and ratios measured in one run; part of `npm run bench`).
// The parsers are meant to be linear: a hostile input costs its size, never its square.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { readInbound } from "../src/intake/intake.ts";
import { readOrderForm, readOrderFormRows } from "../src/intake/order-form.ts";
import { classifySupport } from "../src/intake/support-classifier.ts";
import { intakeContext, MAIL_FIXTURES } from "../test/helpers/intake.ts";
import { zipArchive } from "../test/helpers/zip.ts";

const FIXTURES = MAIL_FIXTURES;
const context = intakeContext();

async function timePerMessage(messages: Buffer[], rounds: number): Promise<number> {
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (const raw of messages) await readInbound(raw, context);
  return (performance.now() - start) / (rounds * messages.length);
}

const corpus = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".eml"))
  .map((f) => readFileSync(join(FIXTURES, f)));
export async function benchIntake(): Promise<void> {
  await timePerMessage(corpus, 2); // warm-up
  const corpusMs = await timePerMessage(corpus, 10);

  const head =
    "Authentication-Results: mx.example.test; dmarc=pass header.from=editeur-radiologie.fr\r\nFrom: jean.dupont@editeur-radiologie.fr\r\nSubject: Demande\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  const near = 1000 * 1024;
  const hostile: [string, string][] = [
    [
      "1 000 KiB of identifiers",
      `Référence : x\nActivité : radiologie\nAM radiologie : ${"751234567; ".repeat(near / 11)}`,
    ],
    ["1 000 KiB line of spaces", `Référence : x${" ".repeat(near)}y`],
    ["1 000 KiB word without @", `Merci d'autoriser l'accès ${"a.b".repeat(near / 3)}`],
    ["1 000 KiB of label lines", "FINESS radiologie :\n".repeat(near / 20)],
    // Every address followed by the words of a replacement: each change pattern tries each one.
    [
      "1 000 KiB of addresses to replace",
      "x.y@editeur-radiologie.fr, merci de le remplacer et de transférer son accès à la place de ".repeat(
        near / 90,
      ),
    ],
    // A list whose items are set apart by blank lines, and names where an address would be: each
    // gap and each name is looked at once.
    [
      "1 000 KiB list of ten addresses, blank lines between",
      `Merci d'autoriser :\n${Array.from({ length: 10 }, (_, i) => `- a${i}@editeur-radiologie.fr`).join("\n".repeat(near / 10))}`,
    ],
    [
      "1 000 KiB of one address beside a revoke, each copy's sentence looked at",
      `Merci de supprimer l'accès de Marc. ${"Contact : paul@editeur-radiologie.fr ".repeat(near / 38)}`,
    ],
    [
      "1 000 KiB of names where an address would be",
      `Merci de supprimer l'accès de paul@editeur-radiologie.fr. ${"supprimer Marc Durand ".repeat(near / 22)}`,
    ],
  ];
  console.log(`corpus: ${corpus.length} messages, ${corpusMs.toFixed(2)} ms per message`);
  for (const [name, body] of hostile) {
    const ms = await timePerMessage([Buffer.from(head + body)], 3);
    console.log(`${name}: ${ms.toFixed(0)} ms (${(ms / corpusMs).toFixed(0)} × a corpus message)`);
  }
  await benchHostileTables(corpusMs);
}

/** Milliseconds of one run of `work` (which may be refused: a bomb is expected to throw). */
async function timeOnce(work: () => unknown): Promise<number> {
  const start = performance.now();
  try {
    await work();
  } catch {
    // Refused, as it should be: the time to refuse is the figure.
  }
  return performance.now() - start;
}

const sheetXml = (rows: string) =>
  Buffer.from(
    `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows}</sheetData></worksheet>`,
  );

/** Inputs that once took seconds or exhausted memory (order forms, archives, support texts). */
async function benchHostileTables(corpusMs: number): Promise<void> {
  const emptyRow = "<row><c><v>1</v></c></row>";
  const paragraphs = Buffer.from(
    `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${"<w:p/>".repeat(400_000)}</w:body></w:document>`,
  );
  const wide = `${Array(100).fill("FINESS géographique (ET").join(";")}\n`.repeat(1500);
  const cases: [string, () => unknown][] = [
    [
      "header cell of 200 000 « ( » over a second row",
      () =>
        readOrderFormRows(
          [
            ["FINESS", "N° AM", "(".repeat(200_000)],
            ["géographique", "", ""],
            ["920000650", "", ""],
          ],
          "radiologie",
        ),
    ],
    [
      "CSV: 1 500 rows of 100 header cells, a cell of 1 000 000 « ( »",
      () =>
        readOrderForm(
          Buffer.from(`Nom;FINESS;Activité\n${wide}CH;${"(".repeat(1_000_000)};radiologie\n`),
          "csv",
          null,
        ),
    ],
    [
      "XLSX bomb: 2 100 000 rows (refused)",
      () =>
        readOrderForm(
          zipArchive([{ name: "xl/worksheets/sheet1.xml", content: sheetXml(emptyRow.repeat(2_100_000)) }]),
          "xlsx",
          null,
        ),
    ],
    [
      "XLSX lying about its size (refused)",
      () =>
        readOrderForm(
          zipArchive([
            { name: "xl/worksheets/sheet1.xml", content: sheetXml(emptyRow.repeat(200_000)), declared: 1000 },
          ]),
          "xlsx",
          null,
        ),
    ],
    [
      "DOCX bomb: 400 000 paragraphs (refused)",
      () => readOrderForm(zipArchive([{ name: "word/document.xml", content: paragraphs }]), "docx", null),
    ],
    ["support text: « tranche » × 3 000", () => classifySupport("tranche ".repeat(3_000), false, "tranche")],
    [
      "support text: one word of 20 000 letters",
      () => classifySupport(`la tranche calculée ${"n".repeat(20_000)}`, false, ""),
    ],
    [
      "support text: « ma demande a » × 2 000",
      () => classifySupport("ma demande a ".repeat(2_000), false, ""),
    ],
  ];
  for (const [name, work] of cases) {
    await timeOnce(work); // warm-up
    const ms = await timeOnce(work);
    console.log(`${name}: ${ms.toFixed(0)} ms (${(ms / corpusMs).toFixed(0)} × a corpus message)`);
  }
}
