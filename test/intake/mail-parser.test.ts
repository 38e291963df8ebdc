import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { parseMessage } from "../../src/intake/mail-parser.ts";
import { mixedMail, pdfPart } from "../helpers/mail.ts";

const message = Buffer.from(
  mixedMail(
    [
      "From: Jeanne Martin <jeanne.martin@editeur-ris.fr>",
      "To: calcul@example.test",
      "Subject: =?utf-8?q?Bons_de_commande_sign=C3=A9s?=",
      "Message-ID: <scans@editeur-ris.fr>",
    ],
    "Référence : CH Lens",
    pdfPart("bon-de-commande.pdf", 40_000, 1),
    pdfPart("scan-complet.pdf", 3_000_000, 2),
  ),
);

describe("reading a message with mailparser, attachments bounded", () => {
  it("reads what simpleParser reads, and keeps no content of an attachment over the limit, only its size", async () => {
    const bounded = await parseMessage(message, {}, 1_000_000);
    const reference = await simpleParser(message, { keepCidLinks: true });
    expect(bounded.subject).toBe("Bons de commande signés");
    for (const key of ["subject", "messageId", "text", "html", "date"] as const)
      expect(bounded[key]).toEqual(reference[key]);
    expect(bounded.from?.text).toBe(reference.from?.text);
    expect(bounded.headerLines).toEqual(reference.headerLines);
    const [small, large] = bounded.attachments;
    expect(small!.content).toEqual(reference.attachments[0]!.content);
    expect(small!.size).toBe(40_000);
    expect(large!.filename).toBe("scan-complet.pdf");
    expect(large!.size).toBe(3_000_000);
    expect(large!.content.length).toBe(0);
  });
});
