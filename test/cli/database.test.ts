import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runTranche } from "../helpers/cli.ts";

describe("a database that cannot be opened", () => {
  it("is named in one line, without the password, for PostgreSQL down and for a SQLite path that cannot exist", () => {
    // Port 1: nothing listens there.
    const down = runTranche(["status"], { DATABASE_URL: "postgresql://tranche:s3cr3t@127.0.0.1:1/tranche" });
    expect(down.status).toBe(1);
    expect(down.stderr.trim()).toBe(
      "tranche : impossible d'ouvrir la base de données (PostgreSQL 127.0.0.1:1/tranche) : Can't reach database server at 127.0.0.1:1 — vérifiez DATABASE_URL et que le serveur est démarré",
    );
    const dir = mkdtempSync(join(tmpdir(), "tranche-db-path-"));
    try {
      writeFileSync(join(dir, "var"), "un fichier, pas un dossier");
      const blocked = runTranche(["status"], { DATABASE_URL: `file:${join(dir, "var", "tranche.db")}` });
      expect(blocked.status).toBe(1);
      expect(blocked.stderr).toMatch(
        /^tranche : impossible d'ouvrir la base de données \(le fichier SQLite .*\/var\/tranche\.db\) : (?:EEXIST|ENOTDIR)[^\n]* — vérifiez DATABASE_URL et les droits sur son dossier\n$/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(down.stderr).not.toContain("s3cr3t");
  });
});
