import { describe, expect, it } from "vitest";
import { decide, decideAccessBeside } from "../../src/decide/decision.ts";
import { readInbound } from "../../src/intake/intake.ts";
import { authenticatedHeaders, defaultPolicy, intakeContext, rawMessage } from "../helpers/intake.ts";

// SPEC §2 and §8: a calculation request sent to contact@ is answered, and what the message asks
// beside it — a question, a dispute of another result, an access — still reaches support as a
// ticket: answering the request only would lose it.
const JEAN = "Jean Dupont <jean.dupont@editeur-radiologie.fr>";
const authorised = { senderAuthorised: true, recipientAuthorised: null };
const REQUEST = "Référence : CH de Lens\nType d'activité : Radiologie\nFINESS radiologie : 920000650";

async function read(body: string, mailbox: "contact" | "submissions" = "contact") {
  const raw = rawMessage(
    {
      ...authenticatedHeaders(JEAN),
      To: `${mailbox === "contact" ? "contact" : "calcul"}@example.test`,
      Subject: "Demande",
    },
    body,
  );
  return readInbound(raw, intakeContext({}, mailbox));
}

describe("what a calculation request sent to contact@ asks beside it", () => {
  it("files a question, a dispute or an access request written beside the request, and answers the request", async () => {
    const cases: [string, string][] = [
      [
        `Bonjour,\n\nVoici notre demande :\n${REQUEST}\n\nPar ailleurs, pourriez-vous me dire si les FINESS juridiques doivent aussi être indiqués ?\n\nCordialement`,
        "question",
      ],
      [
        `Bonjour,\n\n${REQUEST}\n\nPar ailleurs, la tranche calculée la semaine dernière pour la Clinique du Parc nous semble erronée.\n\nCordialement`,
        "dispute",
      ],
    ];
    for (const [body, category] of cases) {
      const intake = await read(body);
      expect(intake, body).toMatchObject({ kind: "calculation", support: { category } });
      expect(decide(intake, authorised, defaultPolicy()), body).toMatchObject({
        action: "reply-result",
        ticketAside: category,
      });
    }
  });

  it("decides an access asked beside the request as an access request, the request answered too", async () => {
    const intake = await read(
      `Bonjour,\n\nMerci d'autoriser l'accès pour paul.martin@editeur-radiologie.fr.\n\nEt voici notre demande de calcul :\n${REQUEST}\n\nCordialement`,
    );
    expect(intake).toMatchObject({
      kind: "calculation",
      access: { status: "request", request: { action: "grant", email: "paul.martin@editeur-radiologie.fr" } },
      support: null,
    });
    expect(decideAccessBeside(intake, defaultPolicy())).toMatchObject({ action: "access-granted" });
    expect(decide(intake, authorised, defaultPolicy())).toEqual({
      action: "reply-result",
      recipient: "jean.dupont@editeur-radiologie.fr",
      recipientNote: null,
    });
  });

  it("opens no ticket for the words that only send the request", async () => {
    for (const body of [
      `Bonjour,\n\nMerci de calculer la tranche pour la commande suivante :\n${REQUEST}\n\nCordialement,\nJean Dupont`,
      `Bonjour,\n\nPouvez-vous nous faire le calcul de la tranche pour ce client ?\n${REQUEST}\n\nMerci d'avance`,
      `Bonjour,\n\nVeuillez trouver ci-dessous notre demande de calcul.\n${REQUEST}\n\nMerci de me confirmer la bonne réception.\nBien à vous`,
      `Bonjour,\nJe vous transmets la demande de calcul de tranche pour notre client, le CH de Lens.\n${REQUEST}\nN'hésitez pas si besoin.`,
      `${REQUEST}\n\nPourriez-vous me renvoyer le résultat rapidement ? Merci.`,
    ]) {
      const intake = await read(body);
      expect(intake.support, body).toBeNull();
      expect(intake.access, body).toBeNull();
      expect(decide(intake, authorised, defaultPolicy()), body).not.toHaveProperty("ticketAside");
    }
  });

  it("files no question beside a request on the submission inbox, which takes requests only, but decides an access", async () => {
    const intake = await read(
      `${REQUEST}\n\nPar ailleurs, pourriez-vous me dire si les FINESS juridiques doivent aussi être indiqués ?`,
      "submissions",
    );
    expect(intake.support).toBeNull();
    const withAccess = await read(
      `Bonjour,\nMerci d'ouvrir aussi un accès à paul.martin@editeur-radiologie.fr.\n${REQUEST}`,
      "submissions",
    );
    expect(withAccess).toMatchObject({
      support: null,
      access: { status: "request", request: { action: "grant", email: "paul.martin@editeur-radiologie.fr" } },
    });
  });
});
