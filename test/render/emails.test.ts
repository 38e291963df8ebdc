import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { beforeAll, describe, expect, it } from "vitest";
import { isWellFormedFiness } from "../../src/identifiers/finess.ts";
import { parseLabelledCalculation } from "../../src/intake/calculation-parser.ts";
import { composeMessage } from "../../src/render/compose.ts";
import { parseTemplateData } from "../../src/render/data-schemas.ts";
import { helpExample } from "../../src/render/help-view.ts";
import { createRenderer, DEFAULT_TEMPLATES_DIR, type Renderer } from "../../src/render/renderer.ts";
import { recipientOf, SAMPLE_DATA } from "../../src/render/samples.ts";
import {
  RESULT_SUBJECT,
  SUBJECT_PREFIX,
  TEMPLATE_NAMES,
  type TemplateData,
  type TemplateName,
  type TicketAckEmailData,
} from "../../src/render/templates.ts";

let renderer: Renderer;
beforeAll(async () => {
  renderer = await createRenderer();
});

/** The email, with no-break spaces (French guillemets) read as spaces so that wording reads plainly here. */
function render<N extends TemplateName>(name: N, data: TemplateData[N]) {
  const email = renderer.render(name, data);
  return { ...email, html: email.html.replaceAll("\u00a0", " "), text: email.text.replaceAll("\u00a0", " ") };
}

/** Markup and a forged line, as a hostile sender could type them in any free-text field. */
const HOSTILE = '<script>alert("x")</script>\r\nLa tranche de financement calculée est = A';

/** Each email's sample data with every free-text field the sender controls set to HOSTILE. */
const hostileData: { [N in TemplateName]?: () => TemplateData[N] } = {
  result: () => ({ ...SAMPLE_DATA.result, reference: HOSTILE }),
  help: () => ({
    ...SAMPLE_DATA.help,
    originalSubject: HOSTILE,
    understood: { ...SAMPLE_DATA.help.understood, reference: HOSTILE },
    problems: [
      { kind: "unreadable-activity", text: HOSTILE },
      { kind: "attachment-unreadable", filename: HOSTILE, cause: "damaged" },
    ],
  }),
  unauthorised: () => ({ ...SAMPLE_DATA.unauthorised, reference: HOSTILE }),
  "access-refused": () => ({ ...SAMPLE_DATA["access-refused"], note: HOSTILE }),
  "ticket-ack": () => ({
    ...SAMPLE_DATA["ticket-ack"],
    originalSubject: HOSTILE,
    calculations: [{ publicId: "TR-2026-000123", reference: HOSTILE }],
  }),
};

describe("every email", () => {
  it.each(TEMPLATE_NAMES)(
    "%s renders HTML and plain text from its sample data, every placeholder filled",
    (name) => {
      const { html, text } = render(name, SAMPLE_DATA[name]);
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).toContain('<html lang="fr"');
      for (const part of [html, text]) {
        expect(part).not.toContain("{{");
        expect(part).not.toContain("}}");
        expect(part).toContain("contact@example.test");
      }
      expect(text).not.toMatch(/<\/?(p|br|strong|div|td|tr|ul|li|a)\b/);
      expect(text.startsWith("Bonjour,") || text.split("\n")[2] === "Bonjour,").toBe(true);
      expect(text.trimEnd().split("\n").at(-1)).toBe(
        "Pour toute question, répondez simplement à ce message : votre réponse parvient au support (contact@example.test).",
      );
    },
  );

  it("follows one subject rule: the service's prefix and a fixed topic, the result's subject exactly as documented", () => {
    expect(render("result", SAMPLE_DATA.result).subject).toBe(
      "Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations",
    );
    const subjects = TEMPLATE_NAMES.map((name) => render(name, SAMPLE_DATA[name]).subject);
    for (const subject of subjects) {
      expect(subject.startsWith(SUBJECT_PREFIX)).toBe(true);
      expect(subject).not.toMatch(/^re:/i);
    }
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(subjects).toContain(RESULT_SUBJECT);
    expect(render("help", SAMPLE_DATA.help).subject).toBe(
      "Ségur Numérique - Imagerie - Demande de calcul incomplète",
    );
    expect(render("access-granted", SAMPLE_DATA["access-granted"]).subject).toBe(
      "Ségur Numérique - Imagerie - Accès au service accordé",
    );
    expect(render("ticket-ack", SAMPLE_DATA["ticket-ack"]).subject).toBe(
      "Ségur Numérique - Imagerie - Votre demande [T-000042] a bien été reçue",
    );
  });

  it("never puts the sender's text in a subject", () => {
    for (const [name, make] of Object.entries(hostileData) as [TemplateName, () => never][]) {
      expect(render(name, make()).subject).not.toContain("script");
    }
  });

  it.each(Object.keys(hostileData) as TemplateName[])(
    "%s escapes markup in the sender's text and keeps it on one line",
    (name) => {
      const { html, text } = render(name, (hostileData[name] as () => never)());
      expect(html).not.toContain("<script>");
      expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
      expect(text).toContain('<script>alert("x")</script> La tranche de financement calculée est = A');
      // The forged sentence never starts a line of its own.
      expect(text).not.toMatch(/^La tranche de financement calculée est = A/m);
    },
  );

  it("outputs no template value unescaped in HTML", () => {
    const sources = [
      ...readdirSync(DEFAULT_TEMPLATES_DIR).filter((f) => f.endsWith(".mjml")),
      ...readdirSync(join(DEFAULT_TEMPLATES_DIR, "partials")).map((f) => `partials/${f}`),
    ];
    expect(sources.length).toBeGreaterThan(TEMPLATE_NAMES.length);
    for (const file of sources)
      expect(readFileSync(join(DEFAULT_TEMPLATES_DIR, file), "utf8")).not.toContain("{{{");
  });

  it("has one MJML and one plain-text source per email", () => {
    const files = readdirSync(DEFAULT_TEMPLATES_DIR);
    for (const name of TEMPLATE_NAMES) {
      expect(files).toContain(`${name}.mjml`);
      expect(files).toContain(`${name}.txt.hbs`);
    }
  });
});

describe("the sample data", () => {
  it.each(TEMPLATE_NAMES)("of %s passes the template's data checks", (name) => {
    expect(parseTemplateData(name, JSON.parse(JSON.stringify(SAMPLE_DATA[name])))).toEqual({
      ok: true,
      data: SAMPLE_DATA[name],
    });
  });

  it("uses FINESS numbers whose Luhn key checks", () => {
    const { valid, invalid } = SAMPLE_DATA.result.result;
    for (const finess of [...valid.finessRadio, ...valid.finessMn])
      expect(isWellFormedFiness(finess)).toBe(true);
    for (const entry of [...invalid.finessRadio, ...invalid.finessMn])
      expect(isWellFormedFiness(entry.value)).toBe(true);
  });

  it("is rejected with French messages naming each wrong field", () => {
    const parsed = parseTemplateData("access-granted", {
      ...SAMPLE_DATA["access-granted"],
      email: "pas-une-adresse",
      decidedBy: "robot",
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      "email : adresse e-mail invalide",
      expect.stringMatching(/^decidedBy : Option invalide/),
    ]);
  });
});

describe("the help email", () => {
  it("keeps French guillemets on the line of the words they quote", () => {
    const { text } = renderer.render("help", SAMPLE_DATA.help);
    expect(text).toContain("Le type d'activité «\u00a0scanner + IRM\u00a0» n'a pas été compris");
    expect(text).not.toMatch(/« | »/);
  });

  it("shows the activity as typed when it could not be read, not as missing", () => {
    const { text } = renderer.render("help", SAMPLE_DATA.help);
    expect(text).toContain("- Type d'activité : «\u00a0scanner + IRM\u00a0» (non reconnu)\n");
    expect(text).not.toContain("non indiqué");
  });

  it("says what was understood and what is missing, one line each", () => {
    const { text } = render("help", {
      ...SAMPLE_DATA.help,
      understood: {
        reference: "Clinique Saint-Roch",
        activity: "radiologie",
        recipient: null,
        counts: { amRadio: 1, finessRadio: 3, amMn: 0, finessMn: 0 },
      },
      problems: [
        { kind: "no-identifiers" },
        { kind: "unreadable-activity", text: "xyz" },
        { kind: "too-many-identifiers", count: 6200, limit: 5000 },
        { kind: "body-too-large", limitBytes: 1024 * 1024 },
        { kind: "recipient-refused", address: "direction@autre-groupe.fr", cause: "other-organisation" },
      ],
    });
    expect(text).toContain(
      "Ce qui a été compris :\n" +
        "- Référence : Clinique Saint-Roch\n" +
        "- Type d'activité : Radiologie\n" +
        "- FINESS radiologie : 3 numéros lus\n" +
        "- AM radiologie : 1 numéro lu\n" +
        "- FINESS médecine nucléaire : aucun numéro lu\n" +
        "- AM médecine nucléaire : aucun numéro lu\n",
    );
    expect(text).toContain("- Aucun numéro FINESS ou AM n'a été trouvé");
    expect(text).toContain(
      "- Le type d'activité « xyz » n'a pas été compris : indiquez Radiologie, Médecine nucléaire ou Mixte.",
    );
    expect(text).toContain("- La demande comporte 6 200 numéros, au-delà de la limite de 5 000 par calcul.");
    expect(text).toContain("- Le message est trop volumineux pour être lu (plus de 1 Mo)");
    expect(text).toContain("(direction@autre-groupe.fr) n'appartient pas à la même société");
  });

  it("names the requests of a message holding several, and asks for one per message", () => {
    const several = (references: string[]) =>
      render("help", { ...SAMPLE_DATA.help, problems: [{ kind: "several-requests", references }] }).text;
    expect(several(["CH Arras", "CH Lens"])).toContain(
      "- Le message contient plusieurs demandes, chacune avec sa référence et ses numéros (« CH Arras » et « CH Lens ») : aucune n'a été calculée",
    );
    expect(several(["CH Arras", "CH Lens"])).toContain("Envoyez chaque demande dans un message séparé");
    const many = several(["R1", "R2", "R3", "R4", "R5", "R6", "R7"]);
    expect(many).toContain("(« R1 », « R2 », « R3 », « R4 », « R5 » et 2 autres)");
    // What was understood is every request's, said so: not the first reference's alone.
    const understood = several(["CH Arras", "CH Lens"]);
    expect(understood).toContain("- Références : « CH Arras » et « CH Lens »");
    expect(understood).toContain("- FINESS radiologie : 2 numéros lus (les 2 demandes ensemble)");
    expect(understood).not.toContain("- Référence : ");
  });

  it("explains a FINESS or AM label without activity, and an unreadable attachment", () => {
    const { html } = render("help", SAMPLE_DATA.help);
    const problems = [...html.matchAll(/<li data-item="problem">([^<]*)<\/li>/g)].map((m) => m[1]);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^La référence \(nom de l&#x27;établissement ou du groupe\) est absente/);
    expect(problems[2]).toContain("« FINESS » ou « AM » qui ne précise pas l&#x27;activité");
    expect(problems[3]).toBe(
      "La pièce jointe « bon-de-commande.pdf » n&#x27;a pas pu être lue : seuls les tableaux du bon de commande aux formats CSV, XLSX ou Word (DOCX) sont lus.",
    );
  });

  it("shows an example, with the form's labels and ';' lists, that the service reads back as a complete request", () => {
    const { text } = render("help", SAMPLE_DATA.help);
    const example = helpExample(SAMPLE_DATA.help.sender);
    expect(text).toContain(`\n\n${example.join("\n")}\n\n`);
    expect(example.map((line) => line.split(" : ")[0])).toEqual([
      "Email",
      "Référence",
      "Type d'activité",
      "FINESS radiologie",
      "AM radiologie",
      "FINESS médecine nucléaire",
      "AM médecine nucléaire",
    ]);
    const parsed = parseLabelledCalculation(example.join("\n"));
    expect(parsed.problems).toEqual([]);
    expect(parsed.recipient).toBe(SAMPLE_DATA.help.sender);
    expect(parsed.reference).toBe("Centre d'imagerie des Tilleuls");
    expect(parsed.activity).toBe("mixte");
    expect(parsed.lists).toEqual({
      finessRadio: ["920000650", "750712184"],
      amRadio: ["751234567", "921234566"],
      finessMn: ["920000650"],
      amMn: ["131234568"],
    });
  });
});

describe("the unauthorised email", () => {
  it("tells how to ask contact@ for access, with the sentence to write", () => {
    const { text } = render("unauthorised", SAMPLE_DATA.unauthorised);
    expect(text).toContain(
      "l'adresse paul.leroy@drimbox-distribution.fr n'est pas autorisée à utiliser le service",
    );
    expect(text).toContain(
      "écrivez à contact@example.test depuis une adresse professionnelle de votre société",
    );
    expect(text).toContain(
      "\n    Merci d'autoriser l'accès au service pour paul.leroy@drimbox-distribution.fr\n",
    );
    expect(text).toContain("renvoyez alors votre demande de calcul à calcul@example.test");
  });

  it("tells a free-mail sender to use a company address", () => {
    const { text } = render("unauthorised", {
      ...SAMPLE_DATA.unauthorised,
      sender: "jean.dupont.radio@gmail.com",
      senderIsFreeMail: true,
    });
    expect(text).toContain("L'adresse jean.dupont.radio@gmail.com est une messagerie grand public");
    expect(text).toContain("Merci d'autoriser l'accès au service pour prenom.nom@votre-societe.fr");
  });
});

describe("the access emails", () => {
  it("confirm a grant, naming the address, who asked and the request reference", () => {
    const { text, html } = render("access-granted", SAMPLE_DATA["access-granted"]);
    expect(text).toContain(
      "L'adresse sophie.bernard@medimagerie-solutions.fr est désormais autorisée à demander des calculs",
    );
    expect(text).toContain(
      "Adresse concernée : sophie.bernard@medimagerie-solutions.fr\n" +
        "Demandé par : jean.dupont@medimagerie-solutions.fr\n" +
        "Référence de la demande : A-000017\n" +
        "Décision : automatique (adresse de la même société que le demandeur)\n",
    );
    expect(text).toContain("envoyez à calcul@example.test un message");
    expect(html.match(/<tr data-row="fact">/g)).toHaveLength(4);
  });

  it("say so when the address was already authorised, and leave out a missing request reference", () => {
    const { subject, text } = render("access-granted", {
      ...SAMPLE_DATA["access-granted"],
      alreadyAuthorised: true,
      requestReference: null,
      decidedBy: "support",
    });
    expect(subject).toBe("Ségur Numérique - Imagerie - Accès au service déjà accordé");
    expect(text).toContain(
      "était déjà autorisée à demander des calculs de tranche de financement : rien n'a changé.",
    );
    expect(text).not.toContain("Référence de la demande");
    expect(text).toContain("Décision : après examen par le support");
  });

  it("show a change from the old address to the new one", () => {
    const { text } = render("access-changed", SAMPLE_DATA["access-changed"]);
    expect(text).toContain(
      "L'accès au service passe de m.petit@medimagerie-solutions.fr à marc.petit@medimagerie-solutions.fr",
    );
    expect(text).toContain(
      "Ancienne adresse : m.petit@medimagerie-solutions.fr\nNouvelle adresse : marc.petit@medimagerie-solutions.fr\n",
    );
    expect(text).toContain("Email : marc.petit@medimagerie-solutions.fr\n");
  });

  it("confirm a revocation, or that there was nothing to revoke", () => {
    expect(render("access-revoked", SAMPLE_DATA["access-revoked"]).text).toContain(
      "L'adresse luc.moreau@radiosoft-editions.fr n'est plus autorisée",
    );
    const noop = render("access-revoked", { ...SAMPLE_DATA["access-revoked"], wasNotAuthorised: true });
    expect(noop.subject).toBe("Ségur Numérique - Imagerie - Aucun accès au service à supprimer");
    expect(noop.text).toContain(
      "n'était pas autorisée à demander des calculs de tranche de financement : rien n'a changé.",
    );
  });

  it("explain in plain French why a request waits for support", () => {
    const { text } = render("access-pending", {
      ...SAMPLE_DATA["access-pending"],
      action: "change",
      email: "a.petit@editeur.fr",
      newEmail: "anne.petit@autre-editeur.fr",
      requester: "a.petit@editeur.fr",
      reason: "other-organisation",
    });
    expect(text).toContain(
      "La demande de remplacement de l'adresse a.petit@editeur.fr par anne.petit@autre-editeur.fr a bien été reçue. Elle sera examinée par le support avant d'être appliquée, car une des adresses indiquées n'appartient pas à la même société que l'adresse d'envoi.",
    );
    expect(text).not.toContain("Décision :");
  });

  it("give the support ticket's number when a request waits for support", () => {
    const { subject, text, html } = render("access-pending", SAMPLE_DATA["access-pending"]);
    expect(subject).toBe("Ségur Numérique - Imagerie - Demande d'accès en cours d'examen [T-000043]");
    expect(text).toContain("Ticket support : T-000043");
    expect(html).toContain("T-000043");
  });

  it("give the reason of a refusal and support's note", () => {
    const { text } = render("access-refused", SAMPLE_DATA["access-refused"]);
    expect(text).toContain(
      "La demande d'accès au service pour a.roux@imagerie-partenaires.fr n'a pas été acceptée : une des adresses indiquées n'appartient pas à la même société que l'adresse d'envoi.",
    );
    expect(text).toContain(
      "Précision du support : « Le distributeur doit faire la demande depuis une adresse de l'éditeur. »",
    );
  });
});

describe("the ticket acknowledgment", () => {
  it("gives the ticket number, the category in French, what happens next and the linked calculations", () => {
    const { text, html } = render("ticket-ack", SAMPLE_DATA["ticket-ack"]);
    expect(text).toContain(
      "Numéro de la demande : T-000042\n" +
        "Nature de la demande : contestation d'un calcul\n" +
        "Calculs concernés : TR-2026-000123 (référence « Centre d'imagerie des Tilleuls — commande 2026-114 »)\n",
    );
    expect(text).toContain("La suite : Le support va réexaminer le calcul contesté");
    expect(html).toContain("<strong>T-000042</strong>");
  });

  it("asks for the calculation's identifier when a dispute could not be linked to one", () => {
    const { text } = render("ticket-ack", { ...SAMPLE_DATA["ticket-ack"], calculations: [] });
    expect(text).toContain("Calculs concernés : aucun\n");
    expect(text).toContain("Aucun calcul n'a pu être rattaché à votre message");
    const question = render("ticket-ack", {
      ...SAMPLE_DATA["ticket-ack"],
      category: "question",
      calculations: [],
    });
    expect(question.text).toContain("Nature de la demande : question\n");
    expect(question.text).not.toContain("Aucun calcul n'a pu être rattaché");
  });

  const overLimit = (scope: "sender" | "organisation"): TicketAckEmailData => ({
    ...SAMPLE_DATA["ticket-ack"],
    category: "other",
    originalSubject: "Calcul CH Lens",
    calculations: [],
    rateLimited: { scope, limit: 60, submissionAddress: "calcul@example.test" },
  });

  it("tells the sender of a calculation request over the hourly limit that nothing was computed, and why", () => {
    const { text, html } = render("ticket-ack", overLimit("sender"));
    const lead =
      "Votre demande de calcul « Calcul CH Lens » n'a pas été traitée automatiquement : la limite de 60 calculs par heure pour votre adresse est atteinte, aucune tranche n'a donc été calculée. La demande a été transmise au support du service de calcul de tranche de financement sous le numéro T-000042.";
    expect(text).toContain(`${lead}\n`);
    expect(text).toContain(
      "Nature de la demande : demande de calcul non traitée (limite horaire atteinte)\n",
    );
    expect(text).toContain(
      "La suite : Aucun résultat ne sera envoyé automatiquement pour cette demande. Pour l'obtenir, renvoyez-la plus tard à calcul@example.test, par exemple dans une heure : la limite porte sur les calculs de la dernière heure.",
    );
    expect(text).not.toContain("autre demande");
    expect(text).not.toContain("vous répondra par email si nécessaire");
    const readable = html.replaceAll("&#x27;", "'");
    expect(readable).toContain(lead);
    expect(readable).toContain(">demande de calcul non traitée (limite horaire atteinte)</td>");
    expect(readable).toContain("renvoyez-la plus tard à calcul@example.test");
  });

  it("names the organisation when its hourly limit is the one reached", () => {
    const { text } = render("ticket-ack", overLimit("organisation"));
    expect(text).toContain(
      "la limite de 60 calculs par heure pour l'ensemble des adresses de votre organisation (medimagerie-solutions.fr) est atteinte",
    );
  });
});

describe("every outgoing message", () => {
  const thread = {
    messageId: "<CAFx9=demande-42@mail.gmail.com>",
    references: ["<racine-1@medimagerie-solutions.fr>"],
  };

  it.each(TEMPLATE_NAMES)(
    "%s is a threaded automatic reply from no-reply, answered to contact",
    async (name) => {
      const email = render(name, SAMPLE_DATA[name]);
      const message = await composeMessage({
        email,
        from: "no-reply@service.example.test",
        to: recipientOf(SAMPLE_DATA[name]),
        replyTo: "contact@service.example.test",
        inReplyTo: thread,
      });
      const mail = await simpleParser(message.raw);
      expect(mail.messageId).toBe(message.messageId);
      expect(mail.messageId).toMatch(/^<[^@<>]+@service\.example\.test>$/);
      expect(mail.inReplyTo).toBe("<CAFx9=demande-42@mail.gmail.com>");
      expect(mail.references).toEqual([
        "<racine-1@medimagerie-solutions.fr>",
        "<CAFx9=demande-42@mail.gmail.com>",
      ]);
      expect(mail.from?.text).toBe("no-reply@service.example.test");
      expect(mail.replyTo?.text).toBe("contact@service.example.test");
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : null).toBe(recipientOf(SAMPLE_DATA[name]));
      expect(mail.headers.get("auto-submitted")).toBe("auto-replied");
      expect(mail.headers.get("x-loop")).toBe("no-reply@service.example.test");
      expect(mail.headers.get("x-auto-response-suppress")).toBe("All");
      expect(mail.subject).toBe(email.subject);
      expect(mail.text?.trim()).toBe(email.text.trim());
      expect(mail.html).toBe(email.html);
    },
  );
});
