import MailComposer from "nodemailer/lib/mail-composer";
import { describe, expect, it } from "vitest";
import { rawBudget, readInbound } from "../../src/intake/intake.ts";
import { createRenderer } from "../../src/render/renderer.ts";
import { SAMPLE_DATA } from "../../src/render/samples.ts";
import {
  authenticatedHeaders,
  intakeContext,
  mailFixture,
  RESULT_SUBJECT,
  RESULT_TEXT,
  rawMessage,
  readHtmlRequest,
} from "../helpers/intake.ts";

const JEAN = "Jean Dupont <jean.dupont@editeur-radiologie.fr>";

describe("readInbound", () => {
  it("carries what threading and support need: ids, references, sender, subject, date", async () => {
    const intake = await readInbound(
      mailFixture("dispute-reply-to-result-gmail.eml"),
      intakeContext({}, "contact"),
    );
    expect(intake.messageId).toMatch(/^<dispute-reply-to-result-gmail\.\d+@editeur-radiologie\.fr>$/);
    expect(intake.inReplyTo).toBe("<5b1f0c8e-2f7a-4c7e-9d61-0c3a1f4e8b21@example.test>");
    expect(intake.references).toEqual(["<5b1f0c8e-2f7a-4c7e-9d61-0c3a1f4e8b21@example.test>"]);
    expect(intake.from).toBe("jean.dupont@editeur-radiologie.fr");
    expect(intake.fromName).toBe("Jean Dupont");
    expect(intake.date?.toISOString()).toBe("2025-11-17T09:12:01.000Z");
    expect(intake.calculationIds).toEqual(["TR-2026-000123"]);
    expect(intake.ownText).toContain("Le FINESS 750712185 est indiqué comme invalide");
    expect(intake.ownText).not.toContain("Données valides");
  });

  it("leaves the date empty when the Date header is missing or unreadable, never the current time", async () => {
    for (const date of ["", "le 17 novembre vers midi"]) {
      const headers = { ...authenticatedHeaders(JEAN), Date: date };
      const intake = await readInbound(rawMessage(headers, "Bonjour"), intakeContext({}, "contact"));
      expect(intake.date).toBeNull();
    }
  });

  it("never throws: empty input, binary garbage and a header without body all end with a result", async () => {
    const inputs = [
      Buffer.alloc(0),
      Buffer.from([0, 1, 2, 255, 254, 10, 13, 0, 58, 58]),
      Buffer.from(
        "From: \r\nSubject: =?bogus?Q?x?=\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n",
      ),
    ];
    for (const raw of inputs) {
      const intake = await readInbound(raw, intakeContext());
      expect(intake.authentication.authenticated).toBe(false);
      expect(["unreadable", "calculation", "support"]).toContain(intake.kind);
    }
  });

  it("refuses a body over the limit instead of truncating it, and reads it quickly enough not to hang", async () => {
    const line = "FINESS radiologie : 920000650; 750712184 ".repeat(40);
    const body = `Référence : Test\n${`${line}\n`.repeat(Math.ceil((2 * 1024 * 1024) / line.length))}`;
    const intake = await readInbound(rawMessage(authenticatedHeaders(JEAN), body), intakeContext());
    expect(intake.kind).toBe("unreadable");
    expect(intake.unreadable?.reason).toBe("body-too-large");
    expect(intake.from).toBe("jean.dupont@editeur-radiologie.fr");
  });

  it("reads only the header of a message over the raw budget and says it is too large", async () => {
    const context = intakeContext({
      limits: { maxBodyBytes: 10_000, maxAttachmentBytes: 10_000, maxAttachments: 1, maxIdentifiers: 100 },
    });
    const body = "x".repeat(rawBudget(context.limits) + 10);
    const intake = await readInbound(rawMessage(authenticatedHeaders(JEAN), body), context);
    expect(intake.kind).toBe("unreadable");
    expect(intake.unreadable?.reason).toBe("message-too-large");
    expect(intake.authentication.authenticated).toBe(true);
    expect(intake.subject).toBe("Demande de calcul");
  });

  it("answers a message its mailbox read only up to the header as too large, by the full size", async () => {
    const context = intakeContext();
    const raw = rawMessage(authenticatedHeaders(JEAN), "Référence : Scans\nFINESS radiologie : 920000650\n");
    const size = rawBudget(context.limits) + 1;
    const intake = await readInbound(raw, context, size);
    expect(intake.kind).toBe("unreadable");
    expect(intake.unreadable).toEqual({
      reason: "message-too-large",
      detail: `${size} bytes, over ${rawBudget(context.limits)} read`,
    });
    expect(intake.authentication.authenticated).toBe(true);
    expect(intake.calculation).toBeNull();
  });

  it("still recognises automated mail that is too large (a bounce quoting a huge message)", async () => {
    const context = intakeContext({
      limits: { maxBodyBytes: 1000, maxAttachmentBytes: 1000, maxAttachments: 1, maxIdentifiers: 100 },
    });
    const raw = rawMessage(
      authenticatedHeaders("MAILER-DAEMON@mx.example.test", { "Return-Path": "<>" }),
      "y".repeat(rawBudget(context.limits) + 1),
    );
    const intake = await readInbound(raw, context);
    expect(intake.kind).toBe("automated");
    expect(intake.automated?.reason).toBe("bounce");
  });

  it("reads a long but legitimate request of many identifiers in one go", async () => {
    const ids = Array.from({ length: 3000 }, (_, i) => String(751000000 + i));
    const body = `Référence : Grand groupe\nActivité : radiologie\nAM radiologie : ${ids.join("; ")}\n`;
    const intake = await readInbound(rawMessage(authenticatedHeaders(JEAN), body), intakeContext());
    expect(intake.calculation?.lists.amRadio).toHaveLength(3000);
    expect(intake.calculation?.problems).toEqual([]);
  });

  it("refuses more identifiers than the limit with a named problem", async () => {
    const ids = Array.from({ length: 12 }, (_, i) => String(751000000 + i));
    const body = `Référence : Groupe\nActivité : radiologie\nAM radiologie : ${ids.join("; ")}\n`;
    const context = intakeContext({
      limits: { maxBodyBytes: 100_000, maxAttachmentBytes: 100_000, maxAttachments: 2, maxIdentifiers: 10 },
    });
    const intake = await readInbound(rawMessage(authenticatedHeaders(JEAN), body), context);
    expect(intake.calculation?.problems).toEqual(["too-many-identifiers"]);
  });

  it("refuses an order-form table larger than the attachment limit", async () => {
    const csv = `Nom;FINESS;Activité\n${"CH X;920000650;radiologie\n".repeat(200)}`;
    const raw = await new MailComposer({
      from: JEAN,
      to: "calcul@example.test",
      subject: "Gros tableau",
      text: "Bonjour, le tableau en pièce jointe.",
      attachments: [{ filename: "tableau.csv", content: csv, contentType: "text/csv" }],
      headers: { "Authentication-Results": authenticatedHeaders(JEAN)["Authentication-Results"]! },
    })
      .compile()
      .build();
    const context = intakeContext({
      limits: { maxBodyBytes: 100_000, maxAttachmentBytes: 1000, maxAttachments: 2, maxIdentifiers: 1000 },
    });
    const intake = await readInbound(raw, context);
    expect(intake.kind).toBe("calculation");
    expect(intake.calculation?.problems).toContain("attachment-too-large");
  });

  it("gives support a question to contact@ whose attached table cannot be read, not the help reply alone", async () => {
    const mail = (text: string) =>
      new MailComposer({
        from: JEAN,
        to: "contact@example.test",
        subject: "Bon de commande",
        text,
        attachments: [
          {
            filename: "BDC.xlsx",
            content: Buffer.from("pas un classeur"),
            contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          },
        ],
        headers: { "Authentication-Results": authenticatedHeaders(JEAN)["Authentication-Results"]! },
      })
        .compile()
        .build();
    const question = await readInbound(
      await mail(
        "Bonjour,\n\nLe fichier joint ne s'ouvre pas chez nous : comment remplir le bon de commande ?\n\nCordialement",
      ),
      intakeContext({}, "contact"),
    );
    expect([question.kind, question.support?.category]).toEqual(["support", "question"]);
    // Sent only to be computed, it still gets the help reply saying what could not be read.
    const request = await readInbound(
      await mail("Bonjour,\n\nVeuillez trouver ci-joint notre bon de commande.\n\nCordialement"),
      intakeContext({}, "contact"),
    );
    expect(request.kind).toBe("calculation");
    expect(request.calculation?.problems).toContain("attachment-unreadable");
  });

  it("files a question to contact@ on how to get an access as a question, not as an access request", async () => {
    for (const [subject, body] of [
      ["Accès au service", "Bonjour, comment obtenir un accès au service de calcul ? Merci"],
      [
        "Demande d'accès",
        "Bonjour,\n\nQuelle est la démarche pour créer un compte ?\n\nCordialement,\nJean Dupont",
      ],
    ] as const) {
      const raw = rawMessage(
        authenticatedHeaders(JEAN, { To: "contact@example.test", Subject: subject }),
        body,
      );
      const intake = await readInbound(raw, intakeContext({}, "contact"));
      expect([intake.kind, intake.access, intake.support?.category], body).toEqual([
        "support",
        null,
        "question",
      ]);
    }
  });

  it("answers a complete request even when the signed PDF order form is attached too", async () => {
    const raw = await new MailComposer({
      from: JEAN,
      to: "calcul@example.test",
      subject: "CH de Lens",
      text: "Activité : radiologie\nFINESS radiologie : 920000650",
      attachments: [{ filename: "BDC signé.pdf", content: Buffer.from("%PDF-1.4 …") }],
      headers: { "Authentication-Results": authenticatedHeaders(JEAN)["Authentication-Results"]! },
    })
      .compile()
      .build();
    const intake = await readInbound(raw, intakeContext());
    expect(intake.calculation?.problems).toEqual([]);
  });

  it("reads the order-form table after many inline signature images", async () => {
    const logo = { content: Buffer.from("GIF89a"), contentType: "image/gif", cid: "logo" };
    const raw = await new MailComposer({
      from: JEAN,
      to: "calcul@example.test",
      subject: "CH de Lens",
      html: '<p>Tableau joint.</p><img src="cid:logo0">',
      attachments: [
        ...Array.from({ length: 4 }, (_, i) => ({ ...logo, filename: `image00${i}.gif`, cid: `logo${i}` })),
        { filename: "tableau.csv", content: "Nom;FINESS;Activité\nCH de Lens;920000650;radiologie\n" },
      ],
      headers: { "Authentication-Results": authenticatedHeaders(JEAN)["Authentication-Results"]! },
    })
      .compile()
      .build();
    const context = intakeContext({
      limits: { maxBodyBytes: 100_000, maxAttachmentBytes: 100_000, maxAttachments: 2, maxIdentifiers: 100 },
    });
    const intake = await readInbound(raw, context);
    expect(intake.calculation?.lists.finessRadio).toEqual(["920000650"]);
  });

  it("does not answer as a request a reply quoting a result email with only thanks", async () => {
    const quoted =
      "Merci !\n\nLe lun. 17 nov. 2025 à 10:12, <no-reply@example.test> a écrit :\n> FINESS radiologie : 920000650\n> La tranche de financement calculée est = C\n";
    const intake = await readInbound(
      rawMessage(authenticatedHeaders(JEAN, { Subject: "Re: résultat" }), quoted),
      intakeContext({}, "submissions"),
    );
    expect(intake.kind).toBe("support");
    expect(intake.support?.repliesToResult).toBe(true);
  });

  it("says loudly that trust-from mode believes any From", async () => {
    const raw = rawMessage({ ...authenticatedHeaders(JEAN), "Authentication-Results": "none" }, "Bonjour");
    const intake = await readInbound(raw, intakeContext({ authMode: "trust-from" }));
    expect(intake.authentication.authenticated).toBe(true);
    expect(intake.authentication.warning).toMatch(/trust-from/);
  });

  it("authenticates nobody in a message with two From headers (the server may have judged the other)", async () => {
    const raw = rawMessage(
      authenticatedHeaders(JEAN),
      "Merci d'autoriser l'accès pour paul@editeur-radiologie.fr",
    );
    const twoFroms = Buffer.concat([Buffer.from("From: Marc <marc@autre-editeur.fr>\r\n"), raw]);
    const intake = await readInbound(twoFroms, intakeContext({}, "contact"));
    expect(intake.from).toBeNull();
    expect(intake.authentication.authenticated).toBe(false);
  });

  describe("a result of ours quoted, forwarded or answered", () => {
    const forwardedResult = [
      "---------- Forwarded message ---------",
      "De : <no-reply@example.test>",
      "Date: lun. 17 nov. 2025 à 10:12",
      `Subject: ${RESULT_SUBJECT}`,
      "",
      RESULT_TEXT,
    ].join("\n");

    it("files for support a dispute replying to a result on contact@, even one listing identifiers", async () => {
      const raw = rawMessage(
        authenticatedHeaders(JEAN, {
          To: "contact@example.test",
          Subject: `Re: ${RESULT_SUBJECT}`,
          "In-Reply-To": "<5b1f0c8e-2f7a-4c7e-9d61-0c3a1f4e8b21@example.test>",
        }),
        "Bonjour,\n\nJe conteste ce calcul, il manque :\nFINESS radiologie : 750712184\n\nJean",
      );
      const intake = await readInbound(raw, intakeContext({}, "contact"));
      expect(intake.kind).toBe("support");
      expect(intake.support).toMatchObject({ category: "dispute", repliesToResult: true });
      expect(intake.calculation).toBeNull();
    });

    it("files for support a result forwarded to contact@ with a complaint, never recalculating its tables", async () => {
      const raw = rawMessage(
        authenticatedHeaders(JEAN, { To: "contact@example.test", Subject: `TR: ${RESULT_SUBJECT}` }),
        `Bonjour,\n\nJe conteste ce calcul : le CH de Lens a bien une activité de radiologie.\n\n${forwardedResult}`,
      );
      const intake = await readInbound(raw, intakeContext({}, "contact"));
      expect(intake.kind).toBe("support");
      expect(intake.support).toMatchObject({ category: "dispute", repliesToResult: true });
      expect(intake.calculationIds).toEqual(["TR-2026-000123"]);
    });

    it("files a question forwarding a result as a question: the result's « Données invalides » are not the sender's words", async () => {
      const raw = rawMessage(
        authenticatedHeaders(JEAN, { To: "contact@example.test", Subject: `TR: ${RESULT_SUBJECT}` }),
        `Bonjour,\n\nComment est calculé le total ?\n\n${forwardedResult}`,
      );
      const intake = await readInbound(raw, intakeContext({}, "contact"));
      expect(intake.kind).toBe("support");
      expect(intake.support).toMatchObject({ category: "question", repliesToResult: true });
      expect(intake.calculationIds).toEqual(["TR-2026-000123"]);
    });

    it("reads on the submission inbox only the request written above a forwarded result", async () => {
      const raw = rawMessage(
        authenticatedHeaders(JEAN, { Subject: "TR: demande corrigée" }),
        `Référence : CH de Lens\nActivité : radiologie\nFINESS radiologie : 750712184\n\n${forwardedResult}`,
      );
      const intake = await readInbound(raw, intakeContext({}, "submissions"));
      expect(intake.kind).toBe("calculation");
      expect(intake.calculation?.lists).toEqual({
        amRadio: [],
        finessRadio: ["750712184"],
        amMn: [],
        finessMn: [],
      });
      expect(intake.calculation?.reference).toBe("CH de Lens");
    });
  });

  describe("an email of ours quoted whole, without quote marks, by an auto-responder", () => {
    const ABSENT = [
      "Bonjour,",
      "",
      "Je suis absente du bureau jusqu'au 3 décembre inclus. Votre message sera traité à mon retour.",
      "",
      "Jeanne Martin",
    ].join("\n");
    const HELP_REPLY = [
      "Demande de calcul incomplète",
      "",
      "Bonjour,",
      "",
      "Votre demande de calcul « Calcul », envoyée depuis jeanne.martin@editeur-ris.fr, n'a pas pu être traitée : des informations manquent ou n'ont pas pu être lues. Aucun calcul n'a été fait.",
      "",
      "Format attendu : envoyez à calcul@example.test un nouveau message dont le corps reprend ces libellés, avec vos valeurs :",
      "",
      "Email : jeanne.martin@editeur-ris.fr",
      "Référence : Centre d'imagerie des Tilleuls",
      "Type d'activité : Mixte",
      "FINESS radiologie : 920000650; 750712184",
      "AM radiologie : 751234567; 921234566",
      "FINESS médecine nucléaire : 920000650",
      "AM médecine nucléaire : 131234568",
      "",
      "Bonne réception.",
      "",
      "--",
      "Ce message a été envoyé automatiquement par le service de calcul de la tranche de financement.",
    ].join("\n");
    const UNAUTHORISED_REPLY = [
      "Adresse non autorisée à demander un calcul",
      "",
      "Bonjour,",
      "",
      "Votre demande de calcul (référence « CH Lens ») n'a pas été traitée : l'adresse jeanne.martin@editeur-ris.fr n'est pas autorisée à utiliser le service de calcul de tranche de financement.",
      "",
      "Pour obtenir l'accès, écrivez à contact@example.test depuis une adresse professionnelle de votre société (pas une messagerie grand public), par exemple :",
      "",
      "    Merci d'autoriser l'accès au service pour jeanne.martin@editeur-ris.fr",
      "",
      "Bonne réception.",
    ].join("\n");
    const autoReply = (subject: string, quoted: string, to: string) =>
      rawMessage(
        authenticatedHeaders("Jeanne Martin <jeanne.martin@editeur-ris.fr>", {
          To: to,
          Subject: `RE: Ségur Numérique - Imagerie - ${subject}`,
          "In-Reply-To": "<9c1d7e2a-5b3f-4e8a-a1c2-7d4e6f8b9a01@example.test>",
        }),
        `${ABSENT}\n\n${quoted}`,
      );

    for (const mailbox of ["contact", "submissions"] as const)
      it(`never computes the example of a help reply it quotes (${mailbox})`, async () => {
        const raw = autoReply(
          "Demande de calcul incomplète",
          HELP_REPLY,
          `${mailbox === "contact" ? "contact" : "calcul"}@example.test`,
        );
        const intake = await readInbound(raw, intakeContext({}, mailbox));
        expect(intake.kind).toBe("support");
        expect(intake.calculation).toBeNull();
        expect(intake.support?.repliesToResult).toBe(false);
      });

    it("never reads an access confirmation it quotes as HTML, preheader included, as an access request", async () => {
      const renderer = await createRenderer();
      const { html } = renderer.render("access-changed", SAMPLE_DATA["access-changed"]);
      const quoted = html.replace(/^[\s\S]*?<body[^>]*>/i, "").replace(/<\/body>[\s\S]*$/i, "");
      const raw = rawMessage(
        authenticatedHeaders("Marc Petit <m.petit@medimagerie-solutions.fr>", {
          To: "contact@example.test",
          Subject: "Réponse : Adresse d'accès au service modifiée",
          "Content-Type": "text/html; charset=utf-8",
        }),
        `<html><body><p>Bonjour,</p><p>Je suis en déplacement jusqu'au 3 décembre, avec un accès limité à mes messages.</p><p>Marc Petit</p><div>${quoted}</div></body></html>`,
      );
      const intake = await readInbound(raw, intakeContext({}, "contact"));
      expect(intake.kind).toBe("support");
      expect(intake.access).toBeNull();
    });

    it("never reads the « Merci d'autoriser l'accès » example of an unauthorised reply it quotes as an access request", async () => {
      const raw = autoReply(
        "Adresse non autorisée à demander un calcul",
        UNAUTHORISED_REPLY,
        "contact@example.test",
      );
      const intake = await readInbound(raw, intakeContext({}, "contact"));
      expect(intake.kind).toBe("support");
      expect(intake.access).toBeNull();
    });
  });

  it("files a message by what its subject says too: « Contestation de la tranche » is a dispute", async () => {
    const raw = rawMessage(
      authenticatedHeaders(JEAN, {
        To: "contact@example.test",
        Subject: "Contestation de la tranche - Centre du Parc",
      }),
      "Bonjour,\n\nPouvez-vous me rappeler au 01 23 45 67 89 ?\n\nJean Dupont",
    );
    const intake = await readInbound(raw, intakeContext({}, "contact"));
    expect(intake.kind).toBe("support");
    expect(intake.support?.category).toBe("dispute");
  });

  it("in verify mode without a resolver authenticates nobody", async () => {
    const intake = await readInbound(
      mailFixture("calc-thunderbird-plain-mixte.eml"),
      intakeContext({ authMode: "verify" }),
    );
    expect(intake.authentication).toMatchObject({ authenticated: false, mode: "verify" });
  });
});

describe("readInbound on hostile bodies", () => {
  const cases: [string, string][] = [
    ["one long line of spaces", `Référence : x${" ".repeat(900_000)}y`],
    ["one long word with no @", `Merci d'autoriser l'accès ${"a.b".repeat(300_000)}`],
    ["a long run of table bars", `FINESS radiologie : 920000650${"| ".repeat(400_000)}x`],
    ["many label-like lines", "FINESS radiologie :\n".repeat(40_000)],
    ["an activity of repeated negated words", `Type d'activité : pas ${"d'activité ".repeat(60)}x`],
    ["a run of Unicode line separators", `a${"\u2028".repeat(100_000)}b`],
  ];
  for (const [name, body] of cases) {
    it(`finishes with a result on ${name}`, async () => {
      const intake = await readInbound(
        rawMessage(authenticatedHeaders(JEAN), body),
        intakeContext({}, "contact"),
      );
      expect(intake.kind).not.toBe("unreadable");
    });
  }
});

/** What intake reads of an HTML-only request from Jean to calcul@. */
const html = async (body: string) => (await readHtmlRequest(JEAN, body)).calculation;

describe("readInbound, HTML requests as Outlook and Gmail write them", () => {
  it("reads an Outlook table with two label and value pairs per row", async () => {
    const calculation = await html(
      "<table><tr><td>Référence</td><td>CH Test</td><td>Type d'activité</td><td>Mixte</td></tr>" +
        "<tr><td>FINESS radiologie</td><td>920000650</td><td>AM radiologie</td><td>751234567</td></tr>" +
        "<tr><td>FINESS médecine nucléaire</td><td>750712184</td><td>AM médecine nucléaire</td><td>921234567</td></tr></table>",
    );
    expect(calculation).toMatchObject({
      reference: "CH Test",
      activity: "mixte",
      lists: {
        finessRadio: ["920000650"],
        amRadio: ["751234567"],
        finessMn: ["750712184"],
        amMn: ["921234567"],
      },
    });
  });

  it("reads a horizontal table: a row of labels over a row of values", async () => {
    const calculation = await html(
      "<table><tr><td>Référence</td><td>FINESS radiologie</td><td>AM radiologie</td></tr>" +
        "<tr><td>CH Test</td><td>920000650</td><td>751234567</td></tr></table>",
    );
    expect(calculation).toMatchObject({
      reference: "CH Test",
      lists: { finessRadio: ["920000650"], amRadio: ["751234567"] },
    });
  });

  it("reads the order-form table pasted in the body by each row's activity", async () => {
    const row = (cells: string[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
    const calculation = await html(
      `<p>Bonjour,</p><p>Référence : GHT Artois</p><table>${row(["Nom", "FINESS géographique", "RPPS", "N° AM", "Activité"])}` +
        row(["CH Lens", "620000026", "", "", "Radiologie"]) +
        row(["Dr Martin", "", "10101234567", "621234567", "Médecine nucléaire"]) +
        `</table><p>Cordialement</p>`,
    );
    expect(calculation).toMatchObject({
      activity: "mixte",
      lists: { finessRadio: ["620000026"], amRadio: [], finessMn: [], amMn: ["621234567"] },
      problems: [],
    });
  });

  it("reads Gmail's and Outlook's bulleted lists", async () => {
    const outlookItem = (v: string) =>
      `<p class=MsoListParagraph style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span style='font-family:Symbol'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span><![endif]>${v}<o:p></o:p></p>`;
    const gmail = await html(
      "<div>Référence : CH Test</div><div>FINESS radiologie :</div><ul><li>920000650</li><li>750712184</li></ul>",
    );
    const outlook = await html(
      `<p class=MsoNormal>Référence : CH Test</p><p class=MsoNormal>FINESS radiologie :</p>${outlookItem("920000650")}${outlookItem("750712184")}<p class=MsoNormal>AM radiologie : 751234567</p>`,
    );
    expect(gmail?.lists.finessRadio).toEqual(["920000650", "750712184"]);
    expect(outlook?.lists).toMatchObject({ finessRadio: ["920000650", "750712184"], amRadio: ["751234567"] });
  });
});

describe("readInbound, HTML lists whose values are set apart by empty paragraphs", () => {
  it("reads every value of a Gmail list typed with blank lines, not the signature's phone below it", async () => {
    const calculation = await html(
      '<div dir="ltr"><div>Bonjour,</div><div><br></div><div>Référence : CH Test</div>' +
        "<div>Type d'activité : Radiologie</div><div>FINESS radiologie :</div><div>920000650</div>" +
        "<div><br></div><div>750712184</div><div><br></div><div>Cordialement,</div><div><br></div>" +
        "<div>Jean Dupont</div><div><br></div><div>01 23 45 67 89</div><div><br></div><div>552100554</div></div>",
    );
    expect(calculation?.lists.finessRadio).toEqual(["920000650", "750712184"]);
    expect(calculation?.problems).toEqual([]);
  });

  it("reads every value of an Outlook list typed with empty paragraphs, not the footer's numbers", async () => {
    const p = (text: string) => `<p class=MsoNormal>${text}<o:p></o:p></p>`;
    const empty = "<p class=MsoNormal><o:p>&nbsp;</o:p></p>";
    const calculation = await html(
      [
        p("Référence : CH Test"),
        p("FINESS radiologie :"),
        p("920000650"),
        empty,
        p("750712184"),
        empty,
        p("AM radiologie :"),
        p("751234567"),
        empty,
        p("751234568"),
        empty,
        p("<b>Jean Dupont</b>"),
        empty,
        p("0472000000"),
      ].join(""),
    );
    expect(calculation?.lists).toMatchObject({
      finessRadio: ["920000650", "750712184"],
      amRadio: ["751234567", "751234568"],
    });
  });
});

describe("readInbound, what a request that cannot be answered lacks", () => {
  it("lacks nothing when only the signature holds a labelled N° AM", async () => {
    // The signature's « N° AM : » was read as an AM field without activity: the help reply was sent.
    const raw = rawMessage(
      { ...authenticatedHeaders(JEAN), To: "calcul@example.test", Subject: "Calcul" },
      "Bonjour,\n\nRéférence : CH Lens\nFINESS radiologie : 920000650\n\nCordialement,\n\nDr Jean Dupont\nN° AM : 751234567\n",
    );
    const { calculation } = await readInbound(raw, intakeContext());
    expect(calculation?.problems).toEqual([]);
    expect(calculation?.lists).toMatchObject({ finessRadio: ["920000650"], amRadio: [], amMn: [] });
  });

  it("says numbers were found under a label without activity, not that none were found", async () => {
    const raw = rawMessage(
      { ...authenticatedHeaders(JEAN), To: "calcul@example.test", Subject: "Calcul" },
      "Référence : CH Lens\nFINESS : 920000650",
    );
    const { calculation } = await readInbound(raw, intakeContext());
    expect(calculation?.problems).toContain("field-without-activity");
    expect(calculation?.problems).not.toContain("no-identifiers");
  });
});
