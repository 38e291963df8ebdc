import ExcelJS from "exceljs";
import MailComposer from "nodemailer/lib/mail-composer";
import { describe, expect, it } from "vitest";
import { readInbound } from "../../src/intake/intake.ts";
import { checkOfficeZip, WORKBOOK_PARTS } from "../../src/intake/office-zip.ts";
import {
  classifyColumn,
  csvRows,
  orderFormFormat,
  readOrderForm,
  readOrderFormRows,
} from "../../src/intake/order-form.ts";
import { xlsxSheets } from "../../src/intake/xlsx-sheets.ts";
import { helpLines, lists } from "../helpers/help-reply.ts";
import { authenticatedHeaders, intakeContext } from "../helpers/intake.ts";
import { zipArchive } from "../helpers/zip.ts";

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
    // Numbered as the sheet shows the row, header included.
    expect(readOrderFormRows(rows, null)?.rowsWithoutActivity).toEqual([2]);
  });

  it("skips the counts under the table (« Nombre de sites », « Nb de médecins ») as it skips totals", () => {
    const rows = [
      ["Nom", "FINESS géographique", "N° AM", "Activité"],
      ["CH de Bourges", "180000028", "", "Radiologie"],
      ["Dr Dupont", "", "181234567", "Radiologie"],
      ["Nombre de sites", "1", "", ""],
      ["Nb de médecins", "", "1", ""],
      ["Nombre total d'AM", "", "1", ""],
    ];
    for (const stated of [null, "radiologie"] as const)
      expect(readOrderFormRows(rows, stated)).toMatchObject({
        lists: lists(["180000028"], ["181234567"], [], []),
        rowsWithoutActivity: [],
      });
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

const FROM = "Jean Dupont <jean.dupont@editeur-radiologie.fr>";
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** A request from an authorised supplier with the given attachments. */
async function request(
  attachments: { filename: string; content: Buffer; contentType?: string }[],
  text = "Bonjour,\n\nLe bon de commande est en pièce jointe.\n\nJean Dupont",
) {
  const raw = await new MailComposer({
    from: FROM,
    to: "calcul@example.test",
    subject: "Bon de commande CH de Bourges",
    text,
    attachments,
    headers: { "Authentication-Results": authenticatedHeaders(FROM)["Authentication-Results"]! },
  })
    .compile()
    .build();
  return readInbound(raw, intakeContext());
}

async function workbook(build: (workbook: ExcelJS.Workbook) => void): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  build(book);
  return Buffer.from(await book.xlsx.writeBuffer());
}

describe("FINESS géographique and FINESS juridique columns", () => {
  it("reads the géographique column, never the juridique one, whichever comes first", () => {
    const table = readOrderFormRows(
      [
        ["Nom", "FINESS juridique", "FINESS géographique", "N° AM", "Activité"],
        ["Centre hospitalier de Lens", "620100057", "620000026", "", "Radiologie"],
      ],
      null,
    );
    expect(table?.lists).toEqual(lists(["620000026"], [], [], []));
    expect(
      ["FINESS EJ", "N° FINESS juridique", "FINESS ET", "FINESS géo.", "N° AM / RPPS"].map(classifyColumn),
    ).toEqual(["finessLegal", "finessLegal", "finess", "finess", "am"]);
  });

  it("prefers the géographique column to a plain « FINESS » one", () => {
    const table = readOrderFormRows(
      [
        ["Nom", "N° FINESS", "N° FINESS ET", "Activité"],
        ["Clinique du Parc", "690000880", "690001235", "Mixte"],
      ],
      null,
    );
    expect(table?.lists).toEqual(lists(["690001235"], [], ["690001235"], []));
  });

  it("reads a two-row header where « FINESS » is merged over « Juridique » and « Géographique »", async () => {
    // As Excel exports it to CSV: the merged cell's text in its first column only.
    const csv = readOrderFormRows(
      [
        ["Nom", "FINESS", "", "N° AM", "Activité"],
        ["", "Juridique", "Géographique", "", "(radiologie, médecine nucléaire ou mixte)"],
        ["Centre hospitalier de Lens", "620100057", "620000026", "", "Radiologie"],
      ],
      null,
    );
    expect(csv?.lists).toEqual(lists(["620000026"], [], [], []));
    const xlsx = await workbook((book) => {
      const sheet = book.addWorksheet("Établissements");
      sheet.addRow(["Nom", "FINESS", "", "N° AM", "Activité"]);
      sheet.mergeCells("B1:C1");
      sheet.addRow(["", "Juridique (EJ)", "Géographique (ET)", "", ""]);
      sheet.addRow(["Centre hospitalier de Lens", 620100057, 620000026, null, "Radiologie"]);
    });
    expect((await readOrderForm(xlsx, "xlsx", null))?.lists).toEqual(lists(["620000026"], [], [], []));
  });

  it("reads a two-row header whose other cells are merged down over both rows", async () => {
    // exceljs gives a merged cell's text to every cell it covers: « Nom » is on both rows.
    const juridique = await workbook((book) => {
      const sheet = book.addWorksheet("Établissements");
      sheet.addRow(["Nom", "N° FINESS", "", "RPPS", "N° AM", "Activité"]);
      sheet.addRow(["", "Juridique", "Géographique", "", "", ""]);
      for (const range of ["A1:A2", "B1:C1", "D1:D2", "E1:E2", "F1:F2"]) sheet.mergeCells(range);
      sheet.addRow(["Centre hospitalier de Lens", 620100057, 620000026, null, null, "Radiologie"]);
    });
    expect(await readOrderForm(juridique, "xlsx", null)).toMatchObject({
      lists: lists(["620000026"], [], [], []),
      ambiguousFiness: false,
    });
    const geographique = await workbook((book) => {
      const sheet = book.addWorksheet("Établissements");
      sheet.addRow(["Nom", "N° FINESS", "RPPS", "N° AM", "Activité"]);
      sheet.addRow(["", "géographique", "", "", ""]);
      for (const range of ["A1:A2", "C1:C2", "D1:D2", "E1:E2"]) sheet.mergeCells(range);
      sheet.addRow(["Centre hospitalier de Lens", 620000026, null, null, "Radiologie"]);
      sheet.addRow(["Dr Martin", null, 10101234567, 621234567, "MN"]);
    });
    const intake = await request([{ filename: "BDC Lens.xlsx", content: geographique, contentType: XLSX }]);
    expect(intake.calculation).toMatchObject({
      lists: lists(["620000026"], [], [], ["621234567"]),
      problems: [],
    });
  });

  it("reports, rather than guesses, two FINESS columns of which none says géographique", async () => {
    const csv = Buffer.from(
      "Nom;FINESS 1;FINESS 2;N° AM;Activité\r\nCH de Lens;620100057;620000026;;Radiologie\r\nDr Martin;;;751234567;Radiologie\r\n",
    );
    const table = await readOrderForm(csv, "csv", null);
    expect(table).toMatchObject({ ambiguousFiness: true, lists: lists([], ["751234567"], [], []) });
    const intake = await request([{ filename: "BDC Lens.csv", content: csv, contentType: "text/csv" }]);
    expect(intake.calculation?.problems).toEqual(["finess-column-ambiguous"]);
    expect(helpLines(intake)[0]).toMatch(
      /^Le tableau joint « BDC Lens.csv » comporte plusieurs colonnes FINESS sans préciser laquelle contient le FINESS géographique/,
    );
  });
});

describe("Tables laid out like the web form's fields", () => {
  const FOUR = [
    "Nom",
    "FINESS radiologie",
    "AM radiologie",
    "FINESS médecine nucléaire",
    "AM médecine nucléaire",
  ];

  it("puts each column's numbers in its field, whatever the activity stated or not", () => {
    const rows = [
      FOUR,
      ["CH de Bourges", "180000028", "", "180000028", ""],
      ["Dr Dupont", "", "181234567", "", ""],
      ["Dr Martin", "", "", "", "131234567"],
      ["Clinique du Lac", "", "", "690001235", ""],
    ];
    const expected = lists(["180000028"], ["181234567"], ["180000028", "690001235"], ["131234567"]);
    expect(readOrderFormRows(rows, null)).toMatchObject({ lists: expected, rowsWithoutActivity: [] });
    expect(readOrderFormRows(rows, "mixte")?.lists).toEqual(expected);
  });

  it("reads field columns beside generic ones, the generic ones following the row's activity", () => {
    const table = readOrderFormRows(
      [
        ["Nom", "FINESS géographique", "N° AM", "Activité", "FINESS médecine nucléaire"],
        ["CH de Bourges", "180000028", "", "Radiologie", "180000036"],
        ["Dr Martin", "", "131234567", "Médecine nucléaire", ""],
      ],
      null,
    );
    expect(table?.lists).toEqual(lists(["180000028"], [], ["180000036"], ["131234567"]));
  });
});

describe("Workbooks of several sheets", () => {
  it("reads every visible sheet, leaving out hidden, example and instruction sheets", async () => {
    const xlsx = await workbook((book) => {
      const example = book.addWorksheet("Exemple");
      example.addRow(HEADER);
      example.addRow(["CH de XXX", 750712184, null, null, "mixte"]);
      const notice = book.addWorksheet("Mode d'emploi");
      notice.addRow(HEADER);
      notice.addRow(["Dr YYY", null, null, 921234567, "radiologie"]);
      const old = book.addWorksheet("Ancien tableau", { state: "hidden" });
      old.addRow(HEADER);
      old.addRow(["CH de Vierzon", 180000044, null, null, "radiologie"]);
      const hidden = book.addWorksheet("Calculs", { state: "veryHidden" });
      hidden.addRow(HEADER);
      hidden.addRow(["Dr ZZZ", null, null, 511782349, "radiologie"]);
      const sites = book.addWorksheet("Établissements");
      sites.addRow(HEADER);
      sites.addRow(["CH de Bourges", 180000028, null, null, "Radiologie"]);
      const doctors = book.addWorksheet("Médecins libéraux");
      doctors.addRow(HEADER);
      doctors.addRow(["Dr Martin", null, 10101234567, "131234567", "Médecine nucléaire"]);
    });
    const table = await readOrderForm(xlsx, "xlsx", null);
    expect(table?.lists).toEqual(lists(["180000028"], [], [], ["131234567"]));
  });

  it("reads a filled-in template sheet when no other sheet holds the table", async () => {
    const xlsx = await workbook((book) => {
      book.addWorksheet("Bon de commande").addRow(["Bon de commande RIS"]);
      const template = book.addWorksheet("Modèle");
      template.addRow(HEADER);
      template.addRow(["CH de Bourges", 180000028, null, null, "Radiologie"]);
    });
    expect((await readOrderForm(xlsx, "xlsx", null))?.lists.finessRadio).toEqual(["180000028"]);
  });
});

describe("Rows the workbook hides", () => {
  /** The order form as a supplier sends it after filtering on « radiologie » and hiding a draft row. */
  async function filteredWorkbook(): Promise<Buffer> {
    return workbook((book) => {
      const sheet = book.addWorksheet("Commande");
      sheet.addRow(HEADER);
      sheet.addRow(["CH de Bourges", 180000028, null, null, "radiologie"]);
      sheet.addRow(["Clinique du Lac (projet abandonné)", 920000650, null, null, "radiologie"]).hidden = true;
      sheet.addRow(["Dr Martin", null, 10101234567, "131234567", "radiologie"]);
      sheet.addRow(["Dr Petit", null, null, "511782349", "radiologie"]).hidden = true;
      sheet.getRow(8).hidden = true; // an empty hidden row says nothing
      sheet.autoFilter = "A1:E5";
    });
  }

  it("are counted, since the file holds them, and named with their sheet's row numbers", async () => {
    const table = await readOrderForm(await filteredWorkbook(), "xlsx", null);
    expect(table?.lists).toEqual(lists(["180000028", "920000650"], ["131234567", "511782349"], [], []));
    expect(table?.hiddenRowsRead).toEqual([{ sheet: "Commande", rows: [3, 5] }]);
  });

  it("reach the calculation request with the file they are in, and none when nothing is hidden", async () => {
    const intake = await request([{ filename: "Commande Bourges.xlsx", content: await filteredWorkbook() }]);
    expect(intake.calculation?.hiddenRows).toEqual([
      { filename: "Commande Bourges.xlsx", sheet: "Commande", rows: [3, 5] },
    ]);
    const plain = await request([{ filename: "CH Vierzon.xlsx", content: await orderFormWorkbook() }]);
    expect(plain.calculation?.hiddenRows).toBeUndefined();
  });
});

describe("Columns the workbook hides", () => {
  it("are counted, and named by letter and header when they gave numbers", async () => {
    const xlsx = await workbook((book) => {
      const sheet = book.addWorksheet("Commande");
      sheet.addRow([...HEADER, "N° AM (ancien cabinet)"]);
      sheet.addRow(["CH de Bourges", 180000028, null, null, "radiologie", null]);
      sheet.addRow(["Dr Martin", null, 10101234567, "131234567", "radiologie", "511782349"]);
      sheet.getColumn(6).hidden = true;
      // A hidden column of RPPS gives no number to any field: nothing to say about it.
      sheet.getColumn(3).hidden = true;
    });
    const table = await readOrderForm(xlsx, "xlsx", null);
    expect(table?.lists.amRadio).toEqual(["131234567", "511782349"]);
    expect(table?.hiddenColumnsRead).toEqual([
      { sheet: "Commande", columns: ["F (N° AM (ancien cabinet))"] },
    ]);
    const intake = await request([{ filename: "Commande Bourges.xlsx", content: xlsx }]);
    expect(intake.calculation?.hiddenColumns).toEqual([
      { filename: "Commande Bourges.xlsx", sheet: "Commande", columns: ["F (N° AM (ancien cabinet))"] },
    ]);
  });

  it("say nothing when the hidden column gave no number", async () => {
    const xlsx = await workbook((book) => {
      const sheet = book.addWorksheet("Commande");
      sheet.addRow(HEADER);
      sheet.addRow(["CH de Bourges", 180000028, null, null, "radiologie"]);
      sheet.getColumn(4).hidden = true;
    });
    expect((await readOrderForm(xlsx, "xlsx", null))?.hiddenColumnsRead).toEqual([]);
  });
});

describe("Header rows", () => {
  it("starts a new table, with its own columns, at a later header row", () => {
    const table = readOrderFormRows(
      [
        ["Établissements de santé"],
        ["Nom", "FINESS géographique", "Activité"],
        ["CH de Bourges", "180000028", "Radiologie"],
        [],
        ["Médecins libéraux"],
        ["Nom", "RPPS", "N° AM", "Activité"],
        ["Dr Dupont", "10101234567", "181234567", "Radiologie"],
        ["Dr Martin", "10101234568", "131234567", "Médecine nucléaire"],
      ],
      "mixte",
    );
    // The RPPS column (and its header cell) is never read as FINESS.
    expect(table?.lists).toEqual(lists(["180000028"], ["181234567"], [], ["131234567"]));
    expect(table?.rowsWithoutIdentifier).toEqual([]);
  });

  it("does not take the client's information above the table for its header", () => {
    const table = readOrderFormRows(
      [
        ["Bon de commande RIS"],
        ["Raison sociale du client", "SELARL Imagerie du Parc", "N° FINESS juridique", "750000001"],
        ["Client", "Clinique du Parc", "", "FINESS EJ", "690000880"],
        ["Établissement : Clinique du Parc", "FINESS :", ""],
        [],
        HEADER,
        ["Clinique du Parc", "690001235", "", "", "Radiologie"],
        ["Dr Petit", "", "", "691234567", "Radiologie"],
      ],
      null,
    );
    expect(table?.lists).toEqual(lists(["690001235"], ["691234567"], [], []));
  });
});

describe("Headers as suppliers word them", () => {
  it("reads a header cell that explains its column after a colon, or gives an example number", () => {
    const table = readOrderFormRows(
      [
        [
          "Nom",
          "FINESS géographique (9 chiffres, ex. 750100125)",
          "N° AM : plusieurs numéros séparés par ;",
          "Type d'activité : Radiologie / MN / Mixte",
        ],
        ["CH Y", "920000650", "", "mixte"],
        ["Dr Z", "", "131234567; 751234567", "radiologie"],
      ],
      null,
    );
    expect(table?.lists).toEqual({
      finessRadio: ["920000650"],
      finessMn: ["920000650"],
      amRadio: ["131234567", "751234567"],
      amMn: [],
    });
    expect(table?.rowsWithoutActivity).toEqual([]);
  });

  it("does not take a data row that names columns for a second header", () => {
    const table = readOrderFormRows(
      [
        HEADER,
        ["CH Y", "920000650", "", "", "mixte"],
        ["Dr Y (remplaçant)", "pas de FINESS", "", "AM en cours", "radiologie"],
        ["Dr Z", "", "", "131234567", "médecine nucléaire"],
        ["Clinique X", "920 000 650", "pas de RPPS", "pas d'AM", "mixte"],
        HEADER,
        ["Clinique W", "750100125", "", "", "radiologie"],
      ],
      null,
    );
    expect(table?.lists.amMn).toEqual(["131234567"]);
    expect(table?.lists.finessRadio).toEqual(["920000650", "920 000 650", "750100125"]);
    expect(table?.rowsWithoutActivity).toEqual([]);
  });

  // Its time (it was quadratic: 11 s for 160 000) is measured by `npm run bench intake`.
  it("reads a header cell of open brackets over a second row", () => {
    const rows = [
      ["FINESS", "N° AM", "(".repeat(200_000)],
      ["géographique", "", ""],
      ["920000650", "", ""],
    ];
    expect(readOrderFormRows(rows, "radiologie")?.lists.finessRadio).toEqual(["920000650"]);
  });
});

describe("What the help reply is told about a table", () => {
  it("says rows lack their activity, not that no number was found", async () => {
    const csv = Buffer.from("Nom;FINESS géographique;Activité\nCH Y;920000650;\nCH Z;750712184;scanner\n");
    const intake = await request([{ filename: "bdc.csv", content: csv, contentType: "text/csv" }]);
    expect(intake.calculation?.problems).toContain("row-without-activity");
    expect(intake.calculation?.problems).not.toContain("no-identifiers");
  });
});

describe("Rows without a readable FINESS or N°AM", () => {
  it("does not report a row whose number the sender says is pending or absent", () => {
    const table = readOrderFormRows(
      [
        HEADER,
        ["CH A", "920000650", "", "", "radiologie"],
        ["Dr Y (remplaçant)", "pas de FINESS", "", "AM en cours", "radiologie"],
        ["Dr W", "", "10003456789", "en cours d'attribution", "radiologie"],
        ["Dr V", "", "", "néant", "médecine nucléaire"],
        ["Dr U", "", "", "à compléter", "radiologie"],
      ],
      null,
    );
    expect(table?.rowsWithoutIdentifier).toEqual([{ sheet: null, rows: [6] }]);
  });

  /** The order form's table with a doctor known by RPPS only and identifiers from broken formulas. */
  const withGaps = () =>
    workbook((book) => {
      const sheet = book.addWorksheet("Calcul du financement");
      sheet.addRow(["Informations pour le calcul du financement"]);
      sheet.addRow(HEADER);
      sheet.addRow(["Exemple : Centre hospitalier de XXX", 750712184, null, null, "mixte"]);
      sheet.addRow(["(nom)", "(9 caractères)", "(11 chiffres)", "(séparés par ;)", "(radiologie, mixte…)"]);
      sheet.addRow(["CH de Bourges", 180000028, null, null, "Mixte"]); // row 5
      sheet.addRow(["Dr Dupont", null, 10101234567, null, "Radiologie"]); // 6: RPPS only
      sheet.addRow([
        "Clinique du Lac",
        { formula: "RECHERCHEV(A7;Annuaire!A:B;2;0)", result: { error: "#N/A" } },
        null,
        null,
        "Radiologie",
      ]); // 7
      sheet.addRow(["Dr Martin", null, null, { formula: "Annuaire!C8" }, "Médecine nucléaire"]); // 8
      sheet.addRow(["Dr Petit", null, null, 181234567, "Radiologie"]); // 9
      sheet.addRow(["Total", 1, null, 2, null]);
      sheet.addRow([]);
      sheet.addRow(["Bon pour accord, signature du client"]);
    });

  it("reports them by their row numbers in the sheet, leaving totals, examples and instructions out", async () => {
    const table = await readOrderForm(await withGaps(), "xlsx", null);
    expect(table?.lists).toEqual(lists(["180000028"], ["181234567"], ["180000028"], []));
    expect(table?.rowsWithoutIdentifier).toEqual([{ sheet: "Calcul du financement", rows: [6, 7, 8] }]);
  });

  it("answers with the help reply naming the file, the sheet and the rows", async () => {
    const intake = await request([
      { filename: "BDC Bourges.xlsx", content: await withGaps(), contentType: XLSX },
    ]);
    expect(intake.calculation?.problems).toEqual(["row-without-identifier"]);
    expect(helpLines(intake)).toEqual([
      "Les lignes 6, 7 et 8 du tableau « BDC Bourges.xlsx » (feuille « Calcul du financement ») indiquent des établissements ou des médecins sans FINESS géographique ni numéro d'AM lisible : ils n'ont pas été comptés. Indiquez le FINESS géographique de chaque établissement et les numéros d'AM de chaque médecin libéral (le RPPS seul ne suffit pas, et une formule en erreur comme #N/A ne donne aucun numéro).",
    ]);
  });

  it("reads « N° AM / RPPS » as the N°AM column and a CSV's #N/A as no number", () => {
    const table = readOrderFormRows(
      [
        ["Nom", "FINESS géographique", "N° AM / RPPS", "Activité"],
        ["CH de Bourges", "180000028", "", "Radiologie"],
        ["Dr Dupont", "", "181234567", "Radiologie"],
        ["Dr Martin", "", "#N/A", "Radiologie"],
      ],
      null,
    );
    expect(table?.lists).toEqual(lists(["180000028"], ["181234567"], [], []));
    expect(table?.rowsWithoutIdentifier).toEqual([{ sheet: null, rows: [4] }]);
  });
});

describe("Cells listing several N°AM", () => {
  it("gives each number, whatever joins them", () => {
    const cells = [
      "751234567/921234567",
      "751234567 | 921234567",
      "751234567 & 921234567",
      "751234567 et 921234567",
      "751234567 ou 921234567",
      "75 123 456 7 et 92 123 456 7",
      "75 123 456 7 / 92 123 456 7",
    ];
    for (const cell of cells) {
      const table = readOrderFormRows(
        [
          ["Nom", "N° AM", "Activité"],
          ["Cabinet d'imagerie du Port", cell, "Radiologie"],
        ],
        null,
      );
      expect(
        table?.lists.amRadio.map((am) => am.replace(/\s/g, "")),
        cell,
      ).toEqual(["751234567", "921234567"]);
    }
  });
});

describe("XLSX cell types", () => {
  it("reads hyperlinked cells, their text rich or a number, and takes no date for an identifier", async () => {
    const xlsx = await workbook((book) => {
      const sheet = book.addWorksheet("Tableau");
      sheet.addRow(HEADER);
      const link = "https://finess.esante.gouv.fr/fininter/jsp/rechercheSimple.jsp";
      sheet.addRow([
        "CH de Bourges",
        { text: { richText: [{ text: "180000028" }] }, hyperlink: link },
        null,
        null,
        "Radiologie",
      ]);
      sheet.addRow(["CH de Lens", { text: 620000026, hyperlink: link } as never, null, null, "Radiologie"]);
      sheet.addRow(["Clinique du Lac", new Date(Date.UTC(2024, 0, 5)), null, null, "Radiologie"]);
      sheet.addRow(["CH de Vierzon", 180000036 + 1e-7, null, null, "Radiologie"]);
    });
    const table = await readOrderForm(xlsx, "xlsx", null);
    expect(table?.lists.finessRadio).toEqual(["180000028", "620000026", "180000036"]);
    expect(table?.rowsWithoutIdentifier).toEqual([{ sheet: "Tableau", rows: [4] }]);
  });
});

describe("Attachments without an order-form table", () => {
  const quote = () =>
    workbook((book) => {
      const sheet = book.addWorksheet("Devis");
      sheet.addRow(["Désignation", "Quantité", "Prix unitaire HT", "Total HT"]);
      sheet.addRow(["Licence RIS", 1, 12000, 12000]);
      sheet.addRow(["Formation", 2, 900, 1800]);
    });
  const body =
    "Bonjour,\n\nRéférence : CH de Bourges\nType d'activité : Radiologie\nFINESS radiologie : 180000028\n\nCordialement";

  it("ignores a quote beside a request in the body or beside the order form", async () => {
    const besideBody = await request([{ filename: "Devis RIS.xlsx", content: await quote() }], body);
    expect(besideBody.calculation).toMatchObject({ problems: [], sources: ["body"] });
    const table = await workbook((book) => {
      const sheet = book.addWorksheet("Tableau");
      sheet.addRow(HEADER);
      sheet.addRow(["CH de Bourges", 180000028, null, null, "Radiologie"]);
    });
    const besideTable = await request([
      { filename: "Bon de commande.xlsx", content: table },
      { filename: "Devis RIS.xlsx", content: await quote() },
    ]);
    expect(besideTable.calculation).toMatchObject({ problems: [], sources: ["Bon de commande.xlsx"] });
  });

  it("says a lone file holds no order-form table, without calling it damaged", async () => {
    const intake = await request([{ filename: "Devis RIS.xlsx", content: await quote() }]);
    expect(intake.calculation?.problems.sort()).toEqual(["attachment-without-table", "no-identifiers"]);
    const lines = helpLines(intake);
    expect(lines).toContain(
      "La pièce jointe « Devis RIS.xlsx » ne contient pas le tableau du bon de commande (une ligne par établissement ou médecin : nom, FINESS géographique, RPPS, numéros d'AM, activité) : aucun numéro n'y a été lu.",
    );
    expect(lines.join("\n")).not.toContain("endommagé");
  });

  it("still reports, by its name, a file that cannot be opened beside a valid request", async () => {
    const intake = await request(
      [
        { filename: "Devis RIS.xlsx", content: await quote() },
        { filename: "BDC Bourges.xlsx", content: Buffer.from("PK\u0003\u0004 pas un classeur") },
      ],
      body,
    );
    expect(intake.calculation?.problems).toEqual(["attachment-unreadable"]);
    expect(helpLines(intake)).toEqual([
      "La pièce jointe « BDC Bourges.xlsx » n'a pas pu être lue : le fichier est illisible ou endommagé.",
    ]);
  });
});

describe("CSV delimiters", () => {
  it("finds the delimiter under which a header reads: a title line, a quoted multi-line cell, commas in `;` headers", async () => {
    const files = [
      "Bon de commande Ségur Imagerie\nNom,FINESS géographique,RPPS,N° AM,Activité\nCH de Bourges,180000028,,,Radiologie\n",
      '"Nom de l\'établissement\n(ou du médecin)",FINESS géographique,N° AM,Activité\r\nCH de Bourges,180000028,,Radiologie\r\n',
      "Nom (établissement, cabinet, médecin);FINESS géographique (ET, pas EJ);N° AM (un ou plusieurs, séparés par des virgules);Activité\nCH de Bourges;180000028;;Radiologie\n",
    ];
    for (const file of files)
      expect((await readOrderForm(Buffer.from(file), "csv", null))?.lists.finessRadio, file).toEqual([
        "180000028",
      ]);
  });
});

describe("Format gaps", () => {
  it("reads Excel's « Texte Unicode » export: UTF-16 with its BOM, tab-separated", async () => {
    const text = "Nom\tFINESS géographique\tN° AM\tActivité\r\nCH de Bourges\t180000028\t\tRadiologie\r\n";
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const be = Buffer.from([0xfe, 0xff, ...Buffer.from(text, "utf16le").swap16()]);
    for (const bytes of [le, be])
      expect((await readOrderForm(bytes, "csv", null))?.lists.finessRadio).toEqual(["180000028"]);
  });

  it("reads numbers as Excel writes them into text", async () => {
    const csv = Buffer.from(
      "Nom;FINESS;Activité\nCH de Bourges;180000028,00;Radiologie\nCH de Bourg;10262509,00;Radiologie\nCH étroit;9,2E+08;Radiologie\n",
    );
    expect((await readOrderForm(csv, "csv", null))?.lists.finessRadio).toEqual([
      "180000028",
      "010262509",
      "920000000",
    ]);
  });

  it("reads numbers Excel writes with thousands separators, restoring the leading zero it dropped", async () => {
    // Excel FR's « # ##0 » format groups digits with a no-break space (narrow in recent versions).
    const csv = Buffer.from(
      "Nom;FINESS géographique;N° AM;Activité\n" +
        "CH de Bourg;10\u00a0262\u00a0509;;Radiologie\n" +
        "CH de Laon;20\u202f000\u202f014;;Radiologie\n" +
        "CH de Bourges;180 000 028,00;;Radiologie\n" +
        "Dr Martin;;11 234 567;Médecine nucléaire\n",
    );
    expect((await readOrderForm(csv, "csv", null))?.lists).toEqual(
      lists(["010262509", "020000014", "180000028"], [], [], ["011234567"]),
    );
  });

  it("asks for a format read when the order form comes as a binary workbook (.xlsb) or a Numbers file", async () => {
    for (const filename of ["Bon de commande.xlsb", "Bon de commande.numbers"]) {
      const intake = await request([{ filename, content: Buffer.from("PK\x03\x04 not read") }]);
      expect(intake.calculation?.problems).toEqual(["no-identifiers", "attachment-unsupported"]);
      expect(helpLines(intake)).toContain(
        `La pièce jointe « ${filename} » n'a pas pu être lue : seuls les tableaux du bon de commande aux formats CSV, XLSX ou Word (DOCX) sont lus.`,
      );
    }
  });

  it("reads a macro-enabled workbook (.xlsm) like an .xlsx", async () => {
    expect(orderFormFormat("application/vnd.ms-excel.sheet.macroEnabled.12", "BDC.xlsm")).toBe("xlsx");
    const intake = await request([{ filename: "Bon de commande.xlsm", content: await orderFormWorkbook() }]);
    expect(intake.calculation).toMatchObject({ problems: [], sources: ["Bon de commande.xlsm"] });
  });
});

/** A ZIP of one entry whose central directory declares `declared` bytes once inflated. */
const zipOf = (name: string, content: Buffer, declared = content.length): Buffer =>
  zipArchive([{ name, content, declared }]);

describe("Hostile workbooks", () => {
  const sheetXml = (rows: string) =>
    Buffer.from(
      `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows}</sheetData></worksheet>`,
    );

  it("accepts Excel's own bloat of repeated styles, compressed 200:1", () => {
    const styles = Buffer.from(
      `<styleSheet><cellXfs>${'<xf numFmtId="0" fontId="0"/>'.repeat(60_000)}</cellXfs></styleSheet>`,
    );
    expect(() => checkOfficeZip(zipOf("xl/styles.xml", styles), WORKBOOK_PARTS)).not.toThrow();
  });

  it("refuses a decompression bomb before loading it: too large, too compressed, or lying about its size", async () => {
    const empty = "<row><c><v>1</v></c></row>";
    const bombs = [
      zipOf("xl/worksheets/sheet1.xml", sheetXml(empty.repeat(2_100_000))),
      zipOf("xl/worksheets/sheet1.xml", sheetXml(empty.repeat(200_000))),
      zipOf("xl/worksheets/sheet1.xml", sheetXml(empty.repeat(200_000)), 1000),
    ];
    // How fast they are refused is measured by `npm run bench intake`.
    for (const bomb of bombs) await expect(readOrderForm(bomb, "xlsx", null)).rejects.toThrow();
    const intake = await request([{ filename: "BDC.xlsx", content: bombs[0]!, contentType: XLSX }]);
    expect(intake.calculation?.problems).toEqual(expect.arrayContaining(["attachment-unreadable"]));
  });

  it("refuses a workbook of more rows and cells than exceljs holds in reasonable memory", async () => {
    const cells = Array.from({ length: 320_000 }, (_, i) => `<c><v>${(i * 7919) % 1_000_003}</v></c>`).join(
      "",
    );
    const xlsx = zipOf("xl/worksheets/sheet1.xml", sheetXml(`<row>${cells}</row>`));
    await expect(readOrderForm(xlsx, "xlsx", null)).rejects.toThrow(/too many rows or cells/);
  });

  // Their time is measured by `npm run bench intake`.
  it("reads hostile CSV tables: wide rows of column names, a cell of open brackets", async () => {
    const wide = `${Array(100).fill("FINESS géographique (ET").join(";")}\n`.repeat(1500);
    const csv = Buffer.from(`Nom;FINESS;Activité\n${wide}CH;${"(".repeat(1_000_000)};radiologie\n`);
    expect((await readOrderForm(csv, "csv", null))?.lists ?? null).toSatisfy(
      (lists: Record<string, string[]> | null) => !lists || Object.values(lists).every((l) => l.length === 0),
    );
  });

  it("stops reading a sheet's rows beyond the largest table read", async () => {
    const xlsx = await workbook((book) => {
      const sheet = book.addWorksheet("Tableau");
      sheet.addRow(["Nom", "FINESS géographique", "Activité"]);
      for (let i = 0; i < 20_100; i++) sheet.addRow([`CH ${i}`, 180000028, "Radiologie"]);
    });
    const [sheet] = await xlsxSheets(xlsx, { rows: 20_030, columns: 100 });
    expect(sheet?.rows.length).toBe(20_030);
  });
});
