// Intake throughput: the French corpus, and hostile bodies near the size limit (figures and ratios
// measured in one run; part of `npm run bench`).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { readInbound } from "../src/intake/intake.ts";
import { intakeContext, MAIL_FIXTURES } from "../test/helpers/intake.ts";

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
  ];
  console.log(`corpus: ${corpus.length} messages, ${corpusMs.toFixed(2)} ms per message`);
  for (const [name, body] of hostile) {
    const ms = await timePerMessage([Buffer.from(head + body)], 3);
    console.log(`${name}: ${ms.toFixed(0)} ms (${(ms / corpusMs).toFixed(0)} × a corpus message)`);
  }
}
