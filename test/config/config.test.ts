import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.ts";
import { settings } from "../../src/config/schema.ts";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const noFile = { TRANCHE_CONFIG: "" };

describe("configuration", () => {
  it("documents every setting in README.md, with its environment variable", () => {
    for (const [key, { env }] of Object.entries(settings)) {
      expect(readme, key).toMatch(new RegExp(`\\| \`${key}\` \\| \`${env}\` \\|`));
    }
  });

  it("works with no file and no environment: the embedded defaults", () => {
    const config = loadConfig(noFile, "/nonexistent");
    expect(config.databaseUrl).toMatch(/^file:\/.*\/var\/tranche\.db$/);
    expect(config.nuclearCoefficient).toBe(5);
    expect(config.authMode).toBe("authentication-results");
  });

  it("lets the environment win over the file", () => {
    const config = loadConfig({
      TRANCHE_NUCLEAR_COEFFICIENT: "7",
      TRANCHE_CONTACT_ADDRESS: " Contact@Editeur.FR ",
    });
    expect(config.nuclearCoefficient).toBe(7);
    expect(config.contactAddress).toBe("contact@editeur.fr");
  });

  it("lists every invalid setting by the name the operator used", () => {
    expect(() =>
      loadConfig(
        { ...noFile, TRANCHE_NUCLEAR_COEFFICIENT: "cinq", TRANCHE_AUTH_MODE: "none" },
        "/nonexistent",
      ),
    ).toThrow(
      /TRANCHE_NUCLEAR_COEFFICIENT[\s\S]*TRANCHE_AUTH_MODE|TRANCHE_AUTH_MODE[\s\S]*TRANCHE_NUCLEAR_COEFFICIENT/,
    );
    expect(() => loadConfig({ TRANCHE_CONFIG: "/nonexistent.json" })).toThrow(ConfigError);
  });
});
