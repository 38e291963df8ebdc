import { performance } from "node:perf_hooks";
import mjml2html from "mjml";
import {
  createHtmlHandlebars,
  createRenderer,
  createTextHandlebars,
  neutralise,
  type RenderedEmail,
  readTemplateSources,
  withoutIndentation,
} from "../src/render/renderer.ts";
import { SAMPLE_DATA } from "../src/render/samples.ts";
import {
  SUBJECT_PREFIX,
  subjectOf,
  TEMPLATE_NAMES,
  type TemplateData,
  type TemplateName,
  viewOf,
} from "../src/render/templates.ts";

const RENDERS = 5_000;
const COMPILES = 20;

async function mean(runs: number, body: () => unknown): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < runs; i++) await body();
  return (performance.now() - start) / runs;
}

/**
 * MJML compiled in this process, as a per-email implementation would (the service compiles in a
 * short-lived worker thread at start-up only to shed mjml's memory; timing that here would inflate
 * the baseline by the worker's start).
 */
async function compileMjmlInProcess(source: string, filePath: string): Promise<string> {
  const { html } = await mjml2html(source, {
    filePath,
    validationLevel: "soft",
    keepComments: false,
    ignoreIncludes: false,
  });
  return html;
}

/** What rendering would cost without the start-up compilation: MJML and Handlebars compiled for each email. */
async function compileAndRender<N extends TemplateName>(
  name: N,
  data: TemplateData[N],
): Promise<RenderedEmail> {
  const sources = await readTemplateSources(name);
  const html = createHtmlHandlebars().compile(
    withoutIndentation(await compileMjmlInProcess(sources.mjml, sources.mjmlPath)),
    { strict: true },
  );
  const text = (await createTextHandlebars()).compile(sources.text, { strict: true, noEscape: true });
  const safe = neutralise(data);
  const subject = subjectOf(name, safe);
  const view = { ...viewOf(name, safe), subject, topic: subject.slice(SUBJECT_PREFIX.length) };
  return { subject, html: html(view), text: text(view) };
}

/**
 * Per-email render time with the templates compiled once at start-up (precompiled Handlebars) against
 * compiling the MJML for each email, for every template, measured in this one run.
 */
export async function benchRender(): Promise<void> {
  const renderer = await createRenderer();
  console.log("render: one email, templates compiled at start-up vs MJML compiled per email");
  console.log(
    `${"template".padEnd(16)} ${"precompiled (µs)".padStart(17)} ${"MJML per email (ms)".padStart(20)} ${"ratio".padStart(8)}`,
  );
  const ratios: number[] = [];
  for (const name of TEMPLATE_NAMES) {
    const data = SAMPLE_DATA[name] as TemplateData[typeof name];
    // Same output both ways, so that the two timings compare the same work.
    const expected = renderer.render(name, data as never);
    const slow = await compileAndRender(name, data as never);
    if (slow.html !== expected.html || slow.text !== expected.text)
      throw new Error(`${name}: outputs differ`);
    await mean(200, () => renderer.render(name, data as never));
    const fast = await mean(RENDERS, () => renderer.render(name, data as never));
    const compiled = await mean(COMPILES, () => compileAndRender(name, data as never));
    const ratio = compiled / fast;
    ratios.push(ratio);
    console.log(
      `${name.padEnd(16)} ${(fast * 1000).toFixed(1).padStart(17)} ${compiled.toFixed(1).padStart(20)} ${`${Math.round(ratio)}×`.padStart(8)}`,
    );
  }
  const lowest = Math.min(...ratios);
  console.log(
    `render: means over ${RENDERS} renders and ${COMPILES} compiles; lowest ratio ${Math.round(lowest)}× (target ≥ 100×: ${lowest >= 100 ? "met" : "NOT met"})`,
  );
}
