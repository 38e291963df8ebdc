import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import type { Config } from "../config/schema.ts";
import { composeMessage } from "../render/compose.ts";
import { parseTemplateData } from "../render/data-schemas.ts";
import { createRenderer } from "../render/renderer.ts";
import { recipientOf, SAMPLE_DATA } from "../render/samples.ts";
import { isTemplateName, TEMPLATE_NAMES, type TemplateData, type TemplateName } from "../render/templates.ts";
import { UsageError, withConfig } from "./context.ts";

/** The request a preview pretends to answer, so that the .eml shows the threading headers. */
const SAMPLE_THREAD = {
  messageId: "<demande-2026-114@medimagerie-solutions.fr>",
  references: ["<premier-echange@medimagerie-solutions.fr>"],
};

async function readData<N extends TemplateName>(name: N, file: string): Promise<TemplateData[N]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(`--data ${file} : fichier JSON illisible (${(error as Error).message})`);
  }
  const parsed = parseTemplateData(name, json);
  if (!parsed.ok) {
    throw new UsageError(
      `--data ${file} : données invalides pour le modèle « ${name} » :\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  return parsed.data;
}

/** Writes `<name>.html`, `<name>.txt` and `<name>.eml` into `out`; returns the paths written. */
export async function writePreview(
  name: TemplateName,
  options: { data?: string; out: string },
  config: Pick<Config, "contactAddress" | "noreplyAddress" | "submissionAddress">,
): Promise<string[]> {
  const data: TemplateData[TemplateName] = options.data
    ? await readData(name, options.data)
    : withConfiguredAddresses(SAMPLE_DATA[name], config);
  const renderer = await createRenderer();
  const email = renderer.render(name, data as never);
  const message = await composeMessage({
    email,
    from: config.noreplyAddress,
    to: recipientOf(data),
    replyTo: config.contactAddress,
    inReplyTo: SAMPLE_THREAD,
  });
  const files: [string, string | Buffer][] = [
    [`${name}.html`, email.html],
    [`${name}.txt`, email.text],
    [`${name}.eml`, message.raw],
  ];
  const written: string[] = [];
  try {
    await mkdir(options.out, { recursive: true });
    for (const [file, content] of files) {
      const path = resolve(join(options.out, file));
      await writeFile(path, content);
      written.push(path);
    }
  } catch (error) {
    // A file where the folder should be, no right to write: the operator's to mend, in one line.
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`--out ${options.out} : impossible d'y écrire (${code}) ; un dossier attendu`);
  }
  return written;
}

/** Sample data names the configured mailboxes, so that a preview shows what this installation sends. */
function withConfiguredAddresses<T extends object>(
  data: T,
  config: Pick<Config, "contactAddress" | "submissionAddress">,
): T {
  return {
    ...data,
    contactAddress: config.contactAddress,
    ...("submissionAddress" in data ? { submissionAddress: config.submissionAddress } : {}),
  };
}

export function registerPreviewCommand(program: Command): void {
  program
    .command("preview <template>")
    .description(`écrit un email en HTML, texte et .eml (modèles : ${TEMPLATE_NAMES.join(", ")})`)
    .option("--data <file.json>", "données du modèle (JSON) ; par défaut, un exemple réaliste")
    .requiredOption("--out <dir>", "dossier où écrire <modèle>.html, .txt et .eml")
    .action((template: string, options: { data?: string; out: string }) =>
      withConfig(async (config) => {
        if (!isTemplateName(template)) {
          throw new UsageError(
            `modèle « ${template} » inconnu ; modèles disponibles : ${TEMPLATE_NAMES.join(", ")}`,
          );
        }
        for (const path of await writePreview(template, options, config)) console.log(path);
      }),
    );
}
