import MailComposer from "nodemailer/lib/mail-composer";
import { describe, expect, it } from "vitest";
import { docxTables } from "../../src/intake/docx-tables.ts";
import { readInbound } from "../../src/intake/intake.ts";
import { orderFormFormat, readOrderForm } from "../../src/intake/order-form.ts";
import { helpLines, lists } from "../helpers/help-reply.ts";
import { authenticatedHeaders, intakeContext } from "../helpers/intake.ts";
import {
  cell,
  MODEL_HEADER,
  officialOrderForm,
  paragraph,
  run,
  table,
  wordDocument,
} from "../helpers/word-document.ts";
import { zipArchive } from "../helpers/zip.ts";

const FROM = "jean.dupont@editeur-radiologie.fr";
const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const LIMITS = { rows: 20_030, columns: 100 };

async function request(
  attachments: { filename: string; content: Buffer; contentType?: string }[],
  text?: string,
) {
  const raw = await new MailComposer({
    from: FROM,
    to: "calcul@example.test",
    subject: "Bon de commande GHT Cœur de France",
    text:
      text ?? "Bonjour,\n\nVeuillez trouver ci-joint le bon de commande signé.\n\nCordialement,\nJean Dupont",
    attachments,
    headers: { "Authentication-Results": authenticatedHeaders(FROM)["Authentication-Results"]! },
  })
    .compile()
    .build();
  return readInbound(raw, intakeContext());
}

describe("Word order forms (the official model, filled in)", () => {
  it("recognises a Word document by its name or type, a legacy .doc still not", () => {
    expect(orderFormFormat(DOCX, "BDC signé.docx")).toBe("docx");
    expect(orderFormFormat("application/octet-stream", "Bon de commande.DOCX")).toBe("docx");
    expect(orderFormFormat("application/vnd.ms-word.document.macroEnabled.12", "BDC.docm")).toBe("docx");
    expect(orderFormFormat(DOCX, null)).toBe("docx");
    expect(orderFormFormat("application/msword", "BDC.doc")).toBeNull();
  });

  it("answers a request whose only content is the order form attached as a Word document", async () => {
    const form = officialOrderForm([
      {
        name: "Centre hospitalier de Lens",
        rows: [
          ["CH de Lens — site principal", "620100057", "", "", "Mixte"],
          ["Dr Martin (cabinet de radiologie)", "", "10003456789", "751234567\n751234568", "radiologie"],
          ["Dr Leroy", "", "10009876543", "621234567", "médecine nucléaire"],
        ],
      },
    ]);
    const intake = await request([{ filename: "BDC CH Lens signé.docx", content: form, contentType: DOCX }]);
    expect(intake.calculation).toMatchObject({
      problems: [],
      sources: ["BDC CH Lens signé.docx"],
      activity: "mixte",
      lists: lists(["620100057"], ["751234567", "751234568"], ["620100057"], ["621234567"]),
    });
  });

  it("reads every client's page of one order together: one calculation with all their identifiers", async () => {
    const form = officialOrderForm([
      { name: "Centre hospitalier de Lens", rows: [["CH de Lens", "620100057", "", "", "radiologie"]] },
      { name: "Clinique du Parc", rows: [["Clinique du Parc", "920000650", "", "", "radiologie"]] },
    ]);
    const table = await readOrderForm(form, "docx", null);
    expect(table?.lists.finessRadio).toEqual(["620100057", "920000650"]);
    // The clients' own tables (SIREN, telephone, de minimis aid, signature) give nothing.
    expect(table?.rows).toBe(2);
    expect(table?.rowsWithoutIdentifier).toEqual([]);
  });

  it("reads text as Word stores it: split across runs, in content controls and hyperlinks, not deleted revisions", async () => {
    const finess = [
      '<w:p><w:r><w:t>6201</w:t></w:r><w:proofErr w:type="spellStart"/><w:r><w:rPr><w:b/></w:rPr><w:t>00057</w:t></w:r><w:proofErr w:type="spellEnd"/></w:p>',
    ].join("");
    const controlled =
      '<w:sdt><w:sdtPr><w:alias w:val="FINESS"/><w:text/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>920000650</w:t></w:r></w:p></w:sdtContent></w:sdt>';
    const revised =
      '<w:p><w:del w:id="1" w:author="Jean Dupont"><w:r><w:delText>751234560</w:delText></w:r></w:del><w:ins w:id="2" w:author="Jean Dupont"><w:r><w:t>751234567</w:t></w:r></w:ins></w:p>';
    const linked =
      '<w:p><w:hyperlink r:id="rId9" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:r><w:t>180000028</w:t></w:r></w:hyperlink></w:p>';
    const form = wordDocument(
      table([
        MODEL_HEADER.map((h) => cell(h)),
        [cell("CH de Lens"), cell(finess), cell(""), cell(""), cell("radiologie")],
        [cell("Clinique du Parc"), cell(controlled), cell(""), cell(""), cell("radiologie")],
        [cell("Dr Martin"), cell(""), cell(""), cell(revised), cell("radiologie")],
        [cell("Hôpital privé"), cell(linked), cell(""), cell(""), cell("radiologie")],
      ]),
    );
    const read = await readOrderForm(form, "docx", null);
    expect(read?.lists).toEqual(lists(["620100057", "920000650", "180000028"], ["751234567"], [], []));
  });

  it("reads only what the document shows: not text moved away, hidden, in a text box or a placeholder", async () => {
    // Track changes: the FINESS moved from the radiology row to the nuclear-medicine one.
    const movedFrom =
      '<w:p><w:moveFrom w:id="3" w:author="Jean Dupont"><w:r><w:t>920000650</w:t></w:r></w:moveFrom></w:p>';
    const movedTo =
      '<w:p><w:moveTo w:id="4" w:author="Jean Dupont"><w:r><w:t>920000650</w:t></w:r></w:moveTo></w:p>';
    const stamped =
      '<w:p><w:r><w:t>620100057</w:t></w:r><w:r><w:drawing><wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><wps:txbx><w:txbxContent><w:p><w:r><w:t>Cachet</w:t></w:r></w:p></w:txbxContent></wps:txbx></wp:anchor></w:drawing></w:r></w:p>';
    const hidden = "<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>750000234</w:t></w:r></w:p>";
    const placeholder =
      "<w:sdt><w:sdtPr><w:showingPlcHdr/><w:text/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Cliquez ou appuyez ici pour entrer du texte.</w:t></w:r></w:p></w:sdtContent></w:sdt>";
    const form = wordDocument(
      table([
        MODEL_HEADER.map((h) => cell(h)),
        [cell("Clinique du Parc"), cell(movedFrom), cell(""), cell(""), cell("radiologie")],
        [cell("Clinique du Parc (TEP)"), cell(movedTo), cell(""), cell(""), cell("médecine nucléaire")],
        [cell("CH de Lens"), cell(stamped), cell(placeholder), cell(hidden), cell("radiologie")],
      ]),
    );
    const [only] = docxTables(form, LIMITS);
    expect(only?.rows[3]).toEqual(["CH de Lens", "620100057", "", "", "radiologie"]);
    const read = await readOrderForm(form, "docx", null);
    expect(read?.lists).toEqual(lists(["620100057"], [], ["920000650"], []));
  });

  it("gives an activity merged down over several rows to each of them, and lines up columns under merged cells", () => {
    const doc = wordDocument(
      table(
        [
          [cell("Établissements et médecins du GHT", { span: 5 })],
          MODEL_HEADER.map((h) => cell(h)),
          [
            cell("CH de Lens"),
            cell("620100057"),
            cell(""),
            cell(""),
            cell("Radiologie", { merge: "restart" }),
          ],
          [cell("Clinique du Parc"), cell("920000650"), cell(""), cell(""), cell("", { merge: "continue" })],
          [cell("Dr Leroy"), cell(""), cell("10009876543"), cell("621234567"), cell("Médecine nucléaire")],
        ],
        5,
      ),
    );
    const [only] = docxTables(doc, LIMITS);
    expect(only?.rows).toEqual([
      ["Établissements et médecins du GHT", "", "", "", ""],
      MODEL_HEADER,
      ["CH de Lens", "620100057", "", "", "Radiologie"],
      ["Clinique du Parc", "920000650", "", "", "Radiologie"],
      ["Dr Leroy", "", "10009876543", "621234567", "Médecine nucléaire"],
    ]);
  });

  it("reads a table framed in another one's cell, as a table of its own", async () => {
    const order = table([
      MODEL_HEADER.map((h) => cell(h)),
      ["CH de Lens", "620100057", "", "", "radiologie"],
      ["Dr Martin", "", "10003456789", "751234567\n751234568", "radiologie"],
    ]);
    const framed = wordDocument(table([[cell(paragraph("Informations pour le calcul") + order)]]));
    const [frame, inner] = docxTables(framed, LIMITS);
    expect(frame?.rows).toEqual([["Informations pour le calcul"]]);
    expect(inner?.number).toBe(2);
    const read = await readOrderForm(framed, "docx", null);
    expect(read?.lists).toEqual(lists(["620100057"], ["751234567", "751234568"], [], []));
  });

  it("names the table and its rows in the help reply when a row has no readable number", async () => {
    const form = officialOrderForm([
      { name: "Centre hospitalier de Lens", rows: [["CH de Lens", "620100057", "", "", "radiologie"]] },
      {
        name: "Cabinet d'imagerie du Port",
        rows: [
          ["Dr Petit", "", "10001234567", "", "radiologie"],
          ["Dr Bernard", "", "10007654321", "AM en cours d'attribution", "radiologie"],
        ],
      },
    ]);
    const intake = await request([{ filename: "BDC GHT.docx", content: form, contentType: DOCX }]);
    expect(intake.calculation?.problems).toEqual(["row-without-identifier"]);
    // The second client's calculation table is the document's seventh table: its row 2 is Dr Petit.
    expect(helpLines(intake)).toEqual([
      "La ligne 2 du 7e tableau du document « BDC GHT.docx » (en comptant sa ligne d'en-tête) indique un établissement ou un médecin sans FINESS géographique ni numéro d'AM lisible : il n'a pas été compté. Indiquez le FINESS géographique de chaque établissement et les numéros d'AM de chaque médecin libéral (le RPPS seul ne suffit pas, et une formule en erreur comme #N/A ne donne aucun numéro).",
    ]);
  });

  it("says a Word document holds no order-form table only when nothing else gave the request", async () => {
    const letter = wordDocument(
      [
        paragraph(run("Objet : commande RIS", true)),
        paragraph("Madame, Monsieur, veuillez trouver notre commande."),
      ].join(""),
    );
    const alone = await request([{ filename: "Courrier.docx", content: letter, contentType: DOCX }]);
    expect(alone.calculation?.problems).toContain("attachment-without-table");
    expect(helpLines(alone).join("\n")).toContain(
      "La pièce jointe « Courrier.docx » ne contient pas le tableau du bon de commande",
    );
    const withBody = await request(
      [{ filename: "Courrier.docx", content: letter, contentType: DOCX }],
      "Référence : CH Lens\nType d'activité : Radiologie\nFINESS radiologie : 620100057\n",
    );
    expect(withBody.calculation).toMatchObject({ problems: [], lists: { finessRadio: ["620100057"] } });
  });

  it("reports a damaged Word document, or one that is not XML, instead of failing", async () => {
    const notXml = zipArchive([
      { name: "word/document.xml", content: Buffer.from("<w:document><w:body><w:tbl>") },
    ]);
    const noBody = zipArchive([{ name: "word/styles.xml", content: Buffer.from("<w:styles/>") }]);
    for (const content of [Buffer.from("PK\u0003\u0004 tronqué"), notXml, noBody]) {
      const intake = await request([{ filename: "BDC.docx", content, contentType: DOCX }]);
      expect(intake.calculation?.problems).toContain("attachment-unreadable");
    }
  });

  it("refuses a decompression bomb before parsing it", async () => {
    const paragraphs = Buffer.from(
      `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${"<w:p/>".repeat(400_000)}</w:body></w:document>`,
    );
    const bomb = zipArchive([{ name: "word/document.xml", content: paragraphs }]);
    await expect(readOrderForm(bomb, "docx", null)).rejects.toThrow(/too many rows or cells/);
    const lying = zipArchive([{ name: "word/document.xml", content: paragraphs, declared: 1000 }]);
    await expect(readOrderForm(lying, "docx", null)).rejects.toThrow();
  });
});
