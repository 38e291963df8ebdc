import { generateKeyPairSync } from "node:crypto";
import { dkimSign } from "mailauth";
import { describe, expect, it } from "vitest";
import {
  authenticateFromHeaders,
  parseAuthenticationResults,
  trustedConnection,
  trustFrom,
  verifyMessage,
} from "../../src/intake/authentication.ts";

const FROM = "jean.dupont@editeur-radiologie.fr";

describe("parseAuthenticationResults", () => {
  it("reads the authserv-id, methods, results and properties, ignoring comments and folding", () => {
    const parsed = parseAuthenticationResults(
      "mx.example.test (Postfix);\r\n\tdkim=pass (2048-bit key; unprotected) header.d=editeur-radiologie.fr header.s=sel1;\r\n\tspf=pass (domain of x designates 192.0.2.1) smtp.mailfrom=jean@editeur-radiologie.fr;\r\n\tdmarc=pass (p=QUARANTINE) header.from=editeur-radiologie.fr",
    );
    expect(parsed?.authservId).toBe("mx.example.test");
    expect(parsed?.results).toEqual([
      {
        method: "dkim",
        result: "pass",
        properties: { "header.d": "editeur-radiologie.fr", "header.s": "sel1" },
      },
      { method: "spf", result: "pass", properties: { "smtp.mailfrom": "jean@editeur-radiologie.fr" } },
      { method: "dmarc", result: "pass", properties: { "header.from": "editeur-radiologie.fr" } },
    ]);
  });

  it("reads `none` as no result and keeps quoted values whole", () => {
    expect(parseAuthenticationResults("mx.example.test; none")?.results).toEqual([]);
    const parsed = parseAuthenticationResults('mx.example.test; dkim=pass header.d="editeur-radiologie.fr"');
    expect(parsed?.results[0]?.properties["header.d"]).toBe("editeur-radiologie.fr");
  });
});

describe("authenticateFromHeaders", () => {
  const header = (results: string, id = "mx.example.test") => `${id}; ${results}`;

  it("reads no result out of a quoted envelope sender with escaped quotes (the sender chose it)", () => {
    // As mailauth writes the property for MAIL FROM:<"a;dkim=pass header.d=editeur-radiologie.fr;"@evil.example>,
    // an address whose SPF record passes anything.
    const written = header(
      'dkim=none (message not signed);\r\n spf=pass (sender IP is 203.0.113.9) smtp.mailfrom="\\"a;dkim=pass\r\n header.d=editeur-radiologie.fr;\\"@evil.example" smtp.helo=x;\r\n dmarc=none header.from=editeur-radiologie.fr',
    );
    expect(authenticateFromHeaders([written], FROM, "mx.example.test")).toMatchObject({
      authenticated: false,
    });
    expect(parseAuthenticationResults(written)?.results).toEqual([
      { method: "dkim", result: "none", properties: {} },
      {
        method: "spf",
        result: "pass",
        properties: {
          "smtp.mailfrom": '"a;dkim=pass header.d=editeur-radiologie.fr;"@evil.example',
          "smtp.helo": "x",
        },
      },
      { method: "dmarc", result: "none", properties: { "header.from": "editeur-radiologie.fr" } },
    ]);
  });

  it("authenticates nobody when a comment holds a quote: the sender's envelope address, escaped the server's way", () => {
    // mailauth's header for MAIL FROM:<"a);dkim=pass header.d=editeur-radiologie.fr;(b"@evil.example>:
    // it escapes `)` in the comment but not `(`, which opens a nested comment that ends at `a)`.
    const written = header(
      'dkim=none (message not signed);\r\n spf=pass (mx.example.test: domain of "a\\);dkim=pass header.d=editeur-radiologie.fr;(b"@evil.example designates 203.0.113.9 as permitted sender) smtp.mailfrom="\\"a);dkim=pass\r\n header.d=editeur-radiologie.fr;(b\\"@evil.example" smtp.helo=x;\r\n dmarc=none header.from=editeur-radiologie.fr',
    );
    const outcome = authenticateFromHeaders([written], FROM, "mx.example.test");
    expect(outcome).toMatchObject({ authenticated: false });
    expect(outcome.detail).toContain("a comment holds a quote");
    // Nor does a forged header below, with the same authserv-id, count instead.
    const forged = header("dkim=pass header.d=editeur-radiologie.fr");
    expect(authenticateFromHeaders([written, forged], FROM, "mx.example.test").authenticated).toBe(false);
  });

  it("authenticates a sender at an internationalised domain, in whichever form the server writes it", () => {
    for (const written of ["xn--diteur-9ua.fr", "éditeur.fr", "mail.XN--DITEUR-9UA.FR"]) {
      const outcome = authenticateFromHeaders(
        [header(`dkim=pass header.d=${written}; dmarc=pass header.from=${written.replace("mail.", "")}`)],
        "jean@Éditeur.fr",
        "mx.example.test",
      );
      expect(outcome.authenticated, written).toBe(true);
    }
    // Another name still fails: « editeur.fr » without its accent is another domain.
    const other = authenticateFromHeaders(
      [header("dkim=pass header.d=editeur.fr; dmarc=pass header.from=editeur.fr")],
      "jean@éditeur.fr",
      "mx.example.test",
    );
    expect(other.authenticated).toBe(false);
  });

  it("accepts a DMARC pass written by the trusted server", () => {
    const outcome = authenticateFromHeaders(
      [header("dmarc=pass header.from=editeur-radiologie.fr")],
      FROM,
      "mx.example.test",
    );
    expect(outcome).toMatchObject({ authenticated: true, method: "dmarc" });
  });

  it("accepts an aligned DKIM pass from a parent or sub-domain (relaxed alignment)", () => {
    const outcome = authenticateFromHeaders(
      [header("dkim=pass header.d=mail.editeur-radiologie.fr")],
      FROM,
      "mx.example.test",
    );
    expect(outcome).toMatchObject({ authenticated: true, method: "dkim" });
  });

  it("refuses an SPF pass for another organisation's envelope sender", () => {
    const outcome = authenticateFromHeaders(
      [header("spf=pass smtp.mailfrom=bounce@esp.example.net")],
      FROM,
      "mx.example.test",
    );
    expect(outcome.authenticated).toBe(false);
    expect(outcome.detail).toContain("spf=pass");
  });

  it("refuses a DMARC pass about another From domain", () => {
    const outcome = authenticateFromHeaders(
      [header("dmarc=pass header.from=autre-editeur.fr")],
      FROM,
      "mx.example.test",
    );
    expect(outcome.authenticated).toBe(false);
  });

  it("trusts only the topmost header of the configured authserv-id: a forged pass below is ignored", () => {
    const outcome = authenticateFromHeaders(
      [
        header("dmarc=fail header.from=editeur-radiologie.fr"),
        header("dmarc=pass header.from=editeur-radiologie.fr"),
      ],
      FROM,
      "mx.example.test",
    );
    expect(outcome.authenticated).toBe(false);
  });

  it("ignores results written by any other server", () => {
    const outcome = authenticateFromHeaders(
      [header("dmarc=pass header.from=editeur-radiologie.fr", "mx.attacker.test")],
      FROM,
      "mx.example.test",
    );
    expect(outcome).toMatchObject({
      authenticated: false,
      detail: "no Authentication-Results from mx.example.test",
    });
  });

  it("authenticates nobody without a single From address", () => {
    expect(authenticateFromHeaders([header("dmarc=pass")], null, "mx.example.test").authenticated).toBe(
      false,
    );
  });

  it("accepts a DKIM pass that Gmail reports as header.i=@domain", () => {
    const outcome = authenticateFromHeaders(
      [header("dkim=pass header.i=@editeur-radiologie.fr header.s=google header.b=Xy12")],
      FROM,
      "mx.example.test",
    );
    expect(outcome).toMatchObject({ authenticated: true, method: "dkim" });
  });

  it("counts a DMARC pass only when it names the From domain it judged", () => {
    const judged = (results: string) =>
      authenticateFromHeaders([header(results)], FROM, "mx.example.test").authenticated;
    expect(judged("dmarc=pass")).toBe(false);
    expect(judged("dmarc=pass header.from=mail.editeur-radiologie.fr")).toBe(false);
    expect(judged("dmarc=pass (p=none dis=none) header.from=Editeur-Radiologie.fr")).toBe(true);
  });

  it("never aligns SPF on the HELO name: DMARC aligns it on the envelope sender only", () => {
    const outcome = authenticateFromHeaders(
      [header("spf=pass smtp.helo=mail.editeur-radiologie.fr")],
      FROM,
      "mx.example.test",
    );
    expect(outcome.authenticated).toBe(false);
  });
});

describe("trust-from demo mode", () => {
  it("believes the From address and warns every time", () => {
    expect(trustFrom(FROM)).toMatchObject({ authenticated: true, mode: "trust-from" });
    expect(trustFrom(FROM).warning).toMatch(/forged/);
  });
});

describe("trustedConnection", () => {
  it("takes the client of the Received header written by our own server, not the sender's", () => {
    const connection = trustedConnection(
      [
        "from smtp.editeur-radiologie.fr (smtp.editeur-radiologie.fr [192.0.2.25]) by mx.example.test (Postfix) with ESMTPS id 1; Mon, 17 Nov 2025 10:12:03 +0100",
        "from [10.0.0.5] (unknown [10.0.0.5]) by smtp.editeur-radiologie.fr with ESMTPSA; Mon, 17 Nov 2025 10:12:02 +0100",
      ],
      "mx.example.test",
    );
    expect(connection).toEqual({ ip: "192.0.2.25", helo: "smtp.editeur-radiologie.fr" });
  });

  it("takes the address the server saw, never one the client wrote as its HELO", () => {
    const seen = (received: string) => trustedConnection([received], "mx.example.test").ip;
    // Postfix, a HELO address literal chosen by the client.
    expect(
      seen("from [198.51.100.5] (unknown [203.0.113.66]) by mx.example.test (Postfix) with ESMTP id 2"),
    ).toBe("203.0.113.66");
    // Exim, with and without reverse DNS.
    expect(
      seen("from mail.editeur.fr ([192.0.2.25] helo=mail.editeur.fr) by mx.example.test with esmtps"),
    ).toBe("192.0.2.25");
    expect(seen("from [203.0.113.66] (helo=[198.51.100.5]) by mx.example.test with esmtp")).toBe(
      "203.0.113.66",
    );
    // A HELO holding brackets or parentheses of its own is still the client's word.
    expect(
      seen("from ([198.51.100.5]) (unknown [203.0.113.66]) by mx.example.test (Postfix) with ESMTP id 9"),
    ).toBe("203.0.113.66");
    expect(
      seen("from (198.51.100.5) (unknown [203.0.113.66]) by mx.example.test (Postfix) with ESMTP id 10"),
    ).toBe("203.0.113.66");
    expect(seen("from [203.0.113.66] (helo=([198.51.100.5])) by mx.example.test with esmtp")).toBe(
      "203.0.113.66",
    );
    // Exchange.
    expect(
      seen("from smtp.editeur.fr (192.0.2.25) by mx.example.test (10.1.1.1) with Microsoft SMTP Server"),
    ).toBe("192.0.2.25");
  });

  it("trusts no client when a hop above ours received from the Internet (the MX writes another name)", () => {
    const connection = trustedConnection(
      [
        "from mx1.example.test (mx1.example.test [10.0.0.2]) by imap.example.test with LMTP id 3",
        "from evil.test (unknown [203.0.113.66]) by mx1.example.test (Postfix) with ESMTP id 4",
        "from mail.editeur.fr (mail.editeur.fr [192.0.2.25]) by mx.example.test (Postfix) with ESMTP id 5",
      ],
      "mx.example.test",
    );
    expect(connection.ip).toBeNull();
    expect(connection.problem).toContain("203.0.113.66");
    // Internal hops above ours (LMTP, a relay on the private network) are fine.
    expect(
      trustedConnection(
        [
          "from mx.example.test by imap.example.test (Dovecot) with LMTP id 6",
          "from mx.example.test (mx.example.test [10.0.0.2]) by relay.example.test with ESMTP id 7",
          "from mail.editeur.fr (mail.editeur.fr [192.0.2.25]) by mx.example.test (Postfix) with ESMTP id 8",
        ],
        "mx.example.test",
      ).ip,
    ).toBe("192.0.2.25");
  });
});

describe("verify mode (mailauth, offline resolver)", () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicDer = publicKey.export({ type: "spki", format: "der" }).toString("base64");
  const records: Record<string, string[][]> = {
    "sel1._domainkey.editeur-radiologie.fr:TXT": [[`v=DKIM1; k=rsa; p=${publicDer}`]],
    "_dmarc.editeur-radiologie.fr:TXT": [["v=DMARC1; p=reject"]],
    "editeur-radiologie.fr:TXT": [["v=spf1 ip4:192.0.2.25 -all"]],
  };
  const resolver = async (name: string, type: string) => {
    const found = records[`${name}:${type}`];
    if (found) return found;
    throw Object.assign(new Error(`no ${type} for ${name}`), { code: "ENOTFOUND" });
  };
  const message = [
    "From: Jean Dupont <jean.dupont@editeur-radiologie.fr>",
    "To: calcul@example.test",
    "Subject: Demande de calcul",
    "Date: Mon, 17 Nov 2025 10:12:01 +0100",
    "Message-ID: <verify.1@editeur-radiologie.fr>",
    "",
    "Référence : CH de Lens",
    "FINESS radiologie : 920000650",
    "",
  ].join("\r\n");
  // mailauth reads the keys from `signatureData` (its typings say otherwise). A fixed `signTime`:
  // without it the signer rounds Date.now() to a second twice, for the signed header and for the
  // written one: 3 signatures in 8,000 straddled half a second and were bad (none with it).
  const sign = (text: string) =>
    dkimSign(text, {
      signTime: new Date(),
      signatureData: [
        {
          signingDomain: "editeur-radiologie.fr",
          selector: "sel1",
          privateKey: privateKey.export({ type: "pkcs1", format: "pem" }),
        },
      ],
    } as unknown as Parameters<typeof dkimSign>[1]);
  const options = {
    authservId: "mx.example.test",
    resolver,
    sender: FROM,
    connection: { ip: "192.0.2.25", helo: "smtp.editeur-radiologie.fr" },
  };

  it("authenticates a message whose DKIM signature verifies", async () => {
    const signed = await sign(message);
    const raw = Buffer.from(signed.signatures + message);
    const outcome = await verifyMessage(raw, FROM, {
      ...options,
      connection: { ip: "203.0.113.9", helo: null },
    });
    // Should it fail, the outcome's detail says which check did.
    expect(outcome, JSON.stringify({ outcome, signature: signed.signatures })).toMatchObject({
      authenticated: true,
      mode: "verify",
    });
  });

  it("does not authenticate a signed message altered on the way, from an IP the SPF record refuses", async () => {
    const signed = await sign(message);
    const raw = Buffer.from(signed.signatures + message.replace("920000650", "750712184"));
    const outcome = await verifyMessage(raw, FROM, {
      ...options,
      connection: { ip: "203.0.113.9", helo: null },
    });
    expect(outcome.authenticated).toBe(false);
  });

  it("authenticates an unsigned message sent from an IP the sender's SPF record allows", async () => {
    const outcome = await verifyMessage(Buffer.from(message), FROM, options);
    expect(outcome).toMatchObject({ authenticated: true });
  });
});
