import { describe, expect, it } from "vitest";
import { decide } from "../../src/decide/decision.ts";
import { parseLabelledCalculation } from "../../src/intake/calculation-parser.ts";
import { readInbound } from "../../src/intake/intake.ts";
import {
  authenticatedHeaders,
  defaultPolicy,
  intakeContext,
  rawMessage,
  readHtmlRequest,
} from "../helpers/intake.ts";

// SPEC §5: the labels are known, so a request typed on one line, its fields set apart by « ; »,
// « - » or « | », is read: each label starts a field, a list's values run to the next label. When
// that is not certain the line is left whole and the sender gets the help reply: an identifier is
// never moved to another field, nor dropped unsaid.
const JEAN = "Jean Dupont <jean.dupont@editeur-radiologie.fr>";
const authorised = { senderAuthorised: true, recipientAuthorised: null };

async function plain(body: string) {
  const raw = rawMessage({ ...authenticatedHeaders(JEAN), Subject: "Demande de calcul" }, body);
  return readInbound(raw, intakeContext());
}

const html = (body: string) => readHtmlRequest(JEAN, body);

const ARRAS = {
  reference: "CH Arras",
  activity: "radiologie",
  lists: { finessRadio: ["620100057", "620000018"], amRadio: [], finessMn: [], amMn: [] },
  problems: [],
};

describe("a calculation request typed on one line", () => {
  it("reads each field of a one-line request set apart by « ; », and answers it", async () => {
    // The whole line was read as the reference, no list was found: the help reply.
    const intake = await plain(
      "Bonjour,\n\nRéférence : CH Arras ; Activité : Radiologie ; FINESS radiologie : 620100057 ; 620000018\n\nCordialement,\nJean Dupont\nÉditeur Radiologie — 03 21 00 00 00",
    );
    expect(intake.calculation).toMatchObject(ARRAS);
    expect(decide(intake, authorised, defaultPolicy())).toMatchObject({ action: "reply-result" });
  });

  it("reads fields set apart by « - », « | », « , » or a full stop", () => {
    for (const line of [
      "Référence : CH Arras - Activité : Radiologie - FINESS radiologie : 620100057 ; 620000018",
      "Référence : CH Arras | Activité : Radiologie | FINESS radiologie : 620100057 ; 620000018",
      "Référence : CH Arras, Type d'activité : Radiologie, FINESS radiologie : 620100057, 620000018",
      "Référence : CH Arras. Activité : Radiologie. FINESS radiologie : 620100057 ; 620000018.",
    ])
      expect(parseLabelledCalculation(line), line).toMatchObject(ARRAS);
  });

  it("gives each list its own numbers, up to the next label", () => {
    const read = parseLabelledCalculation(
      "Email : jean.dupont@editeur-radiologie.fr ; Référence : CH Arras ; Type d'activité : Mixte ; FINESS radiologie : 620100057 ; 620000018 ; FINESS médecine nucléaire : 620000026 - AM nucléaire : 921234567 AM radiologie : 751234567",
    );
    expect(read).toMatchObject({
      recipient: "jean.dupont@editeur-radiologie.fr",
      reference: "CH Arras",
      activity: "mixte",
      lists: {
        finessRadio: ["620100057", "620000018"],
        finessMn: ["620000026"],
        amMn: ["921234567"],
        amRadio: ["751234567"],
      },
    });
  });

  it("reads a one-line request in Outlook's and Gmail's HTML", async () => {
    const outlook = await html(
      "<p class=MsoNormal>Bonjour,<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>" +
        "<p class=MsoNormal>Référence : CH Arras ; Activité : Radiologie ; FINESS radiologie : 620100057 ; 620000018<o:p></o:p></p>" +
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Cordialement,<o:p></o:p></p><p class=MsoNormal><b>Jean Dupont</b><o:p></o:p></p>",
    );
    const gmail = await html(
      '<div dir="ltr"><div>Bonjour,</div><div><br></div><div>Référence : CH Arras - Activité : Radiologie - FINESS radiologie : 620100057 ; 620000018</div><div><br></div><div>Cordialement,</div><div>Jean Dupont</div></div>',
    );
    expect(outlook.calculation).toMatchObject(ARRAS);
    expect(gmail.calculation).toMatchObject(ARRAS);
  });

  it("reads no field of a one-line request, for the help reply, when a field's end is not certain", async () => {
    for (const line of [
      // Whose is 620000018: the FINESS radiologie list's, or a site's of another activity?
      "Référence : CH Arras ; FINESS radiologie : 620100057 ; Site : 620000018",
      // A number in the reference would be dropped unsaid (the reference's line is read).
      "Référence : CH Arras 620100057 ; Activité : Radiologie ; FINESS radiologie : 620000018",
      // Two references: the first one's value may hold the second.
      "Référence : Commande - Référence client : CH Arras ; FINESS radiologie : 620100057",
      // A comment holding a colon inside a list.
      "Référence : CH Arras ; FINESS radiologie : 620100057 (CH Arras : site 2) ; 620000018",
    ]) {
      const intake = await plain(`Bonjour,\n\n${line}\n\nCordialement,\nJean Dupont`);
      const read = intake.calculation!;
      expect(read.lists, line).toEqual({ finessRadio: [], amRadio: [], finessMn: [], amMn: [] });
      expect(decide(intake, authorised, defaultPolicy()), line).toMatchObject({
        action: "reply-help",
        problems: expect.arrayContaining(["no-identifiers"]),
      });
    }
  });

  it("reads no field from a sentence that mentions the reference in passing", async () => {
    const intake = await plain(
      "Bonjour,\n\nComme convenu, voici notre référence : CH Arras ; le FINESS radiologie : 620100057 vous sera transmis plus tard.\n\nCordialement,\nJean Dupont",
    );
    expect(intake.calculation).toMatchObject({
      // The subject, « Demande de calcul », names none.
      reference: null,
      lists: { finessRadio: [], amRadio: [], finessMn: [], amMn: [] },
    });
    expect(decide(intake, authorised, defaultPolicy())).toMatchObject({ action: "reply-help" });
  });

  it("keeps a reference's own colon, as on a line of its own", () => {
    const read = parseLabelledCalculation(
      "Référence : Bon de commande : BC-2025-114 ; Activité : Radiologie ; FINESS radiologie : 620100057",
    );
    expect(read).toMatchObject({
      reference: "Bon de commande : BC-2025-114",
      activity: "radiologie",
      lists: { finessRadio: ["620100057"] },
    });
  });

  it("moves no number of an uncertain one-line request into a list, nor drops it unsaid beside other fields", async () => {
    // Left whole, the line was one field: the activity (or the reference) took its numbers out of
    // the calculation without a word, or the first list took another field's numbers.
    const beside = await plain(
      "Bonjour,\n\nRéférence : CH Arras\nActivité : Mixte ; FINESS radiologie : 620100057 ; MN : 620000026\nAM radiologie : 751234567\n\nCordialement,\nJean Dupont",
    );
    expect(beside.calculation).toMatchObject({
      reference: "CH Arras",
      lists: { finessRadio: [], amRadio: ["751234567"], finessMn: [], amMn: [] },
      strayNumbers: ["620100057", "620000026"],
    });
    const listFirst = await plain(
      "Bonjour,\n\nFINESS radiologie : 620100057 ; 620000018 ; Médecine nucléaire : 620000026 ; Référence : CH Arras\n\nCordialement,\nJean Dupont",
    );
    expect(listFirst.calculation).toMatchObject({
      lists: { finessRadio: [], amRadio: [], finessMn: [], amMn: [] },
      strayNumbers: ["620100057", "620000018", "620000026"],
    });
    expect(decide(listFirst, authorised, defaultPolicy())).toMatchObject({ action: "reply-help" });
  });

  it("counts no number of a note written after a list on its line, and asks for the request again", async () => {
    // « ne pas prendre en compte 620000018 » was read as the list's value: 620000018 was counted.
    for (const line of [
      "FINESS radiologie : 620100057. Remarque : ne pas prendre en compte 620000018.",
      "FINESS radiologie : 620100057 - Attention : 620000018 est en médecine nucléaire",
    ]) {
      const intake = await plain(`Bonjour,\n\nActivité : Radiologie\n${line}\n\nCordialement,\nJean Dupont`);
      expect(intake.calculation?.lists.finessRadio, line).toEqual([]);
      expect(intake.calculation?.strayNumbers, line).toEqual(["620100057", "620000018"]);
      expect(decide(intake, authorised, defaultPolicy()), line).toMatchObject({ action: "reply-help" });
    }
  });

  it("keeps a list whose comments hold a colon, alone on its line, a list", () => {
    for (const line of [
      "FINESS radiologie : 620100057 (CH Arras : site 2) ; 620000018",
      "FINESS radiologie : CH Arras : 620100057 ; CH Lens : 620000018",
      "FINESS radiologie : 620100057, 620000018. Merci : bonne journée",
    ])
      expect(
        parseLabelledCalculation(line).lists.finessRadio.map((n) => n.replace(".", "")),
        line,
      ).toEqual(["620100057", "620000018"]);
  });
});
