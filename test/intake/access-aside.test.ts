import MailComposer from "nodemailer/lib/mail-composer";
import { describe, expect, it } from "vitest";
import { decide } from "../../src/decide/decision.ts";
import { readInbound } from "../../src/intake/intake.ts";
import { authenticatedHeaders, defaultPolicy, intakeContext, rawMessage } from "../helpers/intake.ts";

// SPEC §8: every contact@ message that is not an automatically decided access request becomes a
// ticket. A message that asks for an access AND asks or contests something else gets both: the
// access decided by rule, the rest a ticket. Plain requests with their courtesy get no ticket.
const CLAIRE = "Claire Petit <claire.petit@editeur-ris.fr>";
const JEAN = "jean.dupont@editeur-ris.fr";
const facts = { senderAuthorised: true, recipientAuthorised: null };

async function plain(body: string, subject = "Demande d'accès") {
  const raw = rawMessage(
    { ...authenticatedHeaders(CLAIRE), To: "contact@example.test", Subject: subject },
    body,
  );
  return readInbound(raw, intakeContext({}, "contact"));
}

async function html(body: string, subject = "Demande d'accès") {
  const raw = await new MailComposer({
    from: CLAIRE,
    to: "contact@example.test",
    subject,
    html: body,
    headers: { "Authentication-Results": authenticatedHeaders(CLAIRE)["Authentication-Results"]! },
  })
    .compile()
    .build();
  return readInbound(raw, intakeContext({}, "contact"));
}

describe("an access request with a question or a dispute beside it", () => {
  it("grants the access by rule and opens a question ticket for what the message also asks", async () => {
    // The question got no ticket: the message was decided as an access request only.
    const intake = await plain(
      `Bonjour,\n\nMerci d'autoriser l'accès pour ${JEAN}. Par ailleurs, pourriez-vous me dire quand les résultats de mars seront disponibles ?\n\nCordialement,\nClaire Petit\nChef de projet Ségur — Éditeur RIS`,
    );
    expect(intake.kind).toBe("access");
    expect(intake.access).toEqual({
      status: "request",
      request: { action: "grant", email: JEAN, newEmail: null },
    });
    expect(intake.support?.category).toBe("question");
    expect(decide(intake, facts, defaultPolicy())).toEqual({
      action: "access-granted",
      request: { action: "grant", email: JEAN, newEmail: null },
      requester: "claire.petit@editeur-ris.fr",
      ticketAside: "question",
    });
  });

  it("reads the question beside the request in Outlook's and Gmail's HTML", async () => {
    const p = (text: string) => `<p class=MsoNormal>${text}<o:p></o:p></p>`;
    const empty = "<p class=MsoNormal><o:p>&nbsp;</o:p></p>";
    const outlook = await html(
      [
        p("Bonjour,"),
        empty,
        p(
          `Pourriez-vous ouvrir un accès au service pour notre collaborateur <a href="mailto:${JEAN}">${JEAN}</a> ?`,
        ),
        empty,
        p("Autre point : comment est calculée la tranche lorsqu'un FINESS a une activité mixte ?"),
        empty,
        p("Bien à vous,"),
        p("<b>Claire Petit</b>"),
        p("Tél. : 03 21 00 00 00"),
      ].join(""),
    );
    const gmail = await html(
      `<div dir="ltr"><div>Bonjour,</div><div><br></div><div>Merci de créer un compte pour ${JEAN}.</div>` +
        "<div>Je voudrais aussi savoir si le calcul peut être refait pour le CH Arras.</div><div><br></div>" +
        '<div>Cordialement,</div><div class="gmail_signature">Claire Petit</div></div>',
    );
    for (const intake of [outlook, gmail]) {
      expect(intake.access).toMatchObject({ status: "request", request: { action: "grant", email: JEAN } });
      expect(intake.support?.category).toBe("question");
    }
  });

  it("opens a question ticket for a question asked in the sentence of the request", async () => {
    // The sentence asked for an access, so all of it was dropped: the question got no ticket.
    for (const sentence of [
      `Merci d'autoriser l'accès pour ${JEAN}, et pourriez-vous me dire quand le calcul sera disponible ?`,
      `Pourriez-vous créer un compte pour ${JEAN} et m'indiquer comment est calculée la tranche d'un site mixte ?`,
    ]) {
      const intake = await plain(`Bonjour,\n\n${sentence}\n\nCordialement,\nClaire Petit\nÉditeur RIS`);
      expect(intake.access, sentence).toMatchObject({
        status: "request",
        request: { action: "grant", email: JEAN },
      });
      expect(intake.support?.category, sentence).toBe("question");
      expect(decide(intake, facts, defaultPolicy()), sentence).toMatchObject({
        action: "access-granted",
        ticketAside: "question",
      });
    }
  });

  it("opens a dispute ticket when the message also contests a result", async () => {
    const intake = await plain(
      `Bonjour,\n\nMerci de supprimer l'accès de ${JEAN}, qui a quitté la société.\n\nPar ailleurs, la tranche calculée pour le Centre d'imagerie du Parc nous semble erronée : nous attendions une tranche D.\n\nCordialement,\nClaire Petit`,
    );
    expect(intake.access).toMatchObject({ status: "request", request: { action: "revoke", email: JEAN } });
    expect(intake.support?.category).toBe("dispute");
  });

  it("opens a question ticket beside a change of address", async () => {
    const intake = await plain(
      `Bonjour,\n\nMerci de remplacer ${JEAN} par j.dupont@editeur-ris.fr.\nEst-ce que les calculs déjà faits par Jean resteront visibles ?\n\nCordialement`,
      "Modification de mail",
    );
    expect(intake.access).toMatchObject({ status: "request", request: { action: "change", email: JEAN } });
    expect(intake.support?.category).toBe("question");
  });

  it("opens a question ticket for how to use the service or a problem met, though they speak of the access", async () => {
    for (const aside of [
      "Pouvez-vous m'expliquer comment utiliser le service une fois l'accès ouvert ?",
      "Par ailleurs, je n'arrive pas à me connecter à mon compte depuis hier.",
    ]) {
      const intake = await plain(
        `Bonjour,\n\nMerci d'autoriser l'accès pour ${JEAN}. ${aside}\n\nCordialement`,
      );
      expect(intake.access?.status, aside).toBe("request");
      expect(intake.support?.category, aside).toBe("question");
    }
  });

  it("opens a question ticket for something asked of support in a P.S. below the signature", async () => {
    // « pourriez-vous m'envoyer … ? » asked nothing by the classifier's words: no ticket, no answer.
    const intake = await plain(
      `Bonjour,\n\nMerci d'autoriser l'accès pour ${JEAN}.\n\nCordialement,\nClaire Petit\nChef de projet Ségur — Éditeur RIS\n\nP.S. : pourriez-vous m'envoyer le guide utilisateur du service ?`,
    );
    expect(intake.support?.category).toBe("question");
    // Asked to send back the decision itself, it asks nothing more.
    const confirmation = await plain(
      `Bonjour,\n\nMerci d'autoriser l'accès pour ${JEAN}.\nPourriez-vous m'envoyer une confirmation une fois fait ?\n\nEnvoyé de mon iPhone`,
    );
    expect(confirmation.support).toBeNull();
  });

  it("opens no ticket for a plain request and its courtesy", async () => {
    const bodies = [
      `Bonjour,\n\nMerci d'autoriser l'accès pour ${JEAN}.\n\nMerci d'avance.\nN'hésitez pas si besoin.\n\nCordialement,\nClaire Petit`,
      `Madame, Monsieur,\n\nPourriez-vous ouvrir un accès au service pour ${JEAN} ?\nN'hésitez pas à me contacter pour toute question.\nJe reste à votre disposition pour tout renseignement complémentaire.\n\nBien cordialement,\nClaire Petit`,
      `Bonjour,\nEst-il possible d'ajouter ${JEAN} au service ? Merci de me confirmer la prise en compte de cette demande.\nBonne journée`,
      // A reminder of an earlier request: the decision answers it.
      `Bonjour,\n\nMerci d'autoriser l'accès pour ${JEAN}. Nous n'avons toujours pas reçu de réponse à notre première demande.\n\nCordialement`,
      `Bonjour,\n\nPouvez-vous donner accès au service à :\n${JEAN} ?\nPourriez-vous faire le nécessaire ? Merci de me prévenir une fois l'accès ouvert.\nSi vous avez des questions, je suis joignable au 03 21 00 00 00.\n\nMerci par avance,\nClaire`,
      `Bonjour,\n\nUne erreur s'est glissée dans l'adresse de Jean : merci de remplacer jean.dupond@editeur-ris.fr par ${JEAN}.\n\nCordialement`,
      `Bonjour,\nUne erreur s'est glissée dans l'adresse de Jean.\nMerci de remplacer jean.dupond@editeur-ris.fr par ${JEAN}.\n\nCordialement`,
      `Bonjour,\n\nMerci d'autoriser ${JEAN}. Est-ce que cela peut être fait aujourd'hui ?\n\nCordialement`,
      `Bonjour,\n\nMerci d'autoriser ${JEAN}. Dans combien de temps l'accès sera-t-il actif ? C'est urgent.\n\nCordialement`,
      // Courtesy in the request's own sentence.
      `Bonjour,\n\nMerci d'autoriser l'accès pour ${JEAN}, merci d'avance et bonne journée.\n\nClaire Petit`,
      `Bonjour,\n\nPourriez-vous, s'il vous plaît, ouvrir un accès pour ${JEAN}, notre nouveau chef de projet, et me le confirmer ? Cordialement, Claire`,
      `Bonjour,\n\nMerci de créer un compte pour ${JEAN}, qui fera désormais nos demandes de calcul, je vous en remercie par avance.\n\nCordialement`,
      // The question mark is the request's, not the clause's about the calculations.
      `Bonjour,\n\nPourriez-vous ouvrir un accès pour ${JEAN}, afin qu'il puisse envoyer nos demandes de calcul ?\n\nMerci d'avance`,
    ];
    for (const body of bodies) {
      const intake = await plain(body);
      expect(intake.access?.status, body).toBe("request");
      expect(intake.support, body).toBeNull();
      expect(decide(intake, facts, defaultPolicy()), body).toMatchObject({ ticketAside: null });
    }
  });

  it("opens no ticket for a question in a forwarded message below the request", async () => {
    const intake = await plain(
      `Bonjour,\n\nMerci d'autoriser l'accès pour ${JEAN} (voir sa demande ci-dessous).\n\nCordialement,\nClaire\n\n-------- Message transféré --------\nDe : Jean Dupont <${JEAN}>\nÀ : Claire Petit\nObjet : accès Ségur\n\nSalut Claire, peux-tu demander un accès pour moi ? Comment ça marche ?\nJean`,
      "TR: accès Ségur",
    );
    expect(intake.access).toMatchObject({ status: "request", request: { email: JEAN } });
    expect(intake.support).toBeNull();
  });
});
