import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import Handlebars from "handlebars";
import {
  SUBJECT_PREFIX,
  subjectOf,
  TEMPLATE_NAMES,
  type TemplateData,
  type TemplateName,
  viewOf,
} from "./templates.ts";

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface Renderer {
  render<N extends TemplateName>(name: N, data: TemplateData[N]): RenderedEmail;
}

export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL("../../templates/", import.meta.url));

// Runs in a worker thread (plain CommonJS: no TypeScript loader there); mjml is required by path.
const MJML_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const mjml2html = require(workerData.mjml);
(async () => {
  const compiled = [];
  for (const { source, filePath } of workerData.templates) {
    const { html, errors } = await mjml2html(source, {
      filePath,
      validationLevel: "soft",
      keepComments: false,
      // mjml-core skips mj-include unless told otherwise.
      ignoreIncludes: false,
    });
    compiled.push({ html, errors: errors.map((e) => ({ line: e.line, message: e.message })) });
  }
  parentPort.postMessage(compiled);
})();
`;

/**
 * MJML → HTML still holding the Handlebars placeholders, for several templates at once. Slow (tens of
 * ms each) and heavy: mjml and its dependencies weigh 16–80 MB once loaded, and a loaded module is
 * never unloaded. So the compiler runs in a worker thread that exits when done: the daemon compiles
 * every template once at start-up and keeps only the result.
 */
export async function compileMjmlAll(templates: { source: string; filePath: string }[]): Promise<string[]> {
  const worker = new Worker(MJML_WORKER, {
    eval: true,
    workerData: { mjml: createRequire(import.meta.url).resolve("mjml"), templates },
  });
  const compiled = await new Promise<{ html: string; errors: { line: number; message: string }[] }[]>(
    (resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`MJML compiler exited (${code}) without a result`)));
    },
  ).finally(() => worker.terminate());
  return compiled.map(({ html, errors }, i) => {
    if (errors.length) {
      const list = errors.map((e) => `  line ${e.line}: ${e.message}`).join("\n");
      throw new Error(`${templates[i]!.filePath}: invalid MJML\n${list}`);
    }
    return html;
  });
}

/**
 * MJML's output without the indentation and blank lines between its tags (~15 % of a reply's HTML,
 * stored, base64-encoded and sent with every email). Text never starts a line there (the templates'
 * quoted examples stay on one line), so nothing a reader sees changes.
 */
export function withoutIndentation(html: string): string {
  return html.replace(/\n[ \t]+/g, "\n").replace(/\n{2,}/g, "\n");
}

/** The MJML and plain-text sources of one email. */
export async function readTemplateSources(
  name: TemplateName,
  templatesDir = DEFAULT_TEMPLATES_DIR,
): Promise<{ mjmlPath: string; mjml: string; text: string }> {
  const mjmlPath = join(templatesDir, `${name}.mjml`);
  const [mjml, text] = await Promise.all([
    readFile(mjmlPath, "utf8"),
    readFile(join(templatesDir, `${name}.txt.hbs`), "utf8"),
  ]);
  return { mjmlPath, mjml, text };
}

/** Handlebars for the HTML part: escapes every `{{value}}`. */
export function createHtmlHandlebars(): typeof Handlebars {
  return Handlebars.create();
}

/**
 * Handlebars for the plain-text part: no HTML escaping (it would show "&amp;" to the reader); the
 * data is made safe by `neutralise` instead. `padEnd` aligns the columns of the result tables.
 * Every `partials/<name>.txt.hbs` is the partial `<name>`.
 */
export async function createTextHandlebars(templatesDir = DEFAULT_TEMPLATES_DIR): Promise<typeof Handlebars> {
  const hb = Handlebars.create();
  hb.registerHelper("padEnd", (value: unknown, width: unknown) => String(value).padEnd(Number(width)));
  const partialsDir = join(templatesDir, "partials");
  for (const file of await readdir(partialsDir)) {
    if (!file.endsWith(".txt.hbs")) continue;
    hb.registerPartial(file.slice(0, -".txt.hbs".length), await readFile(join(partialsDir, file), "utf8"));
  }
  return hb;
}

// Line breaks and other control or bidirectional-override characters in user text could forge lines
// of the layout (a fake "La tranche … = A") or reorder what is displayed; every field is one line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/** A copy of the data with every string reduced to one safe line. */
export function neutralise<T>(data: T): T {
  if (typeof data === "string") return data.replace(UNSAFE_CHARACTERS, " ").trim() as T;
  if (Array.isArray(data)) return data.map(neutralise) as T;
  if (data !== null && typeof data === "object") {
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, neutralise(v)])) as T;
  }
  return data;
}

/**
 * Reads and compiles every template once (MJML to HTML, then Handlebars); rendering an email is then a
 * pure function of its data.
 */
export async function createRenderer(options: { templatesDir?: string } = {}): Promise<Renderer> {
  const templatesDir = options.templatesDir ?? DEFAULT_TEMPLATES_DIR;
  const htmlHb = createHtmlHandlebars();
  const textHb = await createTextHandlebars(templatesDir);
  const compiled = new Map<
    TemplateName,
    { html: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate }
  >();
  const sources = await Promise.all(TEMPLATE_NAMES.map((name) => readTemplateSources(name, templatesDir)));
  const htmls = await compileMjmlAll(sources.map((s) => ({ source: s.mjml, filePath: s.mjmlPath })));
  TEMPLATE_NAMES.forEach((name, i) => {
    compiled.set(name, {
      html: htmlHb.compile(withoutIndentation(htmls[i]!), { strict: true }),
      text: textHb.compile(sources[i]!.text, { strict: true, noEscape: true }),
    });
  });
  return {
    render(name, data) {
      const templates = compiled.get(name);
      if (!templates) throw new Error(`unknown email template: ${name}`);
      const safe = neutralise(data);
      const subject = subjectOf(name, safe);
      // The subject without the service's prefix is the heading of the body.
      const view = { ...viewOf(name, safe), subject, topic: subject.slice(SUBJECT_PREFIX.length) };
      return { subject, html: templates.html(view), text: templates.text(view) };
    },
  };
}
