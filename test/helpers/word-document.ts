import { zipArchive } from "./zip.ts";

// WordprocessingML as Word writes it: runs with their properties, revision ids, proofing marks.

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A run of text; Word splits a word across runs where its formatting or revision changes. */
export const run = (text: string, bold = false) =>
  `<w:r w:rsidRPr="00C41F2A">${bold ? "<w:rPr><w:b/><w:bCs/></w:rPr>" : '<w:rPr><w:rFonts w:ascii="Marianne" w:hAnsi="Marianne"/><w:sz w:val="18"/></w:rPr>'}<w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r>`;

/** A paragraph of runs (a string is one run). */
export const paragraph = (...runs: string[]) =>
  `<w:p w:rsidR="00A81C3E" w:rsidRDefault="00A81C3E"><w:pPr><w:spacing w:after="0"/></w:pPr>${runs
    .map((r) => (r.startsWith("<") ? r : run(r)))
    .join("")}</w:p>`;

export interface CellOptions {
  span?: number;
  merge?: "restart" | "continue";
}

/** A cell of paragraphs: a string is one paragraph, lines of it are paragraphs too (as Word has them). */
export function cell(content: string, options: CellOptions = {}): string {
  const props = [
    '<w:tcW w:w="1870" w:type="dxa"/>',
    options.span ? `<w:gridSpan w:val="${options.span}"/>` : "",
    options.merge === "restart"
      ? '<w:vMerge w:val="restart"/>'
      : options.merge === "continue"
        ? "<w:vMerge/>"
        : "",
  ].join("");
  const body = content.startsWith("<")
    ? content
    : content
        .split("\n")
        .map((line) => paragraph(line))
        .join("");
  // Word always writes a paragraph in a cell, even an empty one.
  return `<w:tc><w:tcPr>${props}</w:tcPr>${body || paragraph()}</w:tc>`;
}

export const row = (cells: readonly string[]) =>
  `<w:tr w:rsidR="00A81C3E" w:rsidTr="00B2204F"><w:trPr><w:trHeight w:val="340"/></w:trPr>${cells
    .map((c) => (c.startsWith("<w:tc>") ? c : cell(c)))
    .join("")}</w:tr>`;

export function table(rows: readonly (readonly string[])[], columns = rows[0]?.length ?? 1): string {
  const grid = Array.from({ length: columns }, () => '<w:gridCol w:w="1870"/>').join("");
  return `<w:tbl><w:tblPr><w:tblStyle w:val="Grilledutableau"/><w:tblW w:w="0" w:type="auto"/><w:tblLook w:val="04A0"/></w:tblPr><w:tblGrid>${grid}</w:tblGrid>${rows
    .map(row)
    .join("")}</w:tbl>`;
}

/** A .docx file whose body is the given WordprocessingML. */
export function wordDocument(body: string): Buffer {
  const document = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" mc:Ignorable="w14"><w:body>${body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1417" w:right="1417" w:bottom="1417" w:left="1417"/></w:sectPr></w:body></w:document>`;
  const entries = {
    "[Content_Types].xml":
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    "_rels/.rels":
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    "word/document.xml": document,
    "word/_rels/document.xml.rels":
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>',
  };
  return zipArchive(
    Object.entries(entries).map(([name, content]) => ({ name, content: Buffer.from(content) })),
  );
}

/** The calculation table's header, as the official order-form model words it. */
export const MODEL_HEADER = [
  "Nom de l'établissement de santé ou du médecin libéral",
  "FINESS Géographique\n(si Etablissement de santé)",
  "RPPS\n(si médecin libéral)",
  "Numéros d'AM\n(si médecin libéral)\nPeut contenir plusieurs numéros d'AM pour un même médecin",
  "Activité adressée par l'instance logicielle\n(radiologie, médecine nucléaire ou mixte pour un établissement)",
];

/**
 * One client's page of the official order-form model (« Modèles de bons de commande IMG RIS et DB
 * Vague2 »): the client's table, the de minimis aid table, the calculation table, the signature.
 */
export function clientPage(n: number, client: string, rows: readonly (readonly string[])[]): string {
  return [
    paragraph(run(`CLIENT N°${n} :`, true)),
    table([
      [
        "Nom de la structure",
        "SIREN",
        "Nom du représentant légal",
        "Téléphone",
        "Mail",
        "La structure a-t-elle perçu des aides de minimis ?",
      ],
      [client, "267 500 452", "Mme Durand", "01 23 45 67 89", "direction@ch-exemple.test", "☐ Oui ☒ Non"],
    ]),
    paragraph("Si la structure a perçu des aides de minimis, merci de compléter le tableau ci-dessous :"),
    table([
      ["Date d'attribution", "Montant"],
      ["", ""],
    ]),
    paragraph(run("Informations pour le calcul du financement (à indiquer pour chaque client) :", true)),
    paragraph("Remplir une ligne par établissement de santé ou médecin libéral concerné."),
    table([MODEL_HEADER.map((h) => cell(h)), ...rows]),
    paragraph("Le JJ/MM/AAAA"),
    table([
      ["Nom de la structure", "Nom du représentant légal", "Signature"],
      [client, "Mme Durand", ""],
    ]),
  ].join("");
}

/** The whole model: the order's identification, the supplier, then one page per client. */
export function officialOrderForm(
  clients: readonly { name: string; rows: readonly (readonly string[])[] }[],
): Buffer {
  return wordDocument(
    [
      paragraph(run("IDENTIFICATION DU BON DE COMMANDE", true)),
      paragraph("Référence de l'appel à financement : AF-IMG-RIS-Va2"),
      paragraph("Numéro du bon de commande : BC-2026-0417"),
      paragraph(run("FOURNISSEUR", true)),
      paragraph("Dénomination sociale : Éditeur Radiologie SAS"),
      ...clients.map((c, i) => clientPage(i + 1, c.name, c.rows)),
    ].join(""),
  );
}
