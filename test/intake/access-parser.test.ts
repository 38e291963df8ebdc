import { describe, expect, it } from "vitest";
import { accessReader } from "../helpers/intake.ts";

const SENDER = "jean.dupont@editeur-radiologie.fr";
const read = accessReader(SENDER);

describe("parseAccessRequest", () => {
  it("understands a grant in free French text", () => {
    expect(read("Merci d'autoriser l'accès au service pour paul.leroy@editeur-radiologie.fr")).toEqual({
      status: "request",
      request: { action: "grant", email: "paul.leroy@editeur-radiologie.fr", newEmail: null },
    });
  });

  it("understands a revoke", () => {
    const parsed = read("Pouvez-vous supprimer l'accès de marc.durand@editeur-radiologie.fr ?");
    expect(parsed).toMatchObject({
      status: "request",
      request: { action: "revoke", email: "marc.durand@editeur-radiologie.fr" },
    });
  });

  it("understands « remplacer a par b » and « ancien … nouveau … »", () => {
    expect(read("merci de remplacer a.b@editeur.fr par c.d@editeur.fr")).toMatchObject({
      request: { action: "change", email: "a.b@editeur.fr", newEmail: "c.d@editeur.fr" },
    });
    expect(read("Modification de mail : ancien : a.b@editeur.fr nouveau : c.d@editeur.fr")).toMatchObject({
      request: { action: "change", email: "a.b@editeur.fr", newEmail: "c.d@editeur.fr" },
    });
    expect(read("nouvelle adresse : c.d@editeur.fr (ancienne adresse : a.b@editeur.fr)")).toMatchObject({
      request: { action: "change", email: "a.b@editeur.fr", newEmail: "c.d@editeur.fr" },
    });
  });

  it("understands an address-less request as about the sender", () => {
    expect(read("Je souhaite obtenir un accès au service.")).toMatchObject({
      request: { action: "grant", email: SENDER },
    });
    expect(read("Merci de supprimer mon accès.")).toMatchObject({
      request: { action: "revoke", email: SENDER },
    });
  });

  it("never takes a request naming someone else without an address for the sender's own", () => {
    const readAsClaire = accessReader("claire.petit@editeur-radiologie.fr");
    for (const text of [
      "Bonjour, merci d'autoriser l'accès pour ma collègue Jeanne Martin.",
      "Pouvez-vous donner accès au service à notre nouveau collaborateur, Marc Petit ?",
      "Merci de supprimer l'accès de Paul Durand, qui a quitté la société.\n\nClaire Petit\nclaire.petit@editeur-radiologie.fr",
      "Merci de donner l'accès à Jeanne Martin.",
      "Merci de retirer l'accès de M. Durand.",
    ])
      expect(readAsClaire(text), text).toMatchObject({
        status: "ambiguous",
        reason: "no-address",
      });
  });

  it("still reads a request about the sender as theirs, whatever the letter's greeting or signature", () => {
    for (const text of [
      "Madame, Monsieur,\n\nJe souhaite obtenir un accès au service.\n\nCordialement",
      "Bonjour,\nMerci de m'autoriser l'accès au service.\nDr Jean Dupont",
      "Bonjour, je souhaite obtenir un accès au service.\nJean Dupont (stagiaire)",
    ])
      expect(read(text), text).toMatchObject({ request: { action: "grant", email: SENDER } });
    expect(read("Merci de supprimer mon accès : mon successeur vous écrira.")).toMatchObject({
      request: { action: "revoke", email: SENDER },
    });
    expect(read("Je souhaite obtenir un accès pour mon collègue Jean.")).toMatchObject({
      status: "ambiguous",
      reason: "no-address",
    });
  });

  it("revokes the sender's own access only when they name it", () => {
    expect(read("Merci de supprimer l'accès.")).toMatchObject({ status: "ambiguous", reason: "no-address" });
    expect(read("Merci de supprimer l'accès de jean.dupont@editeur-radiologie.fr\n\nJean")).toMatchObject({
      request: { action: "revoke", email: SENDER },
    });
    expect(read("Merci de m'ouvrir l'accès à Ségur Numérique Imagerie.")).toMatchObject({
      request: { action: "grant", email: SENDER },
    });
  });

  it("ignores the sender's own address repeated in the signature", () => {
    const parsed = read(
      "Merci d'autoriser l'accès pour paul@editeur-radiologie.fr\n\nJean\njean.dupont@editeur-radiologie.fr",
    );
    expect(parsed).toMatchObject({ request: { email: "paul@editeur-radiologie.fr" } });
  });

  it("never guesses: an address beside the one asked for, both actions, a change without a new address", () => {
    // Listed side by side, both are asked for (access-several-addresses.test.ts); not so here.
    expect(read("Merci d'autoriser l'accès pour a@editeur.fr, à la demande de b@editeur.fr")).toMatchObject({
      status: "ambiguous",
      reason: "several-addresses",
    });
    expect(read("Supprimer l'accès de a@editeur.fr et donner un accès à son remplaçant")).toMatchObject({
      status: "ambiguous",
      reason: "several-actions",
    });
    expect(read("Je voudrais modifier mon adresse mail")).toMatchObject({
      status: "ambiguous",
      reason: "change-without-new-address",
    });
  });

  it("never decides a change that also names a third address, which the change would drop unread", () => {
    const text = [
      "Bonjour,",
      "Merci de remplacer a.b@editeur-radiologie.fr par c.d@editeur-radiologie.fr et d'ajouter e.f@autre-societe.fr.",
      "",
      "Cordialement,",
      "Jean Dupont",
      "jean.dupont@editeur-radiologie.fr",
    ].join("\n");
    expect(read(text)).toEqual({ status: "ambiguous", action: "change", reason: "several-addresses" });
    // The sender's own address, in the signature or as the old one, is no third address.
    expect(
      read("Merci de remplacer jean.dupont@editeur-radiologie.fr par j.dupont@editeur-radiologie.fr"),
    ).toMatchObject({ status: "request", request: { action: "change" } });
  });

  it("never reads an address typed with accents or other non-ASCII letters as another one", () => {
    // Folded, they were jose.garcia@…, jean@editeur-radiologie.fr (another domain) and e@….
    for (const address of [
      "josé.garcia@editeur-radiologie.fr",
      "jean@éditeur-radiologie.fr",
      "straße@editeur-radiologie.fr",
    ]) {
      expect(read(`Merci d'autoriser l'accès pour ${address}`), address).toEqual({
        status: "ambiguous",
        action: "grant",
        reason: "unreadable-address",
      });
    }
    // Accents elsewhere in the text are no address.
    expect(read("Merci d'autoriser l'accès pour paul.leroy@editeur-radiologie.fr dès la journée")).toEqual({
      status: "request",
      request: { action: "grant", email: "paul.leroy@editeur-radiologie.fr", newEmail: null },
    });
  });

  it("understands the other ways suppliers phrase it", () => {
    expect(
      read("Pouvez-vous créer un accès pour notre collaboratrice Anne Roux (anne.roux@editeur.fr) ?"),
    ).toMatchObject({
      request: { action: "grant", email: "anne.roux@editeur.fr" },
    });
    expect(read("Merci d'ajouter paul@editeur.fr à la liste des utilisateurs autorisés.")).toMatchObject({
      request: { action: "grant", email: "paul@editeur.fr" },
    });
    expect(
      read("Suite au départ de Marc (marc.durand@editeur.fr), merci de désactiver son compte."),
    ).toMatchObject({
      request: { action: "revoke", email: "marc.durand@editeur.fr" },
    });
    expect(read("Objet de la demande : suppression d'accès\nEmail concerné : marc@editeur.fr")).toMatchObject(
      {
        request: { action: "revoke", email: "marc@editeur.fr" },
      },
    );
    expect(
      read("Nouvelle adresse pour Jean : j.dupont@editeur.fr (ancienne : jean.dupont@editeur.fr)"),
    ).toMatchObject({
      request: { action: "change", email: "jean.dupont@editeur.fr", newEmail: "j.dupont@editeur.fr" },
    });
  });

  it("does not read a dispute or a question as an access request", () => {
    expect(read("L'établissement est pourtant autorisé par l'ARS, le résultat est faux.")).toEqual({
      status: "none",
    });
    expect(read("Pouvez-vous modifier le calcul et me répondre par mail ?")).toEqual({ status: "none" });
  });

  it("reads a question on how to get an access, naming nobody, as no request at all", () => {
    for (const text of [
      "Bonjour, comment obtenir un accès au service de calcul ? Merci",
      "Quelle est la démarche pour créer un compte ?",
      "Bonjour,\n\nComment faire pour avoir un accès au service ?\n\nCordialement,\nJean Dupont\njean.dupont@editeur-radiologie.fr",
      "Bonjour, pourriez-vous m'indiquer comment créer un compte pour un collègue ?",
      "Bonjour,\nMerci de m'indiquer la procédure à suivre pour obtenir une habilitation.",
    ])
      expect(read(text), text).toEqual({ status: "none" });
  });

  it("still grants the sender an access asked for beside a question on how it works", () => {
    for (const text of [
      "Bonjour, je souhaite obtenir un accès au service. Comment faire ?",
      "Merci de m'ouvrir un accès et de me dire comment l'utiliser.",
    ])
      expect(read(text), text).toMatchObject({ request: { action: "grant", email: SENDER } });
    expect(read("Comment obtenir un accès pour paul.leroy@editeur-radiologie.fr ?")).toMatchObject({
      request: { action: "grant", email: "paul.leroy@editeur-radiologie.fr" },
    });
  });

  it("revokes nothing when a colleague's access is only asked about: whether or how to end it", () => {
    for (const text of [
      "Bonjour,\nFaut-il supprimer l'accès de paul@editeur-radiologie.fr s'il change de service ?\nJean",
      "Dois-je demander la suppression de l'accès de paul@editeur-radiologie.fr ?",
      "Bonjour, est-il nécessaire de retirer l'accès de paul@editeur-radiologie.fr pendant son congé ?",
      "Comment supprimer l'accès de paul@editeur-radiologie.fr quand il partira ?",
      "Pouvez-vous me dire s'il faut désactiver le compte de paul@editeur-radiologie.fr ?",
    ])
      expect(read(text), text).toEqual({ status: "none" });
    // Asked for outright, with a question beside it, or asked politely: still a revoke.
    for (const text of [
      "Pouvez-vous supprimer l'accès de paul@editeur-radiologie.fr ? Comment saurai-je que c'est fait ?",
      "Serait-il possible de supprimer l'accès de paul@editeur-radiologie.fr ?",
      "paul@editeur-radiologie.fr a quitté la société. Faut-il vous écrire pour supprimer son accès ? Merci de le faire.",
    ])
      expect(read(text), text).toMatchObject({
        request: { action: "revoke", email: "paul@editeur-radiologie.fr" },
      });
  });

  it("moves no access that is only asked about: a change takes the old address's away", () => {
    for (const text of [
      "Comment remplacer paul@editeur-radiologie.fr par p.martin@editeur-radiologie.fr ?",
      "Bonjour,\nFaut-il changer l'adresse paul@editeur-radiologie.fr en p.martin@editeur-radiologie.fr après son mariage ?",
      "Dois-je vous demander de transférer l'accès de paul@editeur-radiologie.fr à p.martin@editeur-radiologie.fr ?",
    ])
      expect(read(text), text).toEqual({ status: "none" });
    for (const text of [
      "Pouvez-vous remplacer paul@editeur-radiologie.fr par p.martin@editeur-radiologie.fr ?",
      "Merci de remplacer paul@editeur-radiologie.fr par p.martin@editeur-radiologie.fr. Comment saurai-je que c'est fait ?",
    ])
      expect(read(text), text).toMatchObject({
        request: {
          action: "change",
          email: "paul@editeur-radiologie.fr",
          newEmail: "p.martin@editeur-radiologie.fr",
        },
      });
  });

  it("ends no access before the date the request sets for it: support does it when due", () => {
    for (const text of [
      "Merci de supprimer l'accès de paul@editeur-radiologie.fr à partir du 1er janvier.",
      "Merci de désactiver le compte de paul@editeur-radiologie.fr à compter du 15 janvier 2027.",
      "Merci de supprimer l'accès de paul@editeur-radiologie.fr le 31/12/2026, date de son départ.",
      "Merci de supprimer l'accès de paul@editeur-radiologie.fr à la fin du mois.",
      "Merci de supprimer l'accès de paul@editeur-radiologie.fr lorsqu'il partira en retraite.",
      "Merci de supprimer l'accès de paul@editeur-radiologie.fr ; il quitte la société fin décembre.",
      "Bonjour,\nPaul part en retraite. Merci de retirer l'accès de paul@editeur-radiologie.fr à son départ, le 20 décembre.",
      "Merci de remplacer jean.dupont@editeur-radiologie.fr par j.dupont@editeur-radiologie.fr à partir du 1er janvier.",
    ])
      expect(read(text), text).toMatchObject({ status: "ambiguous", reason: "dated" });
    // Done now: no date, a date that is now, a departure already made, a date in another sentence.
    for (const text of [
      "Merci de supprimer l'accès de paul@editeur-radiologie.fr dès aujourd'hui.",
      "Merci de supprimer l'accès de paul@editeur-radiologie.fr à partir de maintenant.",
      "paul@editeur-radiologie.fr a quitté la société le 30 novembre, merci de supprimer son accès.",
      "paul@editeur-radiologie.fr ne fait plus partie de nos effectifs depuis le 1er décembre, merci de supprimer son accès.",
      "Merci de supprimer l'accès de paul@editeur-radiologie.fr au plus vite. Je serai absent à partir du 15 décembre.",
      "Merci de supprimer l'accès de paul@editeur-radiologie.fr\nJean Dupont\nTél. 03.20.12.34.56",
    ])
      expect(read(text), text).toMatchObject({
        request: { action: "revoke", email: "paul@editeur-radiologie.fr" },
      });
    // A grant given before its date takes nothing away.
    expect(
      read(
        "Merci d'ouvrir un accès à claire@editeur-radiologie.fr à partir du 4 janvier, date de son arrivée.",
      ),
    ).toMatchObject({ request: { action: "grant", email: "claire@editeur-radiologie.fr" } });
  });

  it("reads « ne plus autoriser » and « ne doit plus avoir accès » as a revoke, never as a grant", () => {
    expect(read("Merci de ne plus autoriser l'accès de paul@editeur-radiologie.fr")).toMatchObject({
      status: "request",
      request: { action: "revoke", email: "paul@editeur-radiologie.fr" },
    });
    expect(read("paul@editeur-radiologie.fr ne doit plus avoir accès au service.")).toMatchObject({
      status: "request",
      request: { action: "revoke", email: "paul@editeur-radiologie.fr" },
    });
    expect(
      read("paul@editeur-radiologie.fr a quitté la société et n'a plus besoin de son accès."),
    ).toMatchObject({
      request: { action: "revoke", email: "paul@editeur-radiologie.fr" },
    });
  });

  it("reads an access no longer needed, and one named before the verb ending it, as a revoke", () => {
    for (const text of [
      "Nous n'avons plus besoin de l'accès de paul@editeur-radiologie.fr, qui est parti à la retraite.",
      "Bonjour,\nnous n'avons plus besoin du compte paul@editeur-radiologie.fr.\nMerci",
      "L'accès de paul@editeur-radiologie.fr n'est plus nécessaire.",
      "Le compte de paul@editeur-radiologie.fr, pouvez-vous le désactiver ?",
    ])
      expect(read(text), text).toMatchObject({
        status: "request",
        request: { action: "revoke", email: "paul@editeur-radiologie.fr" },
      });
    expect(read("Je n'ai plus besoin de mon accès, merci de le supprimer.")).toMatchObject({
      request: { action: "revoke", email: SENDER },
    });
    expect(
      read(
        "Nous n'avons plus besoin des accès de paul@editeur-radiologie.fr et de luc@editeur-radiologie.fr.",
      ),
    ).toMatchObject({
      status: "requests",
      requests: [{ email: "paul@editeur-radiologie.fr" }, { email: "luc@editeur-radiologie.fr" }],
    });
    // Kept, or something else no longer needed: nothing ends.
    for (const text of [
      "L'accès de paul@editeur-radiologie.fr : ne le supprimez surtout pas, il revient en janvier.",
      "Nous n'avons plus besoin de recevoir les résultats en PDF.\nClaire\nclaire@editeur-radiologie.fr",
    ])
      expect(read(text), text).not.toMatchObject({ request: { action: "revoke" } });
  });

  it("reads a departure from the company as a revoke, not leaving a project or a meeting", () => {
    for (const text of [
      "Bonjour, paul@editeur-radiologie.fr a quitté la société.",
      "paul@editeur-radiologie.fr a quitté l'entreprise le 30 novembre.",
      "paul@editeur-radiologie.fr nous a quittés.",
      "paul@editeur-radiologie.fr ne fait plus partie de nos effectifs.",
      "paul@editeur-radiologie.fr n'est plus salarié de notre société.",
    ])
      expect(read(text), text).toMatchObject({
        status: "request",
        request: { action: "revoke", email: "paul@editeur-radiologie.fr" },
      });
    for (const text of [
      "paul@editeur-radiologie.fr a quitté le projet Lens, merci de le retirer de la liste de diffusion.",
      "paul@editeur-radiologie.fr a quitté la réunion avant la fin.",
      "paul@editeur-radiologie.fr ne fait plus partie du projet Artois.",
      "paul@editeur-radiologie.fr n'est plus dans la boucle de ce dossier.",
    ])
      expect(read(text), text).not.toMatchObject({ request: { action: "revoke" } });
  });

  it("never takes an address written elsewhere for the one named where the address would be", () => {
    for (const text of [
      "paul@editeur-radiologie.fr est en copie. Merci de supprimer l'accès de Marc Durand.",
      "Bonjour,\nMerci de supprimer l'accès de Marc Durand, qui a quitté la société.\nPour toute question : paul@editeur-radiologie.fr",
      "Merci d'ouvrir l'accès de Jeanne Martin. Je mets paul@editeur-radiologie.fr en copie.",
    ])
      expect(read(text), text).toMatchObject({ status: "ambiguous", reason: "no-address" });
    // The name with its address, in brackets, after a colon or on the line below.
    for (const text of [
      "Merci de supprimer l'accès de Marc Durand (marc.durand@editeur-radiologie.fr).",
      "Merci de supprimer l'accès de Marc Durand : marc.durand@editeur-radiologie.fr",
      "Merci de supprimer l'accès de Marc Durand :\nmarc.durand@editeur-radiologie.fr",
    ])
      expect(read(text), text).toMatchObject({
        status: "request",
        request: { email: "marc.durand@editeur-radiologie.fr" },
      });
    expect(
      read("Merci d'autoriser Jeanne Martin, jeanne.martin@editeur-radiologie.fr, notre nouvelle recrue."),
    ).toMatchObject({ request: { action: "grant", email: "jeanne.martin@editeur-radiologie.fr" } });
  });

  it("never revokes the successor a text names beside the colleague who left", () => {
    const paul = "paul@editeur-radiologie.fr";
    for (const text of [
      `${paul} reprend les dossiers de Marc, merci de supprimer son accès.`,
      `${paul} remplace Marc Durand à partir de lundi : merci de supprimer l'accès de Marc.`,
      `${paul} succède à Marc. Merci de fermer son compte.`,
      `Marc Durand est parti ; son successeur est ${paul}. Merci de supprimer son accès.`,
    ])
      expect(read(text), text).toMatchObject({ status: "ambiguous", action: "revoke", reason: "no-address" });
    // The one who left is the address; the successor is only named.
    for (const text of [
      `${paul} a quitté la société, Claire reprend ses dossiers. Merci de supprimer son accès.`,
      `Merci de supprimer l'accès de ${paul}, qui a été remplacé par Claire.`,
      `${paul} a été remplacé par Claire : merci de supprimer son accès.`,
    ])
      expect(read(text), text).toMatchObject({
        status: "request",
        request: { action: "revoke", email: paul },
      });
    // Granted, the successor is the one asked for.
    expect(read(`${paul} reprend les dossiers de Marc, merci de lui donner accès.`)).toMatchObject({
      status: "request",
      request: { action: "grant", email: paul },
    });
  });

  it("revokes only an address the revoke acts on: not one kept, excepted, taking over or given as a contact", () => {
    const paul = "paul@editeur-radiologie.fr";
    for (const text of [
      `Merci de supprimer l'ancien compte et de garder ${paul}.`,
      `Merci de supprimer tous les accès sauf celui de ${paul}.`,
      `Merci de désactiver les autres comptes ; seul ${paul} doit rester.`,
      `Suite au départ de Marc, merci de supprimer son accès. Contact : ${paul}`,
      `Merci de supprimer le compte en double de ${paul}.`,
      `Merci de supprimer mon accès, ${paul} prendra le relais.`,
    ])
      expect(read(text), text).not.toMatchObject({ request: { action: "revoke", email: paul } });
    for (const text of [
      `Pouvez-vous supprimer l'accès de ${paul} ? Il a quitté la société.`,
      `${paul} a quitté la société. Merci de supprimer son accès.`,
      `Suppression d'accès\nL'email concerné : ${paul}`,
      `Objet : suppression d'accès\nEmail : ${paul}`,
      `Merci de supprimer l'accès de ${paul} et de garder celui de Claire Petit.`,
      `Merci de désactiver le compte suivant :\n\n${paul}`,
    ])
      expect(read(text), text).toMatchObject({
        status: "request",
        request: { action: "revoke", email: paul },
      });
  });

  it("grants no address the request excepts", () => {
    for (const text of [
      "Merci de donner accès à toute l'équipe sauf paul@editeur-radiologie.fr.",
      "Merci d'ouvrir les accès de nos commerciaux, à l'exception de paul@editeur-radiologie.fr.",
    ])
      expect(read(text), text).toMatchObject({ status: "ambiguous", action: "grant", reason: "no-address" });
  });

  it("grants nothing when the grant is negated, and revokes nothing when access fails", () => {
    expect(read("Merci de ne pas autoriser paul@editeur-radiologie.fr pour l'instant.")).not.toMatchObject({
      request: { action: "grant" },
    });
    expect(read("Je n'arrive pas à créer mon compte, pouvez-vous m'aider ?")).not.toMatchObject({
      request: { action: "grant" },
    });
    for (const problem of [
      "Je ne peux plus accéder au service depuis hier.",
      "Je n'arrive plus à accéder au service.",
    ]) {
      expect(read(problem), problem).not.toMatchObject({ request: { action: "revoke" } });
    }
  });

  it("revokes nothing when the revoke is negated, and grants nothing when « ajouter » is", () => {
    for (const text of [
      "Merci de ne pas supprimer l'accès de paul@editeur-radiologie.fr, il change seulement de service.",
      "Ne supprimez pas l'accès de paul@editeur-radiologie.fr",
      "Ne désactivez surtout pas le compte de paul@editeur-radiologie.fr",
      "Il ne faut pas retirer l'accès de paul@editeur-radiologie.fr",
    ]) {
      expect(read(text), text).not.toMatchObject({ request: { action: "revoke" } });
    }
    for (const text of [
      "Merci de ne pas ajouter paul@editeur-radiologie.fr pour l'instant.",
      "N'ajoutez pas paul@editeur-radiologie.fr",
    ]) {
      expect(read(text), text).not.toMatchObject({ request: { action: "grant" } });
    }
    // Another revoke beside the negated one is still read.
    expect(
      read(
        "Ne supprimez pas l'accès de paul@editeur-radiologie.fr. Merci de supprimer celui de marc@editeur-radiologie.fr.",
      ),
    ).toMatchObject({ status: "ambiguous", action: "revoke", reason: "several-addresses" });
  });

  it("reads who approved or forwarded a request as such, not as a new address", () => {
    expect(
      read(
        "Merci d'autoriser l'accès pour paul.leroy@editeur-radiologie.fr, demande validée par marie.roux@editeur-radiologie.fr.",
      ),
    ).toMatchObject({ status: "ambiguous", action: "grant", reason: "several-addresses" });
    expect(
      read(
        "Merci d'autoriser l'accès pour paul.leroy@editeur-radiologie.fr (demande transmise par jean.dupont@editeur-radiologie.fr)",
      ),
    ).toEqual({
      status: "request",
      request: { action: "grant", email: "paul.leroy@editeur-radiologie.fr", newEmail: null },
    });
    expect(read("a.b@editeur.fr est remplacée par c.d@editeur.fr")).toMatchObject({
      request: { action: "change", email: "a.b@editeur.fr", newEmail: "c.d@editeur.fr" },
    });
    expect(read("Merci de changer l'adresse a.b@editeur.fr en c.d@editeur.fr")).toMatchObject({
      request: { action: "change", email: "a.b@editeur.fr", newEmail: "c.d@editeur.fr" },
    });
    // The change said in the subject, the addresses alone in the body.
    expect(read("Changement d'adresse\njean@editeur.fr par jean.dupont@editeur.fr")).toMatchObject({
      request: { action: "change", email: "jean@editeur.fr", newEmail: "jean.dupont@editeur.fr" },
    });
    expect(
      read("Changement d'adresse\nmerci de passer jean@editeur.fr en jean.dupont@editeur.fr"),
    ).toMatchObject({
      request: { action: "change", email: "jean@editeur.fr", newEmail: "jean.dupont@editeur.fr" },
    });
  });

  it("reads a lone « Objet : » line as the guide's field, and still ignores a forwarded message's headers", () => {
    expect(
      read(
        "Bonjour,\n\nEmail concerné : paul.leroy@editeur-radiologie.fr\nObjet : autorisation d'accès\n\nCordialement",
      ),
    ).toEqual({
      status: "request",
      request: { action: "grant", email: "paul.leroy@editeur-radiologie.fr", newEmail: null },
    });
    expect(read("Objet : suppression d'accès\nEmail concerné : marc@editeur-radiologie.fr")).toMatchObject({
      request: { action: "revoke", email: "marc@editeur-radiologie.fr" },
    });
    // Below a forwarded message's « De : … Envoyé : … À : … », « Objet : » is that message's subject.
    const forwarded = [
      "Merci de supprimer l'accès de marc@editeur-radiologie.fr.",
      "",
      "De : Paul Leroy <paul.leroy@editeur-radiologie.fr>",
      "Envoyé : lundi 17 novembre 2025 09:02",
      "À : Jean Dupont <jean.dupont@editeur-radiologie.fr>",
      "Objet : autorisation d'accès pour anne@editeur-radiologie.fr",
    ].join("\n");
    expect(read(forwarded)).toEqual({
      status: "request",
      request: { action: "revoke", email: "marc@editeur-radiologie.fr", newEmail: null },
    });
    const gmail = [
      "Merci de supprimer l'accès de marc@editeur-radiologie.fr.",
      "",
      "---------- Forwarded message ---------",
      "Objet : autorisation d'accès pour anne@editeur-radiologie.fr",
    ].join("\n");
    expect(read(gmail)).toMatchObject({ request: { action: "revoke", email: "marc@editeur-radiologie.fr" } });
  });

  it("reads the guide's « Si modification : » and « La mise à jour demandée : remplacer par … » as the new address", () => {
    expect(
      read(
        "Email concerné : lucie.moreau@editeur-radiologie.fr\nObjet de la demande : modification de mail\nSi modification : lucie.petit@editeur-radiologie.fr",
      ),
    ).toEqual({
      status: "request",
      request: {
        action: "change",
        email: "lucie.moreau@editeur-radiologie.fr",
        newEmail: "lucie.petit@editeur-radiologie.fr",
      },
    });
    expect(
      read(
        "Bonjour,\nL'email concerné : lucie.moreau@editeur-radiologie.fr\nL'objet de la demande : modification de mail\nLa mise à jour demandée : remplacer par lucie.petit@editeur-radiologie.fr\nCordialement",
      ),
    ).toEqual({
      status: "request",
      request: {
        action: "change",
        email: "lucie.moreau@editeur-radiologie.fr",
        newEmail: "lucie.petit@editeur-radiologie.fr",
      },
    });
  });

  it("never reads a new address as a change when the labelled subject asks for another action", () => {
    for (const label of ["Si modification", "Mise à jour demandée"]) {
      const text = `Email concerné : lucie.moreau@editeur-radiologie.fr\nObjet de la demande : autorisation d'accès\n${label} : lucie.petit@editeur-radiologie.fr`;
      expect(read(text), label).toMatchObject({ status: "ambiguous" });
    }
    // The guide's line left empty, or « sans objet », asks nothing more.
    expect(
      read(
        "Email concerné : lucie.moreau@editeur-radiologie.fr\nObjet de la demande : autorisation d'accès\nSi modification : sans objet",
      ),
    ).toMatchObject({ request: { action: "grant", email: "lucie.moreau@editeur-radiologie.fr" } });
  });

  it("reads the guide's heading « Demande d'accès pour … » as a grant, unless another action is named", () => {
    expect(
      read("Demande d'accès pour paul.leroy@editeur-radiologie.fr\n\nCordialement,\nJean Dupont"),
    ).toEqual({
      status: "request",
      request: { action: "grant", email: "paul.leroy@editeur-radiologie.fr", newEmail: null },
    });
    expect(read("Demande d'accès pour ma collègue Jeanne Martin")).toMatchObject({
      status: "ambiguous",
      action: "grant",
      reason: "no-address",
    });
    // The heading covers all three actions: the one the text names wins.
    expect(
      read(
        "Demande d'accès pour paul.leroy@editeur-radiologie.fr\nMerci de supprimer l'accès de paul.leroy@editeur-radiologie.fr",
      ),
    ).toMatchObject({ request: { action: "revoke", email: "paul.leroy@editeur-radiologie.fr" } });
    // A follow-up, a cancellation or a denial asks for nothing.
    for (const text of [
      "Suite à ma demande d'accès pour paul.leroy@editeur-radiologie.fr, je n'ai reçu aucune réponse.",
      "Merci d'annuler la demande d'accès pour paul.leroy@editeur-radiologie.fr",
      "Ce n'est pas une demande d'accès pour paul.leroy@editeur-radiologie.fr, juste une question.",
    ])
      expect(read(text), text).not.toMatchObject({ request: { action: "grant" } });
  });

  it("understands « activer », « inscrire », « rajouter » as a grant and « enlever » as a revoke", () => {
    for (const text of [
      "Bonjour, pourriez-vous activer l'accès de paul.leroy@editeur-radiologie.fr ?",
      "Merci de réactiver l'accès de paul.leroy@editeur-radiologie.fr, revenu dans l'équipe.",
      "Bonjour, merci d'inscrire paul.leroy@editeur-radiologie.fr au service.",
      "Merci de rajouter paul.leroy@editeur-radiologie.fr aux utilisateurs du service.",
    ])
      expect(read(text), text).toEqual({
        status: "request",
        request: { action: "grant", email: "paul.leroy@editeur-radiologie.fr", newEmail: null },
      });
    expect(
      read("Bonjour, merci d'enlever l'accès de marc.durand@editeur-radiologie.fr qui a changé de poste."),
    ).toEqual({
      status: "request",
      request: { action: "revoke", email: "marc.durand@editeur-radiologie.fr", newEmail: null },
    });
    // Someone named without an address is never the sender.
    for (const text of ["Merci d'activer l'accès de Paul Leroy.", "Merci d'enlever l'accès de Marc Durand."])
      expect(read(text), text).toMatchObject({ status: "ambiguous", reason: "no-address" });
  });

  it("neither grants nor revokes when « activer », « inscrire », « rajouter » or « enlever » is negated", () => {
    for (const text of [
      "Merci de ne pas activer l'accès de paul@editeur-radiologie.fr pour l'instant.",
      "N'activez pas l'accès de paul@editeur-radiologie.fr",
      "Ne réactivez surtout pas le compte de paul@editeur-radiologie.fr",
      "Merci de ne pas inscrire paul@editeur-radiologie.fr au service.",
      "N'inscrivez pas paul@editeur-radiologie.fr",
      "Ne rajoutez pas paul@editeur-radiologie.fr",
      "Je n'arrive pas à activer mon compte.",
      // « avoir » and « obtenir » make a grant: negated, they refuse one (both were granted).
      "paul@editeur-radiologie.fr ne doit pas avoir accès au service.",
      "Je ne veux pas obtenir d'accès pour paul@editeur-radiologie.fr.",
    ])
      expect(read(text), text).not.toMatchObject({ request: { action: "grant" } });
    for (const text of [
      "N'enlevez pas l'accès de paul@editeur-radiologie.fr, il change seulement de service.",
      "N'enlevez surtout pas l'accès de paul@editeur-radiologie.fr",
      "Merci de ne pas enlever l'accès de paul@editeur-radiologie.fr",
      "Vous avez enlevé l'accès de paul@editeur-radiologie.fr par erreur ?",
    ])
      expect(read(text), text).not.toMatchObject({ request: { action: "revoke" } });
  });

  it("reads the other words suppliers use for a grant and a revoke", () => {
    const paul = "paul.martin@editeur-radiologie.fr";
    for (const text of [
      `Merci d'enregistrer ${paul} comme utilisateur du service.`,
      `Paul Martin rejoint l'équipe commerciale, pouvez-vous lui donner les droits ? ${paul}`,
      `Je souhaiterais que mon collègue ${paul} puisse utiliser le service de calcul.`,
      `Nous aimerions que ${paul} puisse envoyer des demandes de calcul.`,
      `Pouvez-vous faire en sorte que ${paul} puisse soumettre ses demandes ?`,
      `Paul Martin (${paul}) doit pouvoir accéder au service.`,
    ])
      expect(read(text), text).toEqual({
        status: "request",
        request: { action: "grant", email: paul, newEmail: null },
      });
    for (const text of [
      `Merci de résilier l'accès de ${paul}`,
      `Merci de bloquer l'accès de ${paul}, il a quitté la société.`,
    ])
      expect(read(text), text).toEqual({
        status: "request",
        request: { action: "revoke", email: paul, newEmail: null },
      });
  });

  it("takes neither a recorded request, a right to a tranche nor a blocked access for an access request", () => {
    for (const text of [
      "Nous avons bien enregistré votre demande de calcul du 12 novembre. paul.martin@editeur-radiologie.fr",
      "Nous devrions avoir droit à la tranche D pour le CH d'Arras.",
      "Mon accès est bloqué depuis ce matin, pouvez-vous regarder ?",
      "Merci de ne pas bloquer l'accès de paul.martin@editeur-radiologie.fr",
      "N'enregistrez pas paul.martin@editeur-radiologie.fr, il n'est que stagiaire.",
      "paul.martin@editeur-radiologie.fr ne doit pas pouvoir envoyer de demandes.",
      "Il ne faut plus que paul.martin@editeur-radiologie.fr puisse envoyer des demandes.",
    ])
      expect(read(text), text).not.toMatchObject({ status: "request" });
  });

  it("takes no question or report about an access decided earlier for a request to decide it again", () => {
    // Each revoked (or granted) the address it complains about, and no ticket told support.
    for (const text of [
      "Bonjour, pourquoi avez-vous supprimé l'accès de paul.martin@editeur-radiologie.fr ?",
      "Qui a demandé la suppression de l'accès de paul.martin@editeur-radiologie.fr ?",
      "Bonjour, nous avons reçu une confirmation de suppression de l'accès de paul.martin@editeur-radiologie.fr, nous ne l'avons jamais demandée.",
      "Pour quelle raison l'accès de paul.martin@editeur-radiologie.fr a-t-il été ouvert ?",
      "Qui a autorisé paul.martin@editeur-radiologie.fr ? Ce n'est pas un de nos salariés.",
    ])
      expect(read(text), text).not.toMatchObject({ status: "request" });
    // A request asked as a question is still one.
    expect(read("Pourriez-vous supprimer l'accès de paul.martin@editeur-radiologie.fr ?")).toMatchObject({
      request: { action: "revoke", email: "paul.martin@editeur-radiologie.fr" },
    });
    expect(
      read(
        "Vous avez supprimé l'accès de marc@editeur-radiologie.fr ; merci d'autoriser paul@editeur-radiologie.fr.",
      ),
    ).toMatchObject({ status: "ambiguous", action: "grant" });
  });

  it("never names one of the service's own addresses", () => {
    expect(read("Merci d'autoriser l'accès, je vous écris à contact@example.test")).toMatchObject({
      request: { email: SENDER },
    });
  });
});
