import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runTranche } from "../helpers/cli.ts";

describe("tranche reference import --rejects", () => {
  let dir: string;
  let env: Record<string, string>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tranche-cli-reference-"));
    env = { DATABASE_URL: `file:${join(dir, "t.db")}` };
    const data = join(dir, "data");
    mkdirSync(data);
    writeFileSync(
      join(data, "finess.csv"),
      "finess;raison_sociale;examens_radiologie;examens_medecine_nucleaire\n720169069;A;10;0\n12345;B;1;1\n",
    );
    writeFileSync(join(data, "am.csv"), "numero_am;activite;actes\n751234567;radiologie;10\n");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes every rejected row to the file named", () => {
    const rejects = join(dir, "rejets.txt");
    const run = runTranche(["reference", "import", join(dir, "data"), "--rejects", rejects], env);
    expect(run.status).toBe(0);
    expect(readFileSync(rejects, "utf8")).toBe(
      "finess.csv:3: FINESS « 12345 » : 9 lettres ou chiffres attendus\n",
    );
  });

  it("says in one line when the file cannot be written, and imports nothing", () => {
    const rejects = join(dir, "absent", "rejets.txt");
    const run = runTranche(["reference", "import", join(dir, "data"), "--rejects", rejects], env);
    expect(run.stderr).toBe(`tranche : --rejects ${rejects} : impossible d'écrire ce fichier (ENOENT)\n`);
    expect(run.status).toBe(2);
    expect(runTranche(["reference", "list"], env).stdout).toContain("Aucune version importée");
  });
});
