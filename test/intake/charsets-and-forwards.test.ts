import { describe, expect, it } from "vitest";
import { readInbound } from "../../src/intake/intake.ts";
import type { Mailbox } from "../../src/intake/types.ts";
import { authenticatedHeaders, intakeContext, RESULT_SUBJECT, RESULT_TEXT } from "../helpers/intake.ts";

const JEAN = "Jean Dupont <jean.dupont@editeur-radiologie.fr>";

/** The bytes of Windows-1252 text (CRLF), for the characters French mail uses. */
const WINDOWS_1252_EXTRAS: Record<string, number> = {
  "€": 0x80,
  "…": 0x85,
  "‘": 0x91,
  "’": 0x92,
  "–": 0x96,
  "—": 0x97,
  œ: 0x9c,
};
function windows1252(text: string): Buffer {
  const crlf = text.replace(/\r?\n/g, "\r\n");
  return Buffer.from(
    [...crlf].map((c) => {
      const code = WINDOWS_1252_EXTRAS[c] ?? c.charCodeAt(0);
      if (code > 0xff) throw new Error(`not in Windows-1252: ${c}`);
      return code;
    }),
  );
}

/** A raw message from header fields and body bytes (a string is written as UTF-8, CRLF). */
function message(headers: Record<string, string>, body: Buffer | string): Buffer {
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n");
  const bytes = typeof body === "string" ? Buffer.from(body.replace(/\r?\n/g, "\r\n"), "utf8") : body;
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, "latin1"), bytes]);
}

const read = (raw: Buffer, mailbox: Mailbox = "submissions") => readInbound(raw, intakeContext({}, mailbox));

const emptyLists = { amRadio: [], finessRadio: [], amMn: [], finessMn: [] };

describe("8-bit text sent without its charset, or under a wrong one", () => {
  const outlookPlain = [
    "Bonjour,",
    "",
    "Merci de calculer la tranche pour la commande suivante :",
    "",
    "Référence : Clinique Sainte-Thérèse",
    "Type d’activité : Mixte",
    "N° FINESS radiologie : 920000650",
    "N° FINESS médecine nucléaire : 750712184",
    "",
    "Cordialement,",
    "Jean Dupont",
    "Éditeur RIS – service commercial",
  ].join("\n");
  const expected = {
    reference: "Clinique Sainte-Thérèse",
    activity: "mixte",
    lists: { ...emptyLists, finessRadio: ["920000650"], finessMn: ["750712184"] },
    problems: [],
  };

  it("reads a Windows-1252 request sent with no charset, accented labels and nuclear line included", async () => {
    const headers = authenticatedHeaders(JEAN, { "Content-Type": "text/plain" });
    const intake = await read(message(headers, windows1252(outlookPlain)));
    expect(intake.kind).toBe("calculation");
    expect(intake.calculation).toMatchObject(expected);
  });

  it("reads Windows-1252 text labelled utf-8 or us-ascii, in 8bit, quoted-printable or base64", async () => {
    const bytes = windows1252(outlookPlain);
    const qp = [...bytes]
      .map((b) => (b >= 0x80 || b === 0x3d ? `=${b.toString(16).toUpperCase()}` : String.fromCharCode(b)))
      .join("");
    const bodies = {
      "8bit": bytes,
      "quoted-printable": Buffer.from(qp, "latin1"),
      base64: Buffer.from(bytes.toString("base64").replace(/.{76}/g, "$&\r\n")),
    };
    for (const charset of ["utf-8", "us-ascii"]) {
      for (const [encoding, body] of Object.entries(bodies)) {
        const headers = authenticatedHeaders(JEAN, {
          "Content-Type": `text/plain; charset=${charset}`,
          "Content-Transfer-Encoding": encoding,
        });
        const intake = await read(message(headers, body));
        expect(intake.calculation, `${charset} ${encoding}`).toMatchObject(expected);
      }
    }
  });

  it("reads an Outlook multipart message whose text and HTML parts both lack a charset", async () => {
    const html = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head><body><p class="MsoNormal">Référence : Clinique Sainte-Thérèse</p><p class="MsoNormal">Type d’activité : Mixte</p><p class="MsoNormal">N° FINESS radiologie : 920000650</p><p class="MsoNormal">N° FINESS médecine nucléaire : 750712184</p></body></html>`;
    const body = Buffer.concat([
      Buffer.from("--_000_PR1P264MB_\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"),
      windows1252(outlookPlain),
      Buffer.from(
        "\r\n--_000_PR1P264MB_\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
      ),
      windows1252(html),
      Buffer.from("\r\n--_000_PR1P264MB_--\r\n"),
    ]);
    const headers = authenticatedHeaders(JEAN, {
      "Content-Type": 'multipart/alternative; boundary="_000_PR1P264MB_"',
    });
    const intake = await read(message(headers, body));
    expect(intake.calculation).toMatchObject(expected);
  });

  it("honours an HTML part's <meta charset> when the MIME header names none", async () => {
    // ISO-8859-15 writes « œ » as 0xBD, which Windows-1252 would read as « ½ ».
    const html =
      "<html><head><meta charset=\"iso-8859-15\"></head><body><div>Référence : Centre d'imagerie du Sacré-Cœur</div><div>Type d'activité : Médecine nucléaire</div><div>N° FINESS médecine nucléaire : 750712184</div></body></html>";
    const bytes = Buffer.from([...html].map((c) => (c === "œ" ? 0xbd : c.charCodeAt(0))));
    const headers = authenticatedHeaders(JEAN, { "Content-Type": "text/html" });
    const intake = await read(message(headers, bytes));
    expect(intake.calculation).toMatchObject({
      reference: "Centre d'imagerie du Sacré-Cœur",
      activity: "medecine-nucleaire",
      lists: { ...emptyLists, finessMn: ["750712184"] },
    });
  });

  it("keeps reading UTF-8 text as UTF-8 when one stray byte in it is not", async () => {
    const body = Buffer.concat([
      Buffer.from(
        "Référence : Clinique Sainte-Thérèse\r\nActivité : radiologie\r\nFINESS radiologie : 920000650\r\n",
      ),
      Buffer.from([0x4a, 0x92, 0x0d, 0x0a]),
    ]);
    const intake = await read(message(authenticatedHeaders(JEAN), body));
    expect(intake.calculation?.reference).toBe("Clinique Sainte-Thérèse");
  });

  it("reads UTF-8 text declared ISO-8859-1 or Windows-1252: no nuclear field lost to « mÃ©decine »", async () => {
    // Without N° or accents in the radiology label, that field alone survived the wrong charset: a
    // result counting radiology only, the nuclear-medicine fields silently dropped.
    const text = [
      "Reference : Clinique Sainte-Thérèse",
      "FINESS radiologie : 920000650",
      "N° FINESS médecine nucléaire : 750712184",
      "AM médecine nucléaire : 131234567",
    ].join("\n");
    const utf8 = Buffer.from(text.replace(/\n/g, "\r\n"), "utf8");
    const qp = [...utf8]
      .map((b) => (b >= 0x80 || b === 0x3d ? `=${b.toString(16).toUpperCase()}` : String.fromCharCode(b)))
      .join("");
    const html = `<html><body><p>${text.split("\n").join("</p><p>")}</p></body></html>`;
    const bodies: [string, string, Buffer][] = [
      ["text/plain", "8bit", utf8],
      ["text/plain", "quoted-printable", Buffer.from(qp, "latin1")],
      ["text/html", "base64", Buffer.from(Buffer.from(html).toString("base64"))],
    ];
    for (const charset of ["iso-8859-1", "windows-1252", "iso-8859-15"]) {
      for (const [type, encoding, body] of bodies) {
        const headers = authenticatedHeaders(JEAN, {
          "Content-Type": `${type}; charset=${charset}`,
          "Content-Transfer-Encoding": encoding,
        });
        const intake = await read(message(headers, body));
        expect(intake.calculation, `${charset} ${type} ${encoding}`).toMatchObject({
          reference: "Clinique Sainte-Thérèse",
          lists: { ...emptyLists, finessRadio: ["920000650"], finessMn: ["750712184"], amMn: ["131234567"] },
          problems: [],
        });
      }
    }
  });

  it("keeps real ISO-8859-1 text as it is declared, « Â » and « Ã » included", async () => {
    const text = "Référence : CHÂTEAU-THIERRY Ã\r\nFINESS médecine nucléaire : 750712184\r\n";
    const headers = authenticatedHeaders(JEAN, { "Content-Type": "text/plain; charset=iso-8859-1" });
    const intake = await read(message(headers, Buffer.from(text, "latin1")));
    expect(intake.calculation).toMatchObject({
      reference: "CHÂTEAU-THIERRY Ã",
      lists: { ...emptyLists, finessMn: ["750712184"] },
    });
  });
  it("finishes on hostile structures: deep nesting, many parts, delimiter-like runs, over undeclared 8-bit text", async () => {
    let nested = "R\xe9f\xe9rence : CH\r\n";
    for (let i = 0; i < 3000; i++)
      nested = `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n${nested}`;
    const siblings = `${"--top\r\nContent-Type: text/plain\r\n\r\nR\xe9f\xe9rence\r\n".repeat(3000)}--top--\r\n`;
    const bodies: [string, string][] = [
      ["b0", nested],
      ["top", siblings],
      ["-", `${"-".repeat(900_000)}\xe9`],
    ];
    // The subject, « Demande de calcul », names no reference either.
    const help = { kind: "calculation", problems: ["no-identifiers", "missing-reference"], why: undefined };
    const expected: Record<string, unknown> = {
      b0: help,
      top: { kind: "unreadable", problems: undefined, why: "malformed" },
      "-": help,
    };
    for (const [boundary, body] of bodies) {
      const headers = authenticatedHeaders(JEAN, {
        "Content-Type": `multipart/mixed; boundary="${boundary}"`,
      });
      const intake = await read(message(headers, Buffer.from(body, "latin1")));
      // Each is answered: with help naming what is missing, or as a message that cannot be read.
      expect({
        kind: intake.kind,
        problems: intake.calculation?.problems,
        why: intake.unreadable?.reason,
      }).toEqual(expected[boundary]);
    }
  });
});

describe("an Outlook reply header whose À and Cc lines are wrapped", () => {
  it("cuts the quoted earlier request below it, however many lines the header takes", async () => {
    const body = [
      "Bonjour,",
      "",
      "Voici la demande corrigée.",
      "",
      "Référence : CH de Lens",
      "FINESS radiologie : 920000650",
      "",
      "Jean",
      "",
      "De : Jean Dupont <jean.dupont@editeur-radiologie.fr>",
      "Envoyé : lundi 17 novembre 2025 10:12",
      "À : calcul@example.test; Marie Curie <marie.curie@editeur-radiologie.fr>; Paul",
      "Martin <paul.martin@editeur-radiologie.fr>; Sophie Bernard",
      "<sophie.bernard@editeur-radiologie.fr>",
      "Cc : Service commercial <commercial@editeur-radiologie.fr>; Direction",
      "<direction@editeur-radiologie.fr>",
      "Objet : Demande de calcul CH de Lens",
      "",
      "Référence : CH de Lens (ancienne)",
      "FINESS radiologie : 750712184",
    ].join("\n");
    const headers = authenticatedHeaders(JEAN, { Subject: "RE: Demande de calcul CH de Lens" });
    const intake = await read(message(headers, body));
    expect(intake.calculation).toMatchObject({
      reference: "CH de Lens",
      lists: { ...emptyLists, finessRadio: ["920000650"] },
    });
    expect(intake.ownText).not.toContain("750712184");
  });

  it("keeps the sender's text that happens to start a line with « De : » above fields and an « Objet : »", async () => {
    const body = [
      "Bonjour,",
      "",
      "De : la part de Marie Curie, voici notre demande.",
      "Référence : CH de Lens",
      "Type d'activité : Radiologie",
      "FINESS radiologie : 920000650",
      "AM radiologie : 751234567",
      "Date : souhaitée avant le 30 novembre",
      "Objet : bon de commande RIS n° 2025-118",
    ].join("\n");
    const intake = await read(message(authenticatedHeaders(JEAN), body));
    expect(intake.calculation?.lists).toEqual({
      ...emptyLists,
      finessRadio: ["920000650"],
      amRadio: ["751234567"],
    });
  });
});

const REQUEST = [
  "Bonjour Jean,",
  "",
  "Peux-tu faire calculer la tranche pour le CH de Lens ?",
  "",
  "Référence : CH de Lens",
  "Type d'activité : Radiologie",
  "N° FINESS radiologie : 920000650 ; 750712184",
  "",
  "Merci,",
  "Marie",
].join("\n");
const REQUEST_READ = {
  reference: "CH de Lens",
  activity: "radiologie",
  lists: { ...emptyLists, finessRadio: ["920000650", "750712184"] },
  problems: [],
};

/** An inner message as Outlook attaches it ("Transférer en tant que pièce jointe"). */
function innerMessage(from: string, subject: string, contentType: string, body: string): string {
  return [
    `From: ${from}`,
    "To: Jean Dupont <jean.dupont@editeur-radiologie.fr>",
    `Subject: ${subject}`,
    `Thread-Topic: ${subject}`,
    "Date: Fri, 14 Nov 2025 16:40:12 +0000",
    "Message-ID: <PR1P264MB3471.inner@PR1P264MB3471.FRAP264.PROD.OUTLOOK.COM>",
    "MIME-Version: 1.0",
    `Content-Type: ${contentType}`,
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.from(body.replace(/\r?\n/g, "\r\n")).toString("base64").replace(/.{76}/g, "$&\r\n"),
  ].join("\r\n");
}

/** Jean's Outlook message: his note (text and HTML), then the attached messages. */
function forwardedAsAttachment(
  note: string,
  attached: string[],
  subject = "TR: Demande de calcul CH de Lens",
) {
  const html = `<html><body><div class="WordSection1">${note
    .split("\n")
    .map((l) => `<p class="MsoNormal">${l || "&nbsp;"}</p>`)
    .join("")}</div></body></html>`;
  const parts = [
    "--_004_PR1P264MB3471_",
    'Content-Type: multipart/alternative; boundary="_000_PR1P264MB3471_"',
    "",
    "--_000_PR1P264MB3471_",
    'Content-Type: text/plain; charset="utf-8"',
    "Content-Transfer-Encoding: 8bit",
    "",
    note,
    "--_000_PR1P264MB3471_",
    'Content-Type: text/html; charset="utf-8"',
    "Content-Transfer-Encoding: 8bit",
    "",
    html,
    "--_000_PR1P264MB3471_--",
    "",
    ...attached.flatMap((inner) => [
      "--_004_PR1P264MB3471_",
      "Content-Type: message/rfc822",
      'Content-Disposition: attachment; creation-date="Mon, 17 Nov 2025 09:12:01 GMT"',
      "",
      inner,
      "",
    ]),
    "--_004_PR1P264MB3471_--",
    "",
  ].join("\r\n");
  const headers = authenticatedHeaders(JEAN, {
    Subject: subject,
    "Content-Type": 'multipart/mixed; boundary="_004_PR1P264MB3471_"',
  });
  return message(headers, parts);
}

const MARIE = "Marie Curie <marie.curie@editeur-radiologie.fr>";
const NOTE = "Bonjour,\n\nJe vous transfère la demande de ma collègue.\n\nCordialement,\nJean Dupont";

describe("a request forwarded as an attached message (message/rfc822)", () => {
  it("reads the request in the attached message's plain text", async () => {
    const inner = innerMessage(MARIE, "Demande de calcul CH de Lens", 'text/plain; charset="utf-8"', REQUEST);
    const intake = await read(forwardedAsAttachment(NOTE, [inner]));
    expect(intake.kind).toBe("calculation");
    expect(intake.calculation).toMatchObject(REQUEST_READ);
    expect(intake.calculation?.sources).toEqual(["Demande de calcul CH de Lens.eml"]);
  });

  it("reads an HTML-only attached message the way a body is read, its table included", async () => {
    const html = `<html><body><p>Bonjour Jean,</p><table><tr><td>Référence</td><td>CH de Lens</td></tr><tr><td>Type d'activité</td><td>Radiologie</td></tr><tr><td>N° FINESS radiologie</td><td>920000650 ; 750712184</td></tr></table><p>Marie</p></body></html>`;
    const inner = innerMessage(MARIE, "Demande de calcul CH de Lens", 'text/html; charset="utf-8"', html);
    const intake = await read(forwardedAsAttachment(NOTE, [inner]));
    expect(intake.calculation).toMatchObject(REQUEST_READ);
  });

  it("reads the request written in the message itself, not an older one attached", async () => {
    const own =
      "Bonjour,\n\nDemande corrigée :\nRéférence : CH de Lens\nActivité : radiologie\nFINESS radiologie : 620100057\n";
    const inner = innerMessage(MARIE, "Demande de calcul CH de Lens", 'text/plain; charset="utf-8"', REQUEST);
    const intake = await read(forwardedAsAttachment(own, [inner]));
    expect(intake.calculation?.lists).toEqual({ ...emptyLists, finessRadio: ["620100057"] });
  });

  it("never reads as a request the tables of a result of ours forwarded as attachment", async () => {
    const inner = innerMessage(
      "<no-reply@example.test>",
      RESULT_SUBJECT,
      'text/plain; charset="utf-8"',
      RESULT_TEXT,
    );
    const onSubmissions = await read(forwardedAsAttachment("Pour calcul.", [inner], `TR: ${RESULT_SUBJECT}`));
    expect(onSubmissions.kind).toBe("support");
    expect(onSubmissions.calculation).toBeNull();
    const complaint =
      "Bonjour,\n\nJe conteste ce calcul : le CH de Lens a bien une activité de radiologie.\n\nJean";
    const onContact = await read(
      forwardedAsAttachment(complaint, [inner], `TR: ${RESULT_SUBJECT}`),
      "contact",
    );
    expect(onContact.kind).toBe("support");
    expect(onContact.support).toMatchObject({ category: "dispute", repliesToResult: true });
    expect(onContact.calculationIds).toEqual(["TR-2026-000123"]);
  });

  it("does not look into a message attached to the attached message (one level only)", async () => {
    const deepest = innerMessage(
      MARIE,
      "Demande de calcul CH de Lens",
      'text/plain; charset="utf-8"',
      REQUEST,
    );
    const middle = [
      `From: ${MARIE}`,
      "Subject: TR: Demande de calcul CH de Lens",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="inner"',
      "",
      "--inner",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Voir la pièce jointe.",
      "--inner",
      "Content-Type: message/rfc822",
      "Content-Disposition: attachment",
      "",
      deepest,
      "--inner--",
    ].join("\r\n");
    const intake = await read(forwardedAsAttachment(NOTE, [middle]));
    expect(intake.calculation?.problems).toContain("no-identifiers");
  });

  it("does not read an attached message over the attachment size limit", async () => {
    const inner = innerMessage(MARIE, "Demande de calcul CH de Lens", 'text/plain; charset="utf-8"', REQUEST);
    const context = intakeContext({
      limits: { maxBodyBytes: 100_000, maxAttachmentBytes: 200, maxAttachments: 5, maxIdentifiers: 100 },
    });
    const intake = await readInbound(forwardedAsAttachment(NOTE, [inner]), context);
    expect(intake.calculation?.problems).toContain("no-identifiers");
  });
});

/** Outlook's inline forward: its rule, then the forwarded message's header block. */
const outlookForward = (note: string) =>
  [
    note,
    "",
    "________________________________",
    "De : Marie Curie <marie.curie@editeur-radiologie.fr>",
    "Envoyé : vendredi 14 novembre 2025 17:40",
    "À : Jean Dupont <jean.dupont@editeur-radiologie.fr>",
    "Objet : Demande de calcul CH de Lens",
    "",
    REQUEST,
  ].join("\n");

describe("an Outlook inline forward whose subject lost its « TR: »", () => {
  for (const note of [
    "Bonjour,\n\nJe vous transfère la demande de ma collègue, merci de la traiter.\n\nCordialement,\nJean Dupont\nÉditeur Radiologie – 01 23 45 67 89",
    "Voir ci-dessous.",
    "Pour calcul, merci.",
    "",
  ]) {
    it(`reads the forwarded request under the note ${JSON.stringify(note.split("\n")[0])}`, async () => {
      const headers = authenticatedHeaders(JEAN, { Subject: "Calcul CH de Lens" });
      const intake = await read(message(headers, outlookForward(note)));
      expect(intake.kind).toBe("calculation");
      expect(intake.calculation).toMatchObject(REQUEST_READ);
    });
  }

  it("still cuts a reply quote when the sender's own text above holds the new request", async () => {
    const note = "Voir ci-dessous, demande corrigée :\nRéférence : CH de Lens\nFINESS radiologie : 620100057";
    const headers = authenticatedHeaders(JEAN, { Subject: "Calcul CH de Lens" });
    const intake = await read(message(headers, outlookForward(note)));
    expect(intake.calculation?.lists).toEqual({ ...emptyLists, finessRadio: ["620100057"] });
  });

  it("still cuts a reply quote under a « RE: » subject, even below a short note", async () => {
    const headers = authenticatedHeaders(JEAN, { Subject: "RE: Demande de calcul CH de Lens" });
    const intake = await read(message(headers, outlookForward("Voir ci-dessous.")));
    expect(intake.calculation?.problems).toContain("no-identifiers");
  });
});

/** What Apple Mail sends as HTML for a forward: the forwarded message in a <blockquote type="cite">. */
function appleMailForward(note: string, forwarded: string): string {
  const lines = forwarded
    .split("\n")
    .map((l) => `<div>${l || "<br>"}</div>`)
    .join("");
  return `<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word;" dir="auto">${note}<br id="lineBreakAtBeginningOfMessage"><div><br><blockquote type="cite"><div>Début du message réexpédié&nbsp;:</div><br class="Apple-interchange-newline"><div style="margin-top: 0px;"><span><b>De: </b></span><span>Marie Curie &lt;marie.curie@editeur-radiologie.fr&gt;<br></span></div><div><span><b>Objet: </b></span><span><b>Demande de calcul CH de Lens</b><br></span></div><div><span><b>Date: </b></span><span>14 novembre 2025 à 17:40:12 UTC+1<br></span></div><div><span><b>À: </b></span><span>Jean Dupont &lt;jean.dupont@editeur-radiologie.fr&gt;<br></span></div><br><div>${lines}<blockquote type="cite"><div>Référence : CH de Lens (ancienne demande)</div><div>N° FINESS radiologie : 620100057</div></blockquote></div></blockquote></div><br></body></html>`;
}

describe("an Apple Mail HTML-only forward", () => {
  const html = (subject: string, note: string, forwarded = REQUEST) =>
    message(
      authenticatedHeaders(JEAN, {
        Subject: subject,
        "Content-Type": "text/html; charset=utf-8",
        "X-Mailer": "Apple Mail (2.3776.700.51)",
      }),
      appleMailForward(note, forwarded),
    );

  it("reads the forwarded message html-to-text writes as a « > » quote, not what it quotes itself", async () => {
    const intake = await read(html("Fwd: Demande de calcul CH de Lens", "Pour calcul, merci."));
    expect(intake.calculation).toMatchObject(REQUEST_READ);
  });

  it("reads it under a short note when the subject lost its « Fwd: »", async () => {
    const intake = await read(html("Calcul CH de Lens", "Je vous transfère la demande de Marie."));
    expect(intake.calculation).toMatchObject(REQUEST_READ);
  });

  it("never reads as a request the tables of a result of ours forwarded that way", async () => {
    const intake = await read(html(`Fwd: ${RESULT_SUBJECT}`, "Pour info.", RESULT_TEXT));
    expect(intake.kind).toBe("support");
    expect(intake.calculation).toBeNull();
  });

  it("still drops a quoted forward in a reply that holds its own request", async () => {
    const body = [
      "Référence : CH de Lens",
      "Activité : radiologie",
      "FINESS radiologie : 620100057",
      "",
      "> ---------- Forwarded message ---------",
      "> De : Marie Curie <marie.curie@editeur-radiologie.fr>",
      "> Référence : CH de Lens (ancienne)",
      "> FINESS radiologie : 920000650",
    ].join("\n");
    const intake = await read(message(authenticatedHeaders(JEAN, { Subject: "Calcul CH de Lens" }), body));
    expect(intake.calculation?.lists).toEqual({ ...emptyLists, finessRadio: ["620100057"] });
  });

  it("never answers again the forwarded request a « Re: Fwd: » thank-you quotes", async () => {
    const body = [
      "Bien reçu, merci.",
      "Paul",
      "",
      "> ---------- Forwarded message ---------",
      "> De : Marie Curie <marie.curie@editeur-radiologie.fr>",
      "> Référence : CH X",
      "> FINESS radiologie : 920000650",
    ].join("\n");
    const headers = authenticatedHeaders(JEAN, { Subject: "Re: Fwd: Demande de calcul" });
    const intake = await read(message(headers, body));
    expect(intake.calculation?.lists ?? emptyLists).toEqual(emptyLists);
  });
});
