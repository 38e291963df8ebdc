import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

  it("refuses a retention beyond a century, whose cutoff no date can hold", () => {
    expect(problemsWith({ TRANCHE_RETENTION_DAYS: "100000000" })).toMatch(/TRANCHE_RETENTION_DAYS : .*36500/);
    expect(loadConfig({ ...noFile, TRANCHE_RETENTION_DAYS: "3650" }, "/nonexistent").retentionDays).toBe(
      3650,
    );
  });

  it("refuses a misspelt TRANCHE_ variable, naming the setting likely meant, instead of keeping the default", () => {
    expect(problemsWith({ TRANCHE_RETENTION_DAY: "30", TRANCHE_SMTP_URI: "smtp://relay:25" })).toBe(
      "variable(s) d'environnement inconnue(s) : TRANCHE_RETENTION_DAY (TRANCHE_RETENTION_DAYS ?), TRANCHE_SMTP_URI (TRANCHE_SMTP_URL ?)",
    );
    expect(problemsWith({ TRANCHE_SOMETHING_ELSE: "1" })).toBe(
      "variable(s) d'environnement inconnue(s) : TRANCHE_SOMETHING_ELSE",
    );
    // Those read outside the settings, and other programs' variables, are fine.
    expect(
      loadConfig({ ...noFile, TRANCHE_OPERATOR: "marie", NODE_ENV: "production" }, "/nonexistent"),
    ).toBeTruthy();
  });
});

/** The problems loadConfig reports for these environment variables (no file), one per line. */
function problemsWith(env: Record<string, string>): string {
  try {
    loadConfig({ ...noFile, ...env }, "/nonexistent");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}

describe("configuration checked before anything starts", () => {
  it("rejects a rescan cron expression the scheduler cannot run, naming the setting", () => {
    for (const expression of ["61 * * * *", "every minute", "* * * *"]) {
      const message = problemsWith({ TRANCHE_RESCAN_CRON: expression });
      expect(message).toContain(`TRANCHE_RESCAN_CRON : expression cron invalide « ${expression} »`);
      expect(message).toContain("5 champs « minute heure jour-du-mois mois jour-de-la-semaine »");
    }
    expect(problemsWith({ TRANCHE_RESCAN_CRON: "61 * * * *" })).toContain("(minute)");
    for (const expression of ["*/5 * * * *", "0 3 * * 1-5", "*/30 * * * * *"]) {
      expect(loadConfig({ ...noFile, TRANCHE_RESCAN_CRON: expression }, "/nonexistent").rescanCron).toBe(
        expression,
      );
    }
  });

  it("checks the scheme of the IMAP and SMTP URLs without repeating them (they hold passwords)", () => {
    const contact = problemsWith({ TRANCHE_CONTACT_IMAP_URL: "smtp://contact:s3cret@mail.example.fr" });
    expect(contact).toContain("TRANCHE_CONTACT_IMAP_URL : schéma « smtp: » : imap:// ou imaps://… attendu");
    expect(contact).not.toContain("s3cret");
    expect(problemsWith({ TRANCHE_SUBMISSIONS_IMAP_URL: "calcul@example.fr" })).toContain(
      "TRANCHE_SUBMISSIONS_IMAP_URL : ",
    );
    expect(problemsWith({ TRANCHE_SMTP_URL: "http://127.0.0.1:1" })).toContain(
      "TRANCHE_SMTP_URL : schéma « http: » : smtp:// ou smtps://… attendu",
    );
    expect(problemsWith({ TRANCHE_SMTP_URL: "smtp://" })).toContain(
      "TRANCHE_SMTP_URL : nom du serveur absent",
    );
    const config = loadConfig(
      {
        ...noFile,
        TRANCHE_CONTACT_IMAP_URL: "imaps://contact%40example.fr:secret@imap.example.fr/INBOX",
        TRANCHE_SUBMISSIONS_IMAP_URL: "imap://calcul%40example.fr:secret@imap.example.fr:143/INBOX",
        TRANCHE_SMTP_URL: "smtps://no-reply%40example.fr:secret@smtp.example.fr",
      },
      "/nonexistent",
    );
    expect(config.smtpUrl).toBe("smtps://no-reply%40example.fr:secret@smtp.example.fr");
  });

  it("refuses at start a mail server URL naming a user without a password (an unset variable in a compose file), without repeating it", () => {
    // `smtp://daemon:${SMTP_PASSWORD}@relais…` with SMTP_PASSWORD unset: every reply was retried forever.
    const problems = problemsWith({
      TRANCHE_SMTP_URL: "smtp://no-reply%40editeur.fr:@relais.editeur.fr:587",
      TRANCHE_CONTACT_IMAP_URL: "imaps://contact%40editeur.fr@imap.editeur.fr/INBOX",
      TRANCHE_SUBMISSIONS_IMAP_URL: "imaps://:@imap.editeur.fr/Calcul",
      TRANCHE_RETENTION_DAYS: "quatre-vingt-dix",
    });
    expect(problems).toContain(
      "TRANCHE_SMTP_URL : utilisateur sans mot de passe (une variable vide ?) : smtp:// ou smtps://utilisateur:mot-de-passe@serveur… attendu",
    );
    expect(problems).toContain("ou aucun utilisateur pour un relais qui n'en demande pas");
    expect(problems).toContain(
      "TRANCHE_CONTACT_IMAP_URL : utilisateur sans mot de passe (une variable vide ?) : imap:// ou imaps://utilisateur:mot-de-passe@serveur… attendu",
    );
    expect(problems).toContain(
      "TRANCHE_SUBMISSIONS_IMAP_URL : utilisateur et mot de passe vides (des variables vides ?) : imap:// ou imaps://utilisateur:mot-de-passe@serveur… attendu",
    );
    // With the other problems, and never the URL itself.
    expect(problems).toContain("TRANCHE_RETENTION_DAYS");
    expect(problems).not.toMatch(/no-reply|contact%40|relais\.editeur|imap\.editeur/);
    expect(problemsWith({ TRANCHE_SMTP_URL: "smtps://no-reply@smtp.editeur.fr" })).toContain(
      "TRANCHE_SMTP_URL : utilisateur sans mot de passe",
    );
    expect(problemsWith({ TRANCHE_SMTP_URL: "smtp://:secret@smtp.editeur.fr:587" })).toContain(
      "TRANCHE_SMTP_URL : mot de passe sans utilisateur",
    );
    expect(problemsWith({ TRANCHE_CONTACT_IMAP_URL: "imaps://imap.editeur.fr/INBOX" })).toContain(
      "TRANCHE_CONTACT_IMAP_URL : utilisateur et mot de passe absents",
    );
    // A relay that takes mail without a login needs no user, hence no password.
    expect(
      loadConfig({ ...noFile, TRANCHE_SMTP_URL: "smtp://relais.editeur.fr:25" }, "/nonexistent").smtpUrl,
    ).toBe("smtp://relais.editeur.fr:25");
  });

  it("takes a SQLite file: or a PostgreSQL URL as DATABASE_URL, and nothing else", () => {
    expect(problemsWith({ DATABASE_URL: "mysql://tranche:s3cret@db/tranche" })).toMatch(
      /DATABASE_URL : schéma « mysql: » non pris en charge : « file:<chemin> ».* ou « postgresql:\/\//,
    );
    expect(problemsWith({ DATABASE_URL: "mysql://tranche:s3cret@db/tranche" })).not.toContain("s3cret");
    // Without a scheme it used to become a new SQLite file named after the value.
    expect(problemsWith({ DATABASE_URL: "garbage" })).toContain(
      "DATABASE_URL : ni un fichier SQLite ni une base PostgreSQL",
    );
    expect(problemsWith({ DATABASE_URL: "file:" })).toContain(
      "DATABASE_URL : chemin du fichier SQLite absent",
    );
    const urlOf = (url: string) => loadConfig({ ...noFile, DATABASE_URL: url }, "/nonexistent").databaseUrl;
    expect(urlOf("postgresql://tranche:secret@db:5432/tranche")).toBe(
      "postgresql://tranche:secret@db:5432/tranche",
    );
    expect(urlOf("postgres://tranche@db/tranche")).toBe("postgres://tranche@db/tranche");
    const dir = mkdtempSync(join(tmpdir(), "tranche-config-"));
    try {
      expect(urlOf(`file:${dir}/t.db`)).toBe(`file:${dir}/t.db`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads yes/no settings in any case, and lists the accepted values otherwise", () => {
    const autoApprove = (value: string) =>
      loadConfig({ ...noFile, TRANCHE_ACCESS_AUTO_APPROVE: value }, "/nonexistent").accessAutoApprove;
    for (const value of ["FALSE", "false", "off", "Non", "no", "0"])
      expect(autoApprove(value), value).toBe(false);
    for (const value of ["TRUE", "On", "oui", "yes", "1"]) expect(autoApprove(value), value).toBe(true);
    const message = problemsWith({ TRANCHE_ACCESS_AUTO_APPROVE: "peut-être" });
    expect(message).toContain("TRANCHE_ACCESS_AUTO_APPROVE : « peut-être » n'est pas un booléen");
    expect(message).toContain(
      "« true », « 1 », « yes », « on », « oui » ou « false », « 0 », « no », « off », « non »",
    );
    expect(message).not.toContain("Invalid input");
  });

  it("names the accepted values of every fixed-choice setting, read in any case", () => {
    expect(problemsWith({ TRANCHE_AUTH_MODE: "none" })).toContain(
      "TRANCHE_AUTH_MODE : « none » : une valeur parmi « authentication-results », « verify », « trust-from » attendue",
    );
    expect(problemsWith({ TRANCHE_LOG_LEVEL: "loud" })).toContain(
      "TRANCHE_LOG_LEVEL : « loud » : une valeur parmi « fatal », « error », « warn », « info », « debug », « trace », « silent » attendue",
    );
    const config = loadConfig(
      { ...noFile, TRANCHE_AUTH_MODE: "Verify", TRANCHE_LOG_LEVEL: "WARN" },
      "/nonexistent",
    );
    expect(config).toMatchObject({ authMode: "verify", logLevel: "warn" });
  });

  it("says what is wrong in French, naming a file's key by its file", () => {
    expect(problemsWith({ TRANCHE_NUCLEAR_COEFFICIENT: "cinq" })).toMatch(
      /^configuration invalide :\n {2}TRANCHE_NUCLEAR_COEFFICIENT : Entrée invalide : nombre attendu/,
    );
    const dir = mkdtempSync(join(tmpdir(), "tranche-config-"));
    try {
      const file = join(dir, "tranche.json");
      writeFileSync(file, JSON.stringify({ rescanCron: "61 * * * *", accessAutoApprove: "peut-être" }));
      const message = (() => {
        try {
          loadConfig({ TRANCHE_CONFIG: file }, dir);
        } catch (error) {
          return (error as Error).message;
        }
        return "accepted";
      })();
      expect(message).toContain(`rescanCron (${file}) : expression cron invalide`);
      expect(message).toContain(`accessAutoApprove (${file}) : « peut-être » n'est pas un booléen`);
      // In the file, an empty expression turns the rescan off.
      writeFileSync(file, JSON.stringify({ rescanCron: "" }));
      expect(loadConfig({ TRANCHE_CONFIG: file }, dir).rescanCron).toBe("");
      writeFileSync(file, "{ not json");
      expect(() => loadConfig({ TRANCHE_CONFIG: file }, dir)).toThrow(/JSON invalide/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => loadConfig({ TRANCHE_CONFIG: "/nonexistent.json" })).toThrow(/fichier introuvable/);
  });

  it("takes TRANCHE_CONFIG set but empty for unset, and resolves the database in the given directory without creating it", () => {
    const dir = mkdtempSync(join(tmpdir(), "tranche-config-"));
    try {
      // An empty value once read the directory itself as JSON (« JSON invalide (EISDIR) »).
      const config = loadConfig({ TRANCHE_CONFIG: "" }, dir);
      expect(config.databaseUrl).toBe(`file:${join(dir, "var", "tranche.db")}`);
      expect(loadConfig({ TRANCHE_CONFIG: " ", DATABASE_URL: "file:data/t.db" }, dir).databaseUrl).toBe(
        `file:${join(dir, "data", "t.db")}`,
      );
      // Loading the configuration changes nothing on disk: the folder is made when the database opens.
      expect(readdirSync(dir)).toEqual([]);
      writeFileSync(join(dir, "config.json"), JSON.stringify({ nuclearCoefficient: 6 }));
      mkdirSync(join(dir, "config"));
      writeFileSync(join(dir, "config", "tranche.json"), JSON.stringify({ nuclearCoefficient: 4 }));
      expect(loadConfig({ TRANCHE_CONFIG: "" }, dir).nuclearCoefficient).toBe(4);
      expect(loadConfig({ TRANCHE_CONFIG: "config.json" }, dir).nuclearCoefficient).toBe(6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses both mailboxes on one account and folder, and a password with a bare « % »", () => {
    const same = problemsWith({
      TRANCHE_CONTACT_IMAP_URL: "imaps://contact%40editeur.fr:secret@imap.editeur.fr/INBOX",
      TRANCHE_SUBMISSIONS_IMAP_URL: "imaps://Contact%40Editeur.fr:autre@IMAP.editeur.fr:993/inbox",
    });
    expect(same).toContain(
      "TRANCHE_SUBMISSIONS_IMAP_URL : même compte et même dossier que TRANCHE_CONTACT_IMAP_URL",
    );
    expect(same).not.toContain("secret");
    // The same account, another folder, is two mailboxes.
    expect(
      loadConfig(
        {
          ...noFile,
          TRANCHE_CONTACT_IMAP_URL: "imaps://tranche:secret@imap.editeur.fr/Contact",
          TRANCHE_SUBMISSIONS_IMAP_URL: "imaps://tranche:secret@imap.editeur.fr/Calcul",
        },
        "/nonexistent",
      ).submissionsImapUrl,
    ).toBe("imaps://tranche:secret@imap.editeur.fr/Calcul");
    const percent = problemsWith({ TRANCHE_SMTP_URL: "smtp://tranche:50%off@smtp.editeur.fr:587" });
    expect(percent).toContain("TRANCHE_SMTP_URL : « % » non suivi de deux chiffres hexadécimaux");
    expect(percent).not.toContain("50%off");
  });

  it("names TRANCHE_TLS_CA_FILE when the file cannot be read, with the other problems, before anything starts", () => {
    const problems = problemsWith({
      TRANCHE_TLS_CA_FILE: "/nonexistent/ca.pem",
      TRANCHE_NUCLEAR_COEFFICIENT: "cinq",
    });
    expect(problems).toContain(
      "TRANCHE_TLS_CA_FILE : /nonexistent/ca.pem illisible (ENOENT) : un fichier PEM de certificat(s) lisible attendu",
    );
    expect(problems).toContain("TRANCHE_NUCLEAR_COEFFICIENT");
    // A relative path is the current directory's, as for the SQLite file.
    const dir = mkdtempSync(join(tmpdir(), "tranche-ca-"));
    try {
      writeFileSync(join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n");
      expect(loadConfig({ ...noFile, TRANCHE_TLS_CA_FILE: "ca.pem" }, dir).tlsCaFile).toBe(
        join(dir, "ca.pem"),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lists both mailboxes on one account among every other problem, an invalid yes/no or choice included", () => {
    const problems = problemsWith({
      TRANCHE_CONTACT_IMAP_URL: "imaps://contact%40editeur.fr:secret@imap.editeur.fr/INBOX",
      TRANCHE_SUBMISSIONS_IMAP_URL: "imaps://contact%40editeur.fr:secret@imap.editeur.fr/INBOX",
      TRANCHE_ALLOW_CLEAR_TEXT: "peut-être",
      TRANCHE_AUTH_MODE: "dkim",
    });
    expect(problems).toContain("TRANCHE_ALLOW_CLEAR_TEXT : « peut-être » n'est pas un booléen");
    expect(problems).toContain("TRANCHE_AUTH_MODE : « dkim » : une valeur parmi");
    expect(problems).toContain(
      "TRANCHE_SUBMISSIONS_IMAP_URL : même compte et même dossier que TRANCHE_CONTACT_IMAP_URL",
    );
  });
});
