import ExcelJS from "exceljs";
import MailComposer from "nodemailer/lib/mail-composer";
import { describe, expect, it } from "vitest";
import { readInbound } from "../../src/intake/intake.ts";
import { classifyColumn, csvRows, readOrderForm, readOrderFormRows } from "../../src/intake/order-form.ts";
import { authenticatedHeaders, intakeContext } from "../helpers/intake.ts";

const HEADER = [
  "Nom de l'établissement de santé ou du médecin libéral",
  "FINESS Géographique (si Etablissement de santé)",
  "RPPS (si médecin libéral)",
  "Numéros d'AM (si médecin libéral) Peut contenir plusieurs numéros d'AM pour un même médecin",
  "Activité adressée par l'instance logicielle (radiologie, médecine nucléaire ou mixte pour un établissement)",
];

/** The order form's table as a supplier fills it in Excel: a cover sheet first, numbers as numbers. */
async function orderFormWorkbook(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const cover = workbook.addWorksheet("Bon de commande");
  cover.addRow(["Bon de commande RIS — Éditeur Radiologie SAS"]);
  cover.addRow(["Client", "GHT Cœur de France"]);
  const table = workbook.addWorksheet("Calcul du financement");
  table.addRow(["Informations pour le calcul du financement"]);
  table.addRow(HEADER);
  table.addRow(["Dr XXXXX", null, 12345678912, "511782349; 512345945; 512387934", "radiologie"]);
  table.addRow(["CH de YYY", 10262509, null, null, "mixte"]);
  table.addRow([
    { richText: [{ text: "Clinique " }, { text: "du Lac", font: { bold: true } }] },
    "920000650",
    null,
    null,
    "Radiologie",
  ]);
  table.addRow(["Dr ZZZ", null, null, 131234567, "médecine nucléaire"]);
  table.addRow([]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe("classifyColumn", () => {
  it("recognises the order form's long column headers", () => {
    expect(HEADER.map(classifyColumn)).toEqual(["name", "finess", "rpps", "am", "activity"]);
    expect(["Nom", "N° FINESS", "N° AM", "Activité"].map(classifyColumn)).toEqual([
      "name",
      "finess",
      "am",
      "activity",
    ]);
  });
});

describe("readOrderFormRows", () => {
  it("maps each row by its activity: a mixte FINESS goes to both FINESS lists", () => {
    const table = readOrderFormRows(
      [
        ["Nom", "FINESS", "RPPS", "AM", "Activité"],
        ["Dr X", "", "1", "511782349; 512345945", "radiologie"],
        ["CH Y", "920000650", "", "", "mixte"],
        ["Dr Z", "", "", "131234567", "MN"],
      ],
      null,
    );
    expect(table?.lists).toEqual({
      amRadio: ["511782349", "512345945"],
      finessRadio: ["920000650"],
      amMn: ["131234567"],
      finessMn: ["920000650"],
    });
    expect(table?.activities.sort()).toEqual(["medecine-nucleaire", "mixte", "radiologie"]);
  });

  it("puts the doctors of a practice's mixte row in both AM lists, marked for the engine to place", () => {
    const table = readOrderFormRows(
      [
        ["Nom", "FINESS", "AM", "Activité"],
        ["Cabinet d'imagerie du Port", "", "751234567; 691234567", "mixte"],
        ["Dr Z", "", "131234567", "radiologie"],
      ],
      null,
    );
    expect(table?.lists.amRadio).toEqual(["751234567", "691234567", "131234567"]);
    expect(table?.lists.amMn).toEqual(["751234567", "691234567"]);
    expect(table?.amOfMixteRows).toEqual(["751234567", "691234567"]);
  });

  it("gives a row without activity the activity stated in the message, else reports it", () => {
    const rows = [
      ["Nom", "FINESS", "Activité"],
      ["CH Y", "920000650", ""],
    ];
    expect(readOrderFormRows(rows, "radiologie")?.lists.finessRadio).toEqual(["920000650"]);
    expect(readOrderFormRows(rows, null)?.rowsWithoutActivity).toEqual([1]);
  });

  it("finds nothing in a table that is not an order form", () => {
    expect(
      readOrderFormRows(
        [
          ["Date", "Montant"],
          ["01/01/2025", "100"],
        ],
        null,
      ),
    ).toBeNull();
  });
});

describe("csvRows", () => {
  it("reads Excel's French export: Windows-1252 and `;`", () => {
    const bytes = Buffer.from("Nom;FINESS;Activité\r\nHôpital;920000650;médecine nucléaire\r\n", "latin1");
    expect(csvRows(bytes)).toEqual([
      ["Nom", "FINESS", "Activité"],
      ["Hôpital", "920000650", "médecine nucléaire"],
    ]);
  });

  it("reads UTF-8 with a BOM, `,` and quoted cells holding `;`", () => {
    const bytes = Buffer.from('\ufeffNom,AM,Activité\n"Dr A, B","511782349;512345945",radiologie\n');
    expect(csvRows(bytes)[1]).toEqual(["Dr A, B", "511782349;512345945", "radiologie"]);
  });
});

describe("CSV order forms", () => {
  it("restores the leading zero Excel drops from departments 01–09 when it saves the sheet as CSV", async () => {
    // 010262509 (FINESS, Ain) and 011782349 (N°AM) as Excel writes number cells: without the zero.
    const csv = Buffer.from(
      "Nom;FINESS;AM;Activité\r\nCH Bourg;10262509;;radiologie\r\nDr A;;11782349;radiologie\r\nCH Y;920000650;;radiologie\r\n",
      "latin1",
    );
    const table = await readOrderForm(csv, "csv", null);
    expect(table?.lists).toEqual({
      amRadio: ["011782349"],
      finessRadio: ["010262509", "920000650"],
      amMn: [],
      finessMn: [],
    });
  });

  it("leaves a cell holding a list, or a number of another length, as typed", async () => {
    const csv = Buffer.from(
      'Nom;FINESS;Activité\nCH A;"1026250; 10262509";radiologie\nCH B;1026250;radiologie\n',
    );
    const table = await readOrderForm(csv, "csv", null);
    expect(table?.lists.finessRadio).toEqual(["1026250", "10262509", "1026250"]);
  });
});

describe("XLSX order forms", () => {
  it("reads the table on whichever sheet holds it, restoring the leading zero Excel drops", async () => {
    const table = await readOrderForm(await orderFormWorkbook(), "xlsx", null);
    expect(table?.lists).toEqual({
      amRadio: ["511782349", "512345945", "512387934"],
      finessRadio: ["010262509", "920000650"],
      amMn: ["131234567"],
      finessMn: ["010262509"],
    });
  });

  it("answers a request sent as an XLSX attachment with the reference in the body", async () => {
    const from = "Jean Dupont <jean.dupont@editeur-radiologie.fr>";
    const raw = await new MailComposer({
      from,
      to: "calcul@example.test",
      subject: "Bon de commande GHT",
      text: "Bonjour,\n\nRéférence : GHT Cœur de France\n\nLe tableau est en pièce jointe.\n\nJean",
      attachments: [
        {
          filename: "BDC GHT Coeur de France.xlsx",
          content: await orderFormWorkbook(),
          contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
      ],
      headers: { "Authentication-Results": authenticatedHeaders(from)["Authentication-Results"]! },
    })
      .compile()
      .build();
    const intake = await readInbound(raw, intakeContext());
    expect(intake.kind).toBe("calculation");
    expect(intake.calculation).toMatchObject({
      reference: "GHT Cœur de France",
      activity: "mixte",
      activityInferred: true,
      sources: ["BDC GHT Coeur de France.xlsx"],
      problems: [],
    });
  });

  it("names the attachment as reference when neither body nor subject gives one", async () => {
    const from = "Jean Dupont <jean.dupont@editeur-radiologie.fr>";
    const raw = await new MailComposer({
      from,
      to: "calcul@example.test",
      text: "Ci-joint.",
      attachments: [{ filename: "CH Vierzon.xlsx", content: await orderFormWorkbook() }],
      headers: { "Authentication-Results": authenticatedHeaders(from)["Authentication-Results"]! },
    })
      .compile()
      .build();
    const intake = await readInbound(raw, intakeContext());
    expect(intake.calculation).toMatchObject({ reference: "CH Vierzon", referenceSource: "attachment-name" });
  });

  it("reports a corrupt spreadsheet instead of failing", async () => {
    const from = "Jean Dupont <jean.dupont@editeur-radiologie.fr>";
    const raw = await new MailComposer({
      from,
      to: "calcul@example.test",
      subject: "CH Bourges",
      text: "Ci-joint.",
      attachments: [{ filename: "tableau.xlsx", content: Buffer.from("PK\u0003\u0004 pas un classeur") }],
      headers: { "Authentication-Results": authenticatedHeaders(from)["Authentication-Results"]! },
    })
      .compile()
      .build();
    const intake = await readInbound(raw, intakeContext());
    expect(intake.kind).toBe("calculation");
    expect(intake.calculation?.problems).toEqual(
      expect.arrayContaining(["attachment-unreadable", "no-identifiers"]),
    );
  });
});
