import { describe, expect, it } from "vitest";
import { htmlToText } from "../../src/intake/body-text.ts";
import {
  classifySupport,
  ourEmailStart,
  repliesToResult,
  threadsToUs,
} from "../../src/intake/support-classifier.ts";
import { createRenderer } from "../../src/render/renderer.ts";
import { SAMPLE_DATA } from "../../src/render/samples.ts";
import { TEMPLATE_NAMES } from "../../src/render/templates.ts";

const signals = {
  inReplyTo: null,
  references: [],
  subject: "Question",
  fullText: "Bonjour",
  ownText: "Bonjour",
};

describe("threadsToUs", () => {
  it("sees a reply threaded to a Message-ID of the no-reply domain", () => {
    expect(threadsToUs({ ...signals, inReplyTo: "<abc@example.test>" }, "no-reply@example.test")).toBe(true);
    expect(
      threadsToUs(
        { ...signals, references: ["<x@editeur.fr>", "<abc@example.test>"] },
        "no-reply@example.test",
      ),
    ).toBe(true);
    expect(threadsToUs({ ...signals, inReplyTo: "<abc@editeur.fr>" }, "no-reply@example.test")).toBe(false);
  });

  it("sees a reply that lost its threading by one of our subjects under a reply prefix", () => {
    const answers = (subject: string) => threadsToUs({ ...signals, subject }, "no-reply@example.test");
    expect(answers("RE: Ségur Numérique - Imagerie - Demande de calcul incomplète")).toBe(true);
    expect(answers("Réf : Ségur Numérique - Imagerie - Votre demande [T-000042] a bien été reçue")).toBe(
      true,
    );
    expect(answers("Ségur Numérique - Imagerie - demande de calcul CH Lens")).toBe(false);
    expect(answers("RE: Demande de calcul incomplète")).toBe(false);
  });
});

describe("repliesToResult", () => {
  it("sees a reply by the result subject or by a quoted result", () => {
    const subject = "RE: Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations";
    expect(repliesToResult({ ...signals, subject })).toBe(true);
    const fullText = "Merci\n> La tranche de financement calculée est = C";
    expect(repliesToResult({ ...signals, fullText, ownText: "Merci" })).toBe(true);
  });

  it("does not take threading alone, nor a result pasted in the sender's own text, for a reply", () => {
    expect(repliesToResult({ ...signals, inReplyTo: "<abc@example.test>" })).toBe(false);
    const own = "La tranche de financement calculée est = C, pourquoi ?";
    expect(repliesToResult({ ...signals, fullText: own, ownText: own })).toBe(false);
  });
});

describe("classifySupport", () => {
  it("files a contested result as a dispute", () => {
    expect(classifySupport("Le FINESS 750712185 n'a pas été pris en compte", false)).toBe("dispute");
    expect(classifySupport("Nous contestons ce résultat.", false)).toBe("dispute");
  });

  it("files a question as a question, even about a calculation", () => {
    expect(classifySupport("Comment faire pour un GIE ?", false)).toBe("question");
    expect(classifySupport("Comment est calculé le total ?", true)).toBe("question");
  });

  it("files a plain reply about a calculation as a dispute, anything else as other", () => {
    expect(classifySupport("Voir ci-dessous.", true)).toBe("dispute");
    expect(classifySupport("Merci beaucoup.", false)).toBe("other");
  });
});

describe("classifySupport on realistic French wording", () => {
  const category = (text: string, aboutCalculation = false, subject?: string) =>
    classifySupport(text, aboutCalculation, subject);

  it("files a result called wrong as a dispute, even when it ends with a question", () => {
    for (const text of [
      "La tranche calculée ne me semble pas correcte, pouvez-vous vérifier ?",
      "La tranche calculée est fausse.",
      "Le résultat est faux…",
      "Le calcul est erroné : nous avons trois IRM.",
      "Le résultat obtenu est incorrect, pourriez-vous regarder ?",
      "La tranche ne correspond pas à notre activité réelle.",
      "Il y a une erreur dans le calcul de notre tranche.",
      "Cela ne nous paraît pas juste, qu'en pensez-vous ?",
    ]) {
      expect(category(text), text).toBe("dispute");
      expect(category(text, true), text).toBe("dispute");
    }
  });

  it("files a disagreement, a claim or an appeal as a dispute", () => {
    for (const text of [
      "Nous ne sommes pas d'accord avec la tranche B, pouvez-vous revoir le calcul ?",
      "Nous sommes en désaccord avec ce résultat.",
      "Nous souhaitons contester la tranche attribuée à la clinique.",
      "Réclamation concernant le calcul TR-2026-000456.",
      "Quel est le recours possible contre cette décision ?",
    ])
      expect(category(text), text).toBe("dispute");
  });

  it("files a request to look at the calculation again as a dispute", () => {
    for (const text of [
      "Pouvez-vous revoir le calcul ?",
      "Merci de réexaminer notre dossier.",
      "Pourriez-vous vérifier le calcul de la tranche ?",
      "Est-il possible de recalculer la tranche avec les bons numéros ?",
    ])
      expect(category(text), text).toBe("dispute");
  });

  it("files the tranche the sender expected as a dispute", () => {
    for (const text of [
      "Avec 70 000 examens, nous devrions être en tranche D.",
      "La tranche devrait être D compte tenu de notre activité ?",
      "Nous aurions dû obtenir la tranche E.",
      "Le centre relève de la tranche D et non C.",
    ])
      expect(category(text), text).toBe("dispute");
  });

  it("files data left out of the calculation as a dispute, whatever the agreement of 'pris'", () => {
    for (const text of [
      "Les données n'ont pas été prises en compte.",
      "Le FINESS 750712185 n'a pas été pris en compte.",
      "Les examens de médecine nucléaire ne sont pas pris en compte.",
      "Le calcul ne prend pas en compte notre second site.",
      "Le numéro AM a été rejeté alors que le médecin exerce bien chez nous.",
    ])
      expect(category(text), text).toBe("dispute");
  });

  it("files an error met while using the service as a question, not a dispute", () => {
    for (const text of [
      "Bonjour, je reçois une erreur quand j'envoie ma demande, pouvez-vous m'aider ?",
      "J'ai un message d'erreur en joignant le fichier Excel.",
      "Nous obtenons une erreur à l'envoi du bon de commande.",
      "Erreur technique lors de l'envoi du formulaire",
    ])
      expect(category(text), text).toBe("question");
  });

  it("files a refused or rejected request as a question about the service", () => {
    for (const text of [
      "Ma demande a été refusée",
      "Ma demande a été rejetée, pourquoi ?",
      "Notre demande d'accès est refusée alors que nous sommes éditeur référencé.",
      "Le fichier joint a été rejeté.",
      "Ma demande n'a pas été prise en compte.",
    ])
      expect(category(text), text).toBe("question");
  });

  it("files an answer still awaited, or a link or form that does not work, as a question about the service", () => {
    for (const text of [
      "Bonjour, je n'ai toujours pas reçu le résultat de ma demande de calcul envoyée lundi.",
      "Nous n'avons rien reçu depuis notre envoi du 12 novembre.",
      "Je vous relance concernant ma demande du 12/11, restée sans réponse.",
      "Bonjour, le lien vers le formulaire ne fonctionne plus.",
    ])
      expect(category(text), text).toBe("question");
    // Data left out of a result is still a dispute.
    expect(category("Le FINESS 620100057 n'a pas été pris en compte dans le calcul.")).toBe("dispute");
  });

  it("files a result said too low, off the activity or left incomplete as a dispute, without « contester »", () => {
    for (const text of [
      "Bonjour, nous pensons que la tranche attribuée est trop faible.",
      "La tranche obtenue ne reflète pas l'activité réelle de l'établissement.",
      "La tranche calculée est inférieure à celle attendue.",
      "Le nombre d'examens retenu est inférieur à la réalité.",
      "Le volume d'activité retenu est sous-évalué.",
      "La tranche B nous surprend, notre client réalise 80 000 examens par an.",
      "Nous attendions une tranche D.",
      "Nous souhaitons une révision de la tranche.",
      "Nous demandons un réexamen du calcul.",
      "Il manque des FINESS dans le calcul.",
      "Le calcul n'a pas retenu le FINESS 920000650.",
      "Le calcul ne tient pas compte des actes de médecine nucléaire.",
      "Le FINESS 920000650 est indiqué inconnu, or il existe bien.",
      "Les données de référence utilisées sont obsolètes.",
    ])
      expect(category(text), text).toBe("dispute");
  });

  it("does not take a sender's own slip or a surprise about delivery for a dispute", () => {
    for (const text of [
      "J'ai oublié de joindre le fichier au calcul.",
      "Il manque le fichier dans ma demande de calcul, je le renvoie.",
      "Le calcul prend trop de temps.",
    ])
      expect(category(text), text).toBe("other");
    expect(category("Or nous voudrions savoir comment saisir les FINESS.")).toBe("question");
  });

  it("files several tranches, or a count, said too low as a dispute", () => {
    for (const text of [
      "Les tranches de la Clinique du Parc et du Cabinet Durand nous semblent trop basses.",
      "Les tranches calculées sont fausses.",
      "Le total d'examens nous paraît bas par rapport à l'activité.",
    ])
      expect(category(text), text).toBe("dispute");
    expect(category("Le risque nous semble faible, comment faire ?")).toBe("question");
  });

  it("does not read the « reçu par erreur » of a confidentiality notice as a dispute", () => {
    const notice =
      "Jean Dupont\nEditeur Radiologie\n\nCe message et ses pièces jointes sont confidentiels. Si vous avez reçu ce message par erreur, merci de le détruire et d'en avertir l'expéditeur.";
    expect(category(`Bonjour,\n\nComment saisir les FINESS ?\n\nCordialement,\n${notice}`)).toBe("question");
    expect(
      category(
        "Quel est le délai de traitement ?\n\nAvertissement : s'il vous a été adressé par erreur, veuillez le supprimer.",
      ),
    ).toBe("question");
    expect(category(`Merci beaucoup.\n\n${notice}`)).toBe("other");
    // The sender's own words still count.
    expect(category(`La tranche est fausse.\n\n${notice}`)).toBe("dispute");
    expect(category(`Le FINESS 920000650 a été classé inconnu par erreur.\n\n${notice}`)).toBe("dispute");
  });

  it("files a question asked without a question mark as a question", () => {
    for (const text of [
      "Merci de m'indiquer la marche à suivre pour obtenir un devis.",
      "Merci de nous préciser les modalités.",
      "Je souhaiterais connaître le délai de traitement.",
      "J'aimerais savoir quelles données sont utilisées.",
      "Nous aimerions avoir des précisions sur le mode de calcul.",
      "Je voudrais des informations sur le service.",
      "Pourriez-vous me dire où trouver le numéro FINESS.",
      "Est ce que le service accepte les fichiers PDF",
      "A quelle adresse envoyer la demande",
    ])
      expect(category(text), text).toBe("question");
  });

  it("files not knowing how to do something as a question", () => {
    for (const text of [
      "Je ne comprends pas comment remplir le formulaire",
      "Je n'arrive pas à joindre le tableau des numéros AM.",
      "Vous avez ouvert hier un accès pour paul.martin@editeur-radiologie.fr. Il n'arrive pourtant pas à envoyer de demande.",
      "Nous ne parvenons toujours pas à envoyer le fichier.",
      "Claire n'arrive plus à se connecter à la messagerie depuis lundi",
      "Comment déclarer un GIE",
      "Est-ce que les cabinets libéraux sont concernés",
      "Pouvez-vous m'expliquer le calcul de la tranche",
      "Pouvez-vous m'indiquer la marche à suivre",
    ])
      expect(category(text), text).toBe("question");
  });

  it("files a question in reply to a result as a question, and a thank-you in reply as a dispute", () => {
    expect(category("Pouvez-vous m'expliquer comment la tranche est déterminée ?", true)).toBe("question");
    expect(category("Je n'arrive pas à retrouver le détail du total.", true)).toBe("question");
    // A reply to a result with nothing else to say is shown to support as a dispute, by design.
    expect(category("Merci beaucoup.", true)).toBe("dispute");
  });

  it("reads the sender's subject with the text", () => {
    expect(
      category(
        "Pouvez-vous nous répondre rapidement ?",
        false,
        "Contestation de la tranche - Centre du Parc",
      ),
    ).toBe("dispute");
    expect(
      category("Pouvez-vous revoir le calcul ?", false, "Contestation de la tranche - Centre du Parc"),
    ).toBe("dispute");
    expect(category("Bonjour, voir ci-dessous.", false, "Erreur de tranche")).toBe("dispute");
    expect(category("Merci de votre retour.", false, "RE: Erreur de calcul TR-2026-000123")).toBe("dispute");
    expect(category("Bonjour,", false, "Question sur les GIE")).toBe("question");
    expect(category("Le formulaire ne s'envoie pas.", false, "Erreur à l'envoi")).toBe("question");
    expect(category("Merci beaucoup.", false, "Merci")).toBe("other");
  });

  it("does not read our own subject, kept in a reply, as the sender's", () => {
    const result = "RE: Ségur Numérique - Imagerie - Calcul de la tranche de financement des prestations";
    expect(category("Merci beaucoup.", true, result)).toBe("dispute");
    expect(category("Comment est calculé le total ?", true, result)).toBe("question");
    const refused = "Re: Ségur Numérique - Imagerie - Demande d'accès refusée";
    expect(category("Merci beaucoup.", false, refused)).toBe("other");
    const ack = "TR: Ségur Numérique - Imagerie - Votre demande [T-001234] a bien été reçue";
    expect(category("Bonne journée.", false, ack)).toBe("other");
  });

  // How long they take is measured by `npm run bench intake` (they once took seconds).
  it("classifies long hostile texts", () => {
    for (const text of [
      "tranche ".repeat(3_000),
      `la tranche calculée ${"n".repeat(20_000)}`,
      "erreur de ".repeat(2_000),
      "nous devrions ".repeat(2_000),
      "ma demande a ".repeat(2_000),
    ])
      expect(["dispute", "question", "other"]).toContain(classifySupport(text, false, text));
  });
});

describe("ourEmailStart", () => {
  it("finds where each email we send begins, pasted below a person's words, so that none is read as a request", async () => {
    const renderer = await createRenderer();
    const note = "Bonjour,\n\nJe suis absente jusqu'au 3 décembre.\n\nJeanne\n\n";
    for (const name of TEMPLATE_NAMES) {
      const { text, html } = renderer.render(name, SAMPLE_DATA[name] as never);
      expect(ourEmailStart(`${note}${text}`), name).toBeGreaterThanOrEqual(note.length);
      expect(ourEmailStart(`${note}${text}`), name).toBeLessThanOrEqual(note.length + "Bonjour,\n\n".length);
      // Quoted as HTML: from its first line, the preheader.
      expect(ourEmailStart(`${note}${htmlToText(html).trimStart()}`), `${name} (HTML)`).toBe(note.length);
    }
  });

  it("finds none in a person's message that only names a topic of ours", () => {
    expect(ourEmailStart("Bonjour,\n\nDemande de calcul incomplète\nJe renvoie le FINESS manquant.\n")).toBe(
      -1,
    );
  });
});
