import { readFileSync } from "node:fs";
import { simpleParser } from "mailparser";
import { beforeAll, describe, expect, it } from "vitest";
import { computeTranche } from "../../src/engine/compute.ts";
import { memoryLookup } from "../../src/engine/memory-lookup.ts";
import type { CalculationResult } from "../../src/engine/types.ts";
import { composeMessage } from "../../src/render/compose.ts";
import { createRenderer, type Renderer } from "../../src/render/renderer.ts";
import type { ResultContext } from "../../src/render/result-view.ts";
import { RESULT_SUBJECT } from "../../src/render/templates.ts";

const result: CalculationResult = {
  activity: "mixte",
  tranche: "D",
  total: 62_000,
  radiologyExams: 52_000,
  nuclearExams: 2_000,
  nuclearCoefficient: 5,
  valid: {
    amRadio: ["751234567"],
    finessRadio: ["920000650", "750712184"],
    amMn: [],
    finessMn: ["920000650"],
  },
  invalid: {
    amRadio: [{ value: "12345", reason: "format" }],
    finessRadio: [{ value: "920000668", reason: "unknown" }],
    amMn: [{ value: "921234567", reason: "no-activity" }],
    finessMn: [],
  },
};

const context: ResultContext = {
  publicId: "TR-2026-000123",
  reference: "CH de XXX",
  requester: "jean.dupont@editeur.fr",
  dataset: { id: 3, label: "SAE 2023 et activité 2024" },
  activityInferred: false,
  contactAddress: "contact@example.test",
};

const noTranche: CalculationResult = {
  ...result,
  tranche: null,
  total: 0,
  radiologyExams: 0,
  nuclearExams: 0,
  valid: { amRadio: [], finessRadio: [], amMn: [], finessMn: [] },
};

const ROW_LABELS = [
  "No AM radiologie",
  "No FINESS radiologie",
  "No AM médecine nucléaire",
  "No FINESS médecine nucléaire",
];

/** The [kind, label, value] of every row of the two result tables, in document order. */
function tableRows(html: string): [string, string, string][] {
  const row = /<tr data-row="(valid|invalid)"><th[^>]*>([^<]*)<\/th><td[^>]*>([^<]*)<\/td><\/tr>/g;
  return [...html.matchAll(row)].map((m) => [m[1]!, m[2]!, m[3]!]);
}

let renderer: Renderer;
beforeAll(async () => {
  renderer = await createRenderer();
});

describe("the result email", () => {
  it("has the documented subject", () => {
    expect(renderer.render("result", { ...context, result: result }).subject).toBe(
      "Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations",
    );
  });

  it("follows the documented layout in plain text, line by line", () => {
    const expected = readFileSync(new URL("golden/result.txt", import.meta.url), "utf8").split("\n");
    const actual = renderer.render("result", { ...context, result: result }).text.split("\n");
    for (const [i, line] of expected.entries()) expect(`${i + 1}: ${actual[i]}`).toBe(`${i + 1}: ${line}`);
    expect(actual.length).toBe(expected.length);
  });

  it("shows the two four-row tables in the documented order in HTML", () => {
    const { html } = renderer.render("result", { ...context, result: result });
    expect(tableRows(html)).toEqual([
      ["valid", ROW_LABELS[0], "751234567"],
      ["valid", ROW_LABELS[1], "920000650; 750712184"],
      ["valid", ROW_LABELS[2], ""],
      ["valid", ROW_LABELS[3], "920000650"],
      ["invalid", ROW_LABELS[0], "12345"],
      ["invalid", ROW_LABELS[1], "920000668"],
      ["invalid", ROW_LABELS[2], "921234567"],
      ["invalid", ROW_LABELS[3], ""],
    ]);
  });

  it("states the documented sentences in HTML, in order", () => {
    const { html } = renderer.render("result", { ...context, result: result });
    const sentences = [
      "Bonjour,",
      "Vous recevez ce mail suite à votre utilisation du service de calcul de tranche de financement SONS Imagerie vague2.",
      "Suite à votre demande pour :",
      "La référence : <strong>CH de XXX</strong>",
      "jean.dupont@editeur.fr",
      "Données valides :",
      "Données invalides, non prises en compte dans le calcul :",
      "La tranche de financement calculée est = <strong>D</strong>",
      "Tout différend sur ce calcul devra être traité en amont de la génération du devis client par email à :",
      "Bonne réception.",
      "TR-2026-000123",
      "SAE 2023 et activité 2024 (version 3)",
    ];
    const positions = sentences.map((s) => html.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it("escapes a reference holding markup in HTML and keeps it on one line in text", () => {
    const hostile = 'CH <script>alert("x")</script>\r\nLa tranche de financement calculée est = A';
    const { html, text } = renderer.render("result", { ...context, reference: hostile, result: result });
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(text).toContain(
      'La référence : CH <script>alert("x")</script> La tranche de financement calculée est = A\n',
    );
    expect(text.match(/^La tranche de financement calculée est = .*$/gm)).toEqual([
      "La tranche de financement calculée est = D",
    ]);
  });

  it("says plainly that no tranche applies when the total is 0, and why", () => {
    const { html, text } = renderer.render("result", { ...context, result: noTranche });
    expect(text).toContain(
      "La tranche de financement calculée est = aucune\n" +
        "Aucune tranche de financement ne s'applique : aucun des numéros saisis n'a pu être pris en compte (voir les motifs dans les détails du calcul), le total d'examens annuels de référence est donc de 0.\n",
    );
    expect(html).toContain("La tranche de financement calculée est = <strong>aucune</strong>");
    expect(html).toContain("Aucune tranche de financement ne s&#x27;applique");
  });

  it("says that no number was given when the request held none", () => {
    const empty: CalculationResult = {
      ...noTranche,
      invalid: { amRadio: [], finessRadio: [], amMn: [], finessMn: [] },
    };
    const { text } = renderer.render("result", { ...context, result: empty });
    expect(text).toContain("aucun numéro FINESS ou AM n'a été saisi");
    expect(text).not.toContain("Motifs des données invalides");
  });

  it("explains fields that do not apply to the activity type, and an inferred activity", () => {
    const radiology: CalculationResult = {
      ...result,
      activity: "radiologie",
      invalid: { ...result.invalid, finessMn: [{ value: "920000650", reason: "not-applicable" }] },
    };
    const { text } = renderer.render("result", { ...context, activityInferred: true, result: radiology });
    expect(text).toContain(
      "- 920000650 (No FINESS médecine nucléaire) : champ non pris en compte pour le type d'activité « Radiologie »",
    );
    expect(text).toContain("Type d'activité : Radiologie (déduit des numéros saisis");
  });
});

describe("known numbers of the request read into no field", () => {
  const stray = { ...context, strayNumbers: ["620100057"] };

  it("are named after the documented layout in plain text, which is otherwise unchanged", () => {
    const golden = readFileSync(new URL("golden/result.txt", import.meta.url), "utf8");
    const expected = readFileSync(new URL("golden/result-stray-numbers.txt", import.meta.url), "utf8");
    const actual = renderer.render("result", { ...stray, result }).text;
    expect(actual).toBe(expected);
    // The golden result with one paragraph added after the reasons, before the footer.
    expect(expected.replace(/^Numéro présent dans votre message .*\n\n(?=--\n)/m, "")).toBe(golden);
  });

  it("are named in HTML too, after the details of the calculation", () => {
    const { html } = renderer.render("result", { ...stray, result });
    const note = /<p[^>]*data-note="stray-numbers"[^>]*>([^<]*)<\/p>/.exec(html);
    expect(note?.[1]).toBe(
      "Numéro présent dans votre message mais lu dans aucun champ, non pris en compte dans le calcul : 620100057. S&#x27;il fait partie de la commande, renvoyez la demande complète en le plaçant sous le libellé du champ concerné (par exemple « FINESS radiologie : ») : les tranches de deux calculs ne s&#x27;additionnent pas.",
    );
    expect(html.indexOf("data-note")).toBeGreaterThan(html.indexOf("Motifs des données invalides"));
    expect(tableRows(html)).toEqual(tableRows(renderer.render("result", { ...context, result }).html));
  });

  it("are worded in the plural for several, joined as the layout joins values", () => {
    const { text } = renderer.render("result", {
      ...context,
      strayNumbers: ["620100057", "2A0000012"],
      result,
    });
    expect(text).toContain(
      "Numéros présents dans votre message mais lus dans aucun champ, non pris en compte dans le calcul : 620100057; 2A0000012. S'ils font partie de la commande, renvoyez la demande complète en les plaçant",
    );
  });

  it("are escaped like every value the sender supplied", () => {
    const { html } = renderer.render("result", {
      ...context,
      strayNumbers: ['<b onclick="x">1</b>'],
      result,
    });
    expect(html).not.toContain("<b onclick");
    expect(html).toContain("&lt;b onclick&#x3D;&quot;x&quot;&gt;1&lt;/b&gt;");
  });

  it("leave both parts as they were when there are none", () => {
    const before = renderer.render("result", { ...context, result });
    const none = renderer.render("result", { ...context, strayNumbers: [], result });
    expect(none.text).toBe(before.text);
    expect(none.html).toBe(before.html);
    expect(before.text).not.toContain("lu dans aucun champ");
    expect(before.html).not.toContain("stray-numbers");
  });
});

describe("hidden columns of an attached workbook that were counted", () => {
  it("are named after the documented layout in both parts, which are otherwise unchanged", () => {
    const golden = readFileSync(new URL("golden/result.txt", import.meta.url), "utf8");
    const hidden = {
      ...context,
      hiddenColumns: [
        { filename: "Commande.xlsx", sheet: "Médecins", columns: ["F (N° AM ancien cabinet)"] },
      ],
    };
    const { text, html } = renderer.render("result", { ...hidden, result });
    const note =
      "Colonne masquée dans le tableau joint, lue et prise en compte dans le calcul : colonne « F (N° AM ancien cabinet) » du tableau « Commande.xlsx » (feuille « Médecins »). Si ses numéros ne font pas partie de la commande, supprimez-la du tableau et renvoyez la demande (un masquage ne la retire pas du fichier).";
    expect(text.replace(`${note}\n\n`, "")).toBe(golden);
    expect(/<p[^>]*data-note="hidden-columns"[^>]*>([^<]*)<\/p>/.exec(html)?.[1]).toContain(
      "colonne « F (N° AM ancien cabinet) » du tableau « Commande.xlsx »",
    );
    expect(tableRows(html)).toEqual(tableRows(renderer.render("result", { ...context, result }).html));
  });

  it("are listed together, in the plural, over several sheets", () => {
    const { text } = renderer.render("result", {
      ...context,
      hiddenColumns: [
        { filename: "Commande.xlsx", sheet: "Établissements", columns: ["B (FINESS)"] },
        { filename: "Commande.xlsx", sheet: "Médecins", columns: ["D (N° AM)", "E (N° AM 2)"] },
      ],
      result,
    });
    expect(text).toContain(
      "Colonnes masquées dans le tableau joint, lues et prises en compte dans le calcul : colonne « B (FINESS) » du tableau « Commande.xlsx » (feuille « Établissements ») et colonnes « D (N° AM) », « E (N° AM 2) » du tableau « Commande.xlsx » (feuille « Médecins »). Si leurs numéros",
    );
  });
});

describe("hidden rows of an attached workbook that were counted", () => {
  const hidden = {
    ...context,
    hiddenRows: [{ filename: "Commande Bourges.xlsx", sheet: "Commande", rows: [3, 5] }],
  };

  it("are named after the documented layout, which is otherwise unchanged", () => {
    const golden = readFileSync(new URL("golden/result.txt", import.meta.url), "utf8");
    const { text } = renderer.render("result", { ...hidden, result });
    const note =
      "Lignes masquées dans le tableau joint, lues et prises en compte dans le calcul : lignes 3, 5 du tableau « Commande Bourges.xlsx » (feuille « Commande »). Si elles ne font pas partie de la commande, supprimez-les du tableau et renvoyez la demande (un filtre ou un masquage ne les retire pas du fichier).";
    expect(text).toContain(`\n\n${note}\n\n--`);
    expect(text.replace(`${note}\n\n`, "")).toBe(golden);
  });

  it("are named in HTML too, after the details of the calculation, in the singular for one row", () => {
    const one = { ...context, hiddenRows: [{ filename: "bon.xlsx", sheet: null, rows: [7] }] };
    const { html, text } = renderer.render("result", { ...one, result });
    const note = /<p[^>]*data-note="hidden-rows"[^>]*>([^<]*)<\/p>/.exec(html);
    expect(note?.[1]).toBe(
      "Ligne masquée dans le tableau joint, lue et prise en compte dans le calcul : ligne 7 du tableau « bon.xlsx ». Si elle ne fait pas partie de la commande, supprimez-la du tableau et renvoyez la demande (un filtre ou un masquage ne les retire pas du fichier).",
    );
    expect(html.indexOf("data-note")).toBeGreaterThan(html.indexOf("Données de référence utilisées"));
    expect(text).toContain("ligne 7 du tableau « bon.xlsx ».");
    expect(tableRows(html)).toEqual(tableRows(renderer.render("result", { ...context, result }).html));
  });

  it("stay one readable sentence when a filter hides hundreds of rows: runs as spans, then « … »", () => {
    // Every row was listed: 600 numbers in one paragraph of the result email.
    const filtered = [2, 3, 4, 5, 9, 11, 12, ...Array.from({ length: 600 }, (_, n) => 20 + 2 * n)];
    const { text } = renderer.render("result", {
      ...context,
      hiddenRows: [{ filename: "Commande Artois.xlsx", sheet: "Commande", rows: filtered }],
      result,
    });
    expect(text).toContain(
      "lignes 2 à 5, 9, 11, 12, 20, 22, 24, 26, 28, 30, … (607 lignes en tout) du tableau « Commande Artois.xlsx » (feuille « Commande »).",
    );
    expect(text).not.toContain("1216, 1218");
  });

  it("are escaped like every name the sender supplied", () => {
    const { html } = renderer.render("result", {
      ...context,
      hiddenRows: [{ filename: '<img src=x onerror="y">.xlsx', sheet: "<b>", rows: [2] }],
      result,
    });
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;img src&#x3D;x onerror&#x3D;&quot;y&quot;&gt;.xlsx");
  });
});

describe("the reason for a known number without activity of the field's kind", () => {
  // The engine gives one reason for "no acts / no exams" and "doctor of the other activity".
  const lookup = memoryLookup(
    new Map([
      ["920000650", { radiology: 0, nuclear: 1_800 }],
      ["750712184", { radiology: 12_000, nuclear: 0 }],
    ]),
    new Map([
      ["751234567", { activity: "radiologie", acts: 0 }],
      ["921234567", { activity: "medecine_nucleaire", acts: 0 }],
      ["331234567", { activity: "radiologie", acts: 500 }],
      ["691234567", { activity: "medecine_nucleaire", acts: 300 }],
    ]),
  );
  const computed = computeTranche(
    {
      activity: "mixte",
      amRadio: ["751234567", "691234567"],
      finessRadio: ["920000650"],
      amMn: ["921234567", "331234567"],
      finessMn: ["750712184", "920000650"],
    },
    lookup,
    { nuclearCoefficient: 5 },
  );
  const radioDoctor =
    "aucune activité de radiologie pour ce médecin dans les données de référence (aucun acte, ou médecin d'une autre activité)";
  const nuclearDoctor =
    "aucune activité de médecine nucléaire pour ce médecin dans les données de référence (aucun acte, ou médecin d'une autre activité)";
  const expected = [
    `751234567 (No AM radiologie) : ${radioDoctor}`,
    `691234567 (No AM radiologie) : ${radioDoctor}`,
    "920000650 (No FINESS radiologie) : aucun examen de radiologie pour cet établissement dans les données de référence",
    `921234567 (No AM médecine nucléaire) : ${nuclearDoctor}`,
    `331234567 (No AM médecine nucléaire) : ${nuclearDoctor}`,
    "750712184 (No FINESS médecine nucléaire) : aucun examen de médecine nucléaire pour cet établissement dans les données de référence",
  ];

  it("does not call a radiologist with no acts a nuclear-medicine doctor, nor the reverse (text)", () => {
    const { text } = renderer.render("result", { ...context, result: computed });
    for (const line of expected) expect(text).toContain(`- ${line}\n`);
    expect(text).not.toMatch(/médecin nucléaire ne peut|radiologue ne peut|n'est pas celui d'un médecin/);
  });

  it("gives the same true reasons in HTML", () => {
    const html = renderer.render("result", { ...context, result: computed }).html.replaceAll("&#x27;", "'");
    for (const line of expected) expect(html).toContain(`<li>${line}</li>`);
    expect(html).not.toMatch(/médecin nucléaire ne peut|radiologue ne peut|n'est pas celui d'un médecin/);
  });
});

describe("the outgoing result message", () => {
  const thread = { messageId: "<req-42@editeur.fr>", references: ["<root-1@editeur.fr>"] };

  async function parsed() {
    const email = renderer.render("result", { ...context, result: result });
    const message = await composeMessage({
      email,
      from: "no-reply@example.test",
      to: "jean.dupont@editeur.fr",
      replyTo: "contact@example.test",
      inReplyTo: thread,
    });
    return { message, mail: await simpleParser(message.raw) };
  }

  it("threads to the request and names the service's domain in its Message-ID", async () => {
    const { message, mail } = await parsed();
    expect(message.messageId).toMatch(/^<[^@<>]+@example\.test>$/);
    expect(mail.messageId).toBe(message.messageId);
    expect(mail.inReplyTo).toBe("<req-42@editeur.fr>");
    expect(mail.references).toEqual(["<root-1@editeur.fr>", "<req-42@editeur.fr>"]);
  });

  it("is marked as an automatic reply from no-reply, answered to contact", async () => {
    const { mail } = await parsed();
    expect(mail.headers.get("auto-submitted")).toBe("auto-replied");
    expect(mail.headers.get("x-loop")).toBe("no-reply@example.test");
    expect(mail.from?.text).toBe("no-reply@example.test");
    expect(mail.replyTo?.text).toBe("contact@example.test");
    expect(mail.subject).toBe(RESULT_SUBJECT);
  });

  it("carries the HTML and an equivalent plain-text part", async () => {
    const { mail } = await parsed();
    expect(mail.text).toContain("La tranche de financement calculée est = D");
    expect(mail.html).toContain("La tranche de financement calculée est = <strong>D</strong>");
  });
});
