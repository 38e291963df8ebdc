import { describe, expect, it } from "vitest";
import { accessReader } from "../helpers/intake.ts";

// A colleague leaves and another takes over: suppliers write it in many ways, rarely as the
// guide's « remplacer a par b ». Each is one change (the old address loses its access, the new one
// gets it), not a question for support nor half of it.
const SENDER = "claire.petit@editeur-radiologie.fr";
const read = accessReader(SENDER);
const oldAddress = "jean.dupont@editeur-radiologie.fr";
const newAddress = "paul.martin@editeur-radiologie.fr";
const change = { status: "request", request: { action: "change", email: oldAddress, newEmail: newAddress } };

describe("a replacement written as a departure and a successor", () => {
  it("reads « supprimer son accès et le remplacer par … » after the leaver's address", () => {
    expect(
      read(
        `Bonjour,\n\nJean Dupont (${oldAddress}) a quitté la société. Merci de supprimer son accès et de le remplacer par ${newAddress}.\n\nCordialement,\nClaire Petit`,
      ),
    ).toEqual(change);
  });

  it("reads the successor's address after their name", () => {
    expect(
      read(
        `Marc Durand (${oldAddress}) nous a quittés. Merci de supprimer son accès et de le remplacer par celui de sa successeure, Nina Perrin (${newAddress}).`,
      ),
    ).toEqual(change);
    expect(
      read(
        `${oldAddress} est parti à la retraite ; son successeur est Paul Martin, ${newAddress}, merci de lui transférer l'accès.`,
      ),
    ).toEqual(change);
  });

  it("reads « mettre à jour l'adresse … ? La nouvelle est … »", () => {
    expect(
      read(
        `Bonjour,\nPouvez-vous mettre à jour l'adresse ${oldAddress} ? La nouvelle est ${newAddress}\nMerci`,
      ),
    ).toEqual(change);
  });

  it("reads an access transferred to the successor", () => {
    expect(
      read(
        `Bonjour,\nSuite au départ de ${oldAddress}, son accès doit être transféré à ${newAddress}.\nBien à vous`,
      ),
    ).toEqual(change);
    expect(
      read(
        `Bonjour,\n${oldAddress} quitte l'entreprise, son successeur est ${newAddress}. Pouvez-vous lui transférer son accès ?\nMerci`,
      ),
    ).toEqual(change);
    expect(read(`Merci de transférer l'accès de ${oldAddress} vers ${newAddress}.`)).toEqual(change);
  });

  it("reads a grant « en remplacement de » or « à la place de » the leaver", () => {
    expect(read(`Merci de donner accès à ${newAddress} en remplacement de ${oldAddress}.`)).toEqual(change);
    expect(read(`Merci d'autoriser ${newAddress} à la place de ${oldAddress}, qui nous a quittés.`)).toEqual(
      change,
    );
    expect(read(`En remplacement de ${oldAddress}, merci d'ouvrir un accès pour ${newAddress}.`)).toEqual(
      change,
    );
  });

  it("reads « retirer l'accès de … et ajouter … à la place »", () => {
    expect(read(`Merci de retirer l'accès de ${oldAddress} et d'ajouter ${newAddress} à la place.`)).toEqual(
      change,
    );
  });

  it("reads « … remplace … » with the new address first", () => {
    expect(
      read(
        `Bonjour, ${newAddress} remplace ${oldAddress} depuis ce matin : merci de mettre à jour les accès.`,
      ),
    ).toEqual(change);
  });

  it("leaves a replacement set for a later date to support, which makes it when due", () => {
    expect(
      read(
        `Bonjour, ${newAddress} remplace ${oldAddress} à compter du 1er décembre : merci de mettre à jour les accès.`,
      ),
    ).toMatchObject({ status: "ambiguous", action: "change", reason: "dated" });
  });

  it("reads a grant for one address and a revoke for the other as the change they make", () => {
    expect(read(`Merci de créer un accès pour ${newAddress} et de fermer celui de ${oldAddress}.`)).toEqual(
      change,
    );
    expect(
      read(`Pouvez-vous supprimer l'accès de ${oldAddress} et en ouvrir un pour ${newAddress} ?`),
    ).toEqual(change);
    expect(
      read(`Bonjour,\nMerci de désactiver ${oldAddress}\net d'activer ${newAddress}\nCordialement`),
    ).toEqual(change);
  });

  it("leaves both actions to support when it cannot tell which address each one is for", () => {
    for (const text of [
      `Merci d'ouvrir un accès pour ${newAddress}. Pour information, ${oldAddress} a quitté la société : vous pouvez fermer son accès.`,
      `Merci d'ajouter ou de supprimer ${newAddress} et ${oldAddress} selon le cas.`,
      // The verb acts on something else of the address's: a ticket, a file.
      `Merci de créer un accès pour ${newAddress}. Par ailleurs, pouvez-vous fermer le ticket ouvert par ${oldAddress} ?`,
    ])
      expect(read(text), text).toMatchObject({ status: "ambiguous", reason: "several-actions" });
  });

  it("leaves a stand-in during an absence to support: the absent colleague keeps the access", () => {
    for (const text of [
      `Merci de donner accès à ${newAddress} à la place de ${oldAddress} pendant ses congés.`,
      `${newAddress} remplace temporairement ${oldAddress} : merci de lui ouvrir un accès.`,
      `Merci d'autoriser ${newAddress} en remplacement de ${oldAddress} durant son absence.`,
    ])
      expect(read(text), text).toMatchObject({ status: "ambiguous", reason: "several-addresses" });
  });

  it("leaves it to support when the one replaced keeps an access too", () => {
    for (const text of [
      `Mon collègue ${newAddress} remplace ${oldAddress} sur le dossier Lens ; ils doivent tous deux garder l'accès.`,
      `${newAddress} remplace ${oldAddress} sur ce dossier, mais ${oldAddress} conserve son accès.`,
      `Merci d'autoriser ${newAddress} à la place de ${oldAddress} sur le compte Artois, en plus de son accès actuel.`,
    ])
      expect(read(text), text).not.toMatchObject({ request: { action: "change" } });
  });

  it("still reads the change when only a sentence naming no address speaks of an absence", () => {
    expect(
      read(
        `Bonjour,\nMerci de remplacer ${oldAddress} par ${newAddress}.\nJe serai absente du 24 décembre au 2 janvier.\nClaire Petit`,
      ),
    ).toEqual(change);
    expect(
      read(
        `Bonjour,\n${newAddress} remplace\ntemporairement ${oldAddress} pendant\nson congé : merci de lui ouvrir un accès.`,
      ),
    ).toMatchObject({ status: "ambiguous", reason: "several-addresses" });
  });

  it("never makes a change the sender asks not to make: support reads it", () => {
    // « ne pas remplacer a par b » moved a's access to b, a losing it.
    for (const text of [
      `Merci de ne pas remplacer ${oldAddress} par ${newAddress}, il reste chez nous.`,
      `Ne remplacez pas ${oldAddress} par ${newAddress}.`,
      `Merci de ne pas transférer l'accès de ${oldAddress} vers ${newAddress}.`,
      `${oldAddress} n'est pas remplacé par ${newAddress} : merci d'ajouter ${newAddress} en plus.`,
      `Il ne faut pas supprimer ${oldAddress} ni le remplacer par ${newAddress}.`,
      `Surtout ne transférez pas mon accès à ${newAddress}.`,
    ])
      expect(read(text), text).toMatchObject({ status: "ambiguous" });
    expect(
      read(
        `Merci de remplacer ${oldAddress} par ${newAddress}. N'hésitez pas à modifier ma demande si besoin.`,
      ),
    ).toEqual(change);
    expect(read(`Ne remplacez pas ${oldAddress} par ${newAddress}.`)).toEqual({
      status: "ambiguous",
      action: "change",
      reason: "negated-change",
    });
  });

  it("never reads a document replaced between two addresses for their change", () => {
    expect(
      read(
        `${oldAddress} nous a envoyé le bon de commande ; merci de le remplacer par la version de ${newAddress}.`,
      ),
    ).not.toMatchObject({ request: { action: "change" } });
    expect(
      read(`Le devis de ${oldAddress} est remplacé par celui de ${newAddress}, ci-joint.`),
    ).not.toMatchObject({ request: { action: "change" } });
  });

  it("never reads a replacement out of addresses that are not swapped", () => {
    expect(read(`Merci d'autoriser ${newAddress}. ${oldAddress} garde son accès.`)).toMatchObject({
      status: "ambiguous",
      reason: "several-addresses",
    });
    expect(
      read(
        `Bonjour, le devis a été remplacé par une nouvelle version : merci d'autoriser ${newAddress} (demande de ${oldAddress}).`,
      ),
    ).not.toMatchObject({ request: { action: "change" } });
  });
});

describe("a change of the sender's own address", () => {
  const sender = SENDER;
  const other = "claire.petit@editeur-radiologie-sante.fr";

  it("moves the sender's access to the address they call new, their successor's or the one it goes to", () => {
    for (const text of [
      `Bonjour,\nJe change d'adresse : ma nouvelle adresse est ${other}\nMerci de mettre à jour mon accès.`,
      `Suite au changement de nom de domaine, merci de remplacer mon adresse par ${other}.`,
      `Merci de transférer mon accès à ${other}.`,
      `Je quitte la société ; mon successeur sera ${other}, merci de lui transférer mon accès.`,
    ])
      expect(read(text), text).toEqual({
        status: "request",
        request: { action: "change", email: sender, newEmail: other },
      });
  });

  it("moves the access of the address they call old to the sender's", () => {
    for (const text of [
      `Bonjour,\nMon ancienne adresse était ${other}, merci de mettre à jour mon accès avec celle-ci.`,
      `J'écris depuis ma nouvelle adresse ; l'ancienne, ${other}, peut être remplacée par celle-ci.`,
    ])
      expect(read(text), text).toEqual({
        status: "request",
        request: { action: "change", email: other, newEmail: sender },
      });
  });

  it("adds an address the sender calls an extra one of theirs, keeping the sender's", () => {
    for (const text of [
      `Merci d'ajouter ma nouvelle adresse secondaire ${other} ; mon adresse actuelle reste valable.`,
      `Merci d'autoriser aussi ma nouvelle adresse ${other}.`,
    ])
      expect(read(text), text).toEqual({
        status: "request",
        request: { action: "grant", email: other, newEmail: null },
      });
    // Said to change, it is the change.
    expect(read(`Mon adresse change : merci d'autoriser ma nouvelle adresse ${other}.`)).toEqual({
      status: "request",
      request: { action: "change", email: sender, newEmail: other },
    });
  });

  it("leaves it to support when nothing says which address is the new one, or who approved it", () => {
    for (const text of [
      `Merci de modifier mon adresse : ${other}`,
      `Merci de mettre à jour mon accès, demande validée par ${other}.`,
      `Pendant mes congés, mon remplaçant sera ${other} : merci de lui transférer mon accès.`,
    ])
      expect(read(text), text).not.toMatchObject({ status: "request", request: { action: "change" } });
  });
});
