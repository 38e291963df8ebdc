import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { simpleParser } from "mailparser";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { registerPreviewCommand } from "../../src/cli/preview.ts";
import { SAMPLE_DATA } from "../../src/render/samples.ts";
import { TEMPLATE_NAMES } from "../../src/render/templates.ts";

const root = mkdtempSync(join(tmpdir(), "tranche-preview-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
// An empty configuration file: defaults and the environment below, whatever config/tranche.json says.
const configFile = join(root, "tranche.json");
writeFileSync(configFile, "{}");

/** Runs `tranche preview …` in-process; returns what it wrote to stderr and its exit code. */
async function preview(...args: string[]): Promise<{ stderr: string; exitCode: number }> {
  const program = new Command("tranche").exitOverride();
  registerPreviewCommand(program);
  let stderr = "";
  const write = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await program.parseAsync(["node", "tranche", "preview", ...args]);
    return { stderr, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    write.mockRestore();
    log.mockRestore();
    process.exitCode = undefined;
  }
}

beforeEach(() => {
  vi.stubEnv("TRANCHE_CONFIG", configFile);
  vi.stubEnv("TRANCHE_CONTACT_ADDRESS", "support@tranche.sante.test");
  vi.stubEnv("TRANCHE_NOREPLY_ADDRESS", "no-reply@tranche.sante.test");
  vi.stubEnv("TRANCHE_SUBMISSION_ADDRESS", "calcul@tranche.sante.test");
});
afterEach(() => vi.unstubAllEnvs());

describe("tranche preview", () => {
  it.each(TEMPLATE_NAMES)(
    "writes %s as HTML, plain text and a complete message, from sample data",
    async (name) => {
      const out = join(root, "samples");
      expect(await preview(name, "--out", out)).toEqual({ stderr: "", exitCode: 0 });
      const html = readFileSync(join(out, `${name}.html`), "utf8");
      const text = readFileSync(join(out, `${name}.txt`), "utf8");
      expect(html).toMatch(/^<!doctype html>/i);
      expect(text).toContain("Bonjour,");
      // The installation's own mailboxes, not the sample's.
      expect(text).toContain("support@tranche.sante.test");
      expect(text).not.toContain("contact@example.test");
      const mail = await simpleParser(readFileSync(join(out, `${name}.eml`)));
      expect(mail.from?.text).toBe("no-reply@tranche.sante.test");
      expect(mail.replyTo?.text).toBe("support@tranche.sante.test");
      expect(mail.headers.get("auto-submitted")).toBe("auto-replied");
      expect(mail.inReplyTo).toBe("<demande-2026-114@medimagerie-solutions.fr>");
      expect(mail.messageId).toMatch(/@tranche\.sante\.test>$/);
      expect(mail.text?.trim()).toBe(text.trim());
    },
  );

  it("renders the data of a JSON file", async () => {
    const file = join(root, "ticket.json");
    writeFileSync(
      file,
      JSON.stringify({ ...SAMPLE_DATA["ticket-ack"], ticketNumber: "T-001234", category: "question" }),
    );
    const out = join(root, "from-file");
    expect(await preview("ticket-ack", "--data", file, "--out", out)).toEqual({ stderr: "", exitCode: 0 });
    expect(readdirSync(out).sort()).toEqual(["ticket-ack.eml", "ticket-ack.html", "ticket-ack.txt"]);
    const text = readFileSync(join(out, "ticket-ack.txt"), "utf8");
    expect(text).toContain("Numéro de la demande : T-001234\nNature de la demande : question\n");
    const mail = await simpleParser(readFileSync(join(out, "ticket-ack.eml")));
    expect(mail.subject).toBe("Ségur Numérique - Imagerie - Votre demande [T-001234] a bien été reçue");
  });

  it("lists every problem of a JSON file that does not fit the template, and writes nothing", async () => {
    const file = join(root, "bad.json");
    const { ticketNumber: _, ...withoutNumber } = SAMPLE_DATA["ticket-ack"];
    writeFileSync(file, JSON.stringify({ ...withoutNumber, category: "urgent", sender: "pas une adresse" }));
    const out = join(root, "bad");
    const { stderr, exitCode } = await preview("ticket-ack", "--data", file, "--out", out);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(`--data ${file} : données invalides pour le modèle « ticket-ack » :`);
    expect(stderr).toContain("  - ticketNumber : Entrée invalide");
    expect(stderr).toContain("  - category : Option invalide");
    expect(stderr).toContain("  - sender : adresse e-mail invalide");
    expect(() => readdirSync(out)).toThrow();
  });

  it("says which JSON file cannot be read", async () => {
    const file = join(root, "broken.json");
    writeFileSync(file, "{ pas du JSON");
    const { stderr, exitCode } = await preview("help", "--data", file, "--out", join(root, "broken"));
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^tranche : --data .*broken\.json : fichier JSON illisible/);
  });

  it("says in one line that --out cannot be written, without a stack trace", async () => {
    const file = join(root, "a-file");
    writeFileSync(file, "");
    const { stderr, exitCode } = await preview("help", "--out", file);
    expect(exitCode).toBe(2);
    expect(stderr).toBe(`tranche : --out ${file} : impossible d'y écrire (EEXIST) ; un dossier attendu\n`);
  });

  it("names the templates when given an unknown one", async () => {
    const { stderr, exitCode } = await preview("resultat", "--out", join(root, "unknown"));
    expect(exitCode).toBe(2);
    expect(stderr).toBe(
      `tranche : modèle « resultat » inconnu ; modèles disponibles : ${TEMPLATE_NAMES.join(", ")}\n`,
    );
  });

  it("is a command of the tranche program", () => {
    const out = join(root, "binary");
    const run = spawnSync(process.execPath, ["bin/tranche.js", "preview", "result", "--out", out], {
      encoding: "utf8",
      env: { ...process.env, TRANCHE_CONFIG: configFile },
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual(
      ["result.html", "result.txt", "result.eml"].map((f) => join(out, f)),
    );
  });
});
