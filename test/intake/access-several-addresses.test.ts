import { describe, expect, it } from "vitest";
import { accessReader } from "../helpers/intake.ts";

// A company onboarding a team, or closing the accounts of people who left, names several
// colleagues in one message: each listed address gets the one action the message asks. Addresses
// that are not listed side by side (a validator, a colleague who keeps access) stay for support.
const SENDER = "jean.dupont@editeur-radiologie.fr";
const read = accessReader(SENDER);
const PAUL = "paul.martin@editeur-radiologie.fr";
const CLAIRE = "claire.durand@editeur-radiologie.fr";
const NINA = "nina.perrin@editeur-radiologie.fr";
const each = (action: "grant" | "revoke", ...emails: string[]) => ({
  status: "requests",
  requests: emails.map((email) => ({ action, email, newEmail: null })),
});

describe("an access request naming several colleagues", () => {
  it("grants every address listed on one line", () => {
    for (const text of [
      `Merci d'autoriser l'accès pour ${PAUL} et ${CLAIRE}.`,
      `Merci d'ouvrir un accès à ${PAUL}, ${CLAIRE} et ${NINA}.`,
      `Pouvez-vous donner accès au service à ${PAUL} ; ${CLAIRE} ; ${NINA} ?`,
      `Merci d'autoriser ${PAUL} (Paul Martin) ainsi que ${CLAIRE} (Claire Durand).`,
      `Merci de créer un accès pour ${PAUL} et pour ${CLAIRE}.`,
    ]) {
      const emails = text.includes(NINA) ? [PAUL, CLAIRE, NINA] : [PAUL, CLAIRE];
      expect(read(text), text).toEqual(each("grant", ...emails));
    }
  });

  it("grants every address listed before what they are added to", () => {
    for (const text of [
      `Merci d'ajouter ${PAUL} et ${CLAIRE} à la liste des utilisateurs autorisés.`,
      `Pouvez-vous inscrire ${PAUL} et ${CLAIRE} au service de calcul ?`,
      `Merci de donner accès à ${PAUL} et ${CLAIRE} à la plateforme, ils rejoignent l'équipe.`,
    ])
      expect(read(text), text).toEqual(each("grant", PAUL, CLAIRE));
    expect(read(`Merci de retirer ${PAUL} et ${CLAIRE} de la liste des utilisateurs.`)).toEqual(
      each("revoke", PAUL, CLAIRE),
    );
    // What follows is a clause of its own: support reads it.
    expect(read(`Merci d'ajouter ${PAUL} et ${CLAIRE} à la place de Nina Perrin.`)).toMatchObject({
      status: "ambiguous",
    });
  });

  it("grants every address of a bulleted list, with or without names", () => {
    const text = [
      "Bonjour,",
      "",
      "Pouvez-vous donner accès au service aux personnes suivantes :",
      `- Paul Martin : ${PAUL}`,
      `- Claire Durand <${CLAIRE}>`,
      `- ${NINA}`,
      "",
      "Merci d'avance,",
      "Jean Dupont",
      SENDER,
    ].join("\n");
    expect(read(text)).toEqual(each("grant", PAUL, CLAIRE, NINA));
    expect(read(`Merci d'ajouter :\n\n• ${PAUL}\n\n• ${CLAIRE}\n`)).toEqual(each("grant", PAUL, CLAIRE));
    // A table as Outlook's HTML reads: each cell on its own line, the name above its address.
    expect(
      read(
        `Merci de créer les accès suivants :\nNom\n\t\nAdresse\n\t\nPaul Martin\n\t\n${PAUL}\n\t\nClaire Durand\n\t\n${CLAIRE}\n\t\n`,
      ),
    ).toEqual(each("grant", PAUL, CLAIRE));
  });

  it("revokes every address listed, as for colleagues who left", () => {
    expect(read(`Merci de supprimer les accès de ${PAUL} et ${CLAIRE}, qui ont quitté la société.`)).toEqual(
      each("revoke", PAUL, CLAIRE),
    );
    expect(read(`Merci de désactiver les comptes suivants :\n${PAUL}\n${CLAIRE}`)).toEqual(
      each("revoke", PAUL, CLAIRE),
    );
  });

  it("revokes the colleagues a sentence says have left, the list starting it", () => {
    for (const text of [
      `${PAUL} et ${CLAIRE} ont quitté la société, merci de supprimer leurs accès.`,
      `Bonjour,\n${PAUL} et ${CLAIRE} ne font plus partie de nos effectifs. Pouvez-vous supprimer leurs accès ?`,
    ])
      expect(read(text), text).toEqual(each("revoke", PAUL, CLAIRE));
  });

  it("leaves it to support when an address is not one of the list", () => {
    for (const text of [
      // A validator, a copy, a colleague who keeps access: named, but not asked for.
      `Merci d'autoriser l'accès pour ${PAUL}, demande validée par ${CLAIRE}.`,
      `Merci d'autoriser ${PAUL}. ${CLAIRE} garde son accès.`,
      `Merci d'autoriser ${PAUL}, en copie ${CLAIRE}.`,
      `Merci d'autoriser ${PAUL} ou ${CLAIRE}.`,
      `Merci d'ouvrir un accès à ${PAUL} et ${CLAIRE}.\nDemande validée par ${NINA}`,
      `Merci d'ouvrir un accès à :\n- ${PAUL}\n- ${CLAIRE}\nValidé par : ${NINA}`,
      // Copied, or kept: said in brackets.
      `Merci de créer un accès pour :\n${PAUL}\n${CLAIRE} (en copie)`,
      // An apposition, not a list: the second address starts a clause of its own.
      `Merci de supprimer l'accès de ${PAUL}, ${CLAIRE} reprenant ses dossiers.`,
      `Merci de supprimer l'accès de ${PAUL}, ${CLAIRE}, qui le remplace, garde le sien.`,
      `Merci de supprimer les accès :\n${PAUL}\nPas celui-ci :\n${CLAIRE}`,
      `Merci de supprimer les accès :\n${PAUL}\nmais on garde\n${CLAIRE}`,
      // Two lists, each of its own.
      `Merci d'ajouter ${PAUL} et ${CLAIRE}.\nPour information, ${NINA} nous a rejoints aussi.`,
    ])
      expect(read(text), text).toMatchObject({ status: "ambiguous" });
    // Kept, or taking over: no one to revoke.
    expect(
      read(`Merci de supprimer les accès de :\n- ${PAUL}\n- ${CLAIRE} (qui garde le sien)`),
    ).toMatchObject({
      status: "ambiguous",
    });
    expect(read(`Merci de supprimer l'accès de ${PAUL} et ${CLAIRE} reprend ses dossiers.`)).toMatchObject({
      status: "ambiguous",
    });
    // The list is copied; the one asked for is named without an address.
    expect(
      read(`${PAUL} et ${CLAIRE} sont en copie. Merci de supprimer l'accès de Marc Durand.`),
    ).toMatchObject({
      status: "ambiguous",
      reason: "no-address",
    });
  });

  it("takes an address on the line below as the verb's object only for a list of people or accesses", () => {
    expect(read(`Pouvez-vous autoriser :\n${PAUL}`)).toMatchObject({
      request: { action: "grant", email: PAUL },
    });
    for (const text of [
      `Ci-dessous la personne à contacter pour fermer le dossier :\n${PAUL}`,
      `Merci de fermer le ticket :\n${PAUL}`,
      `Merci d'ajouter ce commentaire au dossier de :\n${PAUL}`,
    ])
      expect(read(text), text).toEqual({ status: "none" });
  });

  it("leaves a stand-in or a replacement to support, as before", () => {
    expect(read(`Merci de donner accès à ${PAUL} et ${CLAIRE} pendant les congés de ${NINA}.`)).toMatchObject(
      { status: "ambiguous" },
    );
    expect(read(`Merci de donner accès à ${PAUL} à la place de ${CLAIRE} pendant ses congés.`)).toMatchObject(
      {
        status: "ambiguous",
      },
    );
  });

  it("leaves a long list to support", () => {
    const many = Array.from({ length: 11 }, (_, i) => `- user${i}@editeur-radiologie.fr`).join("\n");
    expect(read(`Merci d'autoriser les personnes suivantes :\n${many}`)).toMatchObject({
      status: "ambiguous",
      reason: "several-addresses",
    });
  });
});
