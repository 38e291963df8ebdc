import { chmodSync, chownSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InboundMessageRef } from "../../src/daemon/handler.ts";
import { ImapSource } from "../../src/mailbox/imap.ts";
import type { SourceStatus, UnreadMessage } from "../../src/mailbox/source.ts";
import { mixedMail, pdfPart } from "../helpers/mail.ts";
import { requestEmail } from "../helpers/reply-handler.ts";
import { type DovecotServer, startDovecot } from "../servers/dovecot.ts";
import { waitFor } from "../servers/ports.ts";
import { startTcpProxy, stripStartTls } from "../servers/tcp-proxy.ts";

let dovecot: DovecotServer;
let source: ImapSource | null = null;

beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.destroy();
});
afterEach(async () => {
  await source?.stop();
  source = null;
});

function watch(options: ConstructorParameters<typeof ImapSource>[0]) {
  const seen: InboundMessageRef[] = [];
  const statuses: SourceStatus[] = [];
  const unread: UnreadMessage[] = [];
  source = new ImapSource(options);
  source.start(
    async (message) => {
      seen.push(message);
      return "processed";
    },
    (status) => statuses.push(status),
    async (message) => {
      unread.push(message);
    },
  );
  return { seen, statuses, unread };
}

async function folderCount(user: "support", folder: string): Promise<number> {
  const client = await dovecot.client(user);
  const status = await client.status(folder, { messages: true });
  await client.logout();
  return status ? (status.messages ?? 0) : 0;
}

/** A supplier's message with a scanned order form of `bytes` attached (base64). */
function withScan(id: string, bytes: number, fill: number): string {
  return mixedMail(
    [
      "From: Jeanne Martin <requester@editeur.example.test>",
      "To: calcul@example.test",
      `Subject: Bon de commande ${id}`,
      `Message-ID: <${id}@editeur.example.test>`,
    ],
    "Veuillez trouver ci-joint le bon de commande.",
    pdfPart("scan.pdf", bytes, fill),
  );
}

describe("the IMAP source", () => {
  it("reads over IMAPS, creates the filing folders and moves handled mail to Processed", async () => {
    const url = `imaps://support:${dovecot.password("support")}@127.0.0.1:${dovecot.imapsPort}/INBOX`;
    const { seen, statuses } = watch({ mailbox: "contact", url, ca: [dovecot.tls.cert] });
    await waitFor("idle", () => statuses.some((s) => s.state === "idle"));
    await dovecot.append("support", requestEmail("s1"));
    await waitFor("message seen", () => seen.length === 1);
    await waitFor("message filed", async () => (await folderCount("support", "Processed")) === 1);
    expect(seen[0]!.uidValidity).toMatch(/^\d+$/);
    expect(seen[0]!.raw.toString()).toContain("Message-ID: <req-s1@editeur.example.test>");
    const client = await dovecot.client("support");
    const folders = (await client.list()).map((f) => f.path);
    await client.logout();
    expect(folders).toEqual(expect.arrayContaining(["Processed", "Quarantine", "Failed"]));
  });

  it("fetches a message with a large attachment alone, not with the requests queued beside it", async () => {
    const withAttachment = (n: number) => withScan(`big-${n}`, 300 * 1024, n);
    for (const raw of [requestEmail("b1"), withAttachment(1), withAttachment(2), requestEmail("b2")])
      await dovecot.append("support", raw);
    // A consumer sees a batch as the messages handed over in one synchronous run.
    const batches: number[][] = [];
    let current: number[] | null = null;
    const statuses: SourceStatus[] = [];
    source = new ImapSource({
      mailbox: "contact",
      url: dovecot.imapUrl("support"),
      ca: [dovecot.tls.cert],
      batchBytes: 500 * 1024,
    });
    source.start(
      async (message) => {
        if (!current) {
          current = [];
          batches.push(current);
          queueMicrotask(() => (current = null));
        }
        current.push(message.raw.length);
        return "processed";
      },
      (status) => statuses.push(status),
    );
    await waitFor("all four handled", () => batches.flat().length === 4);
    await waitFor("all four filed", async () => (await folderCount("support", "INBOX")) === 0);
    const big = (n: number) => n > 400 * 1024;
    expect(batches.map((b) => b.map((n) => (big(n) ? "big" : "small")))).toEqual([
      ["small", "big"],
      ["big", "small"],
    ]);
  });

  it("fetches a message over the size read only up to its header, with its full size, and files it like the others", async () => {
    const big = withScan("scans-1", 2 * 1024 * 1024, 1);
    for (const raw of [requestEmail("z1"), big, requestEmail("z2")]) await dovecot.append("support", raw);
    const { seen } = watch({
      mailbox: "contact",
      url: dovecot.imapUrl("support"),
      ca: [dovecot.tls.cert],
      sizeLimit: { maxBytes: 1024 * 1024, headBytes: 4096 },
    });
    await waitFor("all three handled", () => seen.length >= 3);
    const byId = (id: string) => seen.find((m) => m.raw.toString().includes(`Message-ID: <${id}@`))!;
    const head = byId("scans-1");
    expect(head.raw.length).toBe(4096);
    expect(head.size).toBe(Buffer.byteLength(big));
    expect(big.startsWith(head.raw.toString())).toBe(true);
    for (const [id, small] of [
      ["z1", byId("req-z1")],
      ["z2", byId("req-z2")],
    ] as const) {
      expect(small.size).toBeUndefined();
      expect(small.raw.toString()).toBe(requestEmail(id));
    }
    await waitFor("all filed", async () => (await folderCount("support", "INBOX")) === 0);
  });

  it("refuses a server whose certificate it cannot verify, and says why", async () => {
    const { seen, statuses } = watch({
      mailbox: "contact",
      url: dovecot.imapUrl("support"),
      backoffMinMs: 50,
    });
    await dovecot.append("support", requestEmail("s2"));
    const failed = await waitFor("a TLS failure", () =>
      statuses.find((s) => s.state === "backoff" && s.error),
    );
    expect(failed.error).toMatch(/certificate/i);
    expect(seen).toEqual([]);
  });

  it("says why it cannot log in or open its folder, in the server's own words", async () => {
    const wrongPassword = `imaps://support:wrong@127.0.0.1:${dovecot.imapsPort}/INBOX`;
    const login = watch({ mailbox: "contact", url: wrongPassword, ca: [dovecot.tls.cert], backoffMinMs: 50 });
    const refused = await waitFor("a login failure", () =>
      login.statuses.find((s) => s.state === "backoff" && s.error),
    );
    expect(refused.error).toMatch(/^connect and log in to 127\.0\.0\.1:\d+: .*Authentication failed/);
    await source?.stop();
    const typo = `imaps://support:${dovecot.password("support")}@127.0.0.1:${dovecot.imapsPort}/INBXO`;
    const folder = watch({ mailbox: "contact", url: typo, ca: [dovecot.tls.cert], backoffMinMs: 50 });
    const missing = await waitFor("a SELECT failure", () =>
      folder.statuses.find((s) => s.state === "backoff" && s.error),
    );
    expect(missing.error).toMatch(/^SELECT INBXO: .*Mailbox doesn't exist/);
  });

  it("never sends its password when STARTTLS is required and the server (or someone between) offers none, and says why", async () => {
    const stripper = await startTcpProxy(dovecot.imapPort, { fromServer: stripStartTls });
    try {
      const { seen, statuses } = watch({
        mailbox: "contact",
        url: `imap://support:${dovecot.password("support")}@127.0.0.1:${stripper.port}/INBOX`,
        requireStartTls: true,
        ca: [dovecot.tls.cert],
        backoffMinMs: 50,
      });
      await dovecot.append("support", requestEmail("stripped"));
      const refused = await waitFor("the session refused", () =>
        statuses.find((s) => s.state === "backoff" && s.error),
      );
      expect(refused.error).toMatch(
        /^connect and log in to 127\.0\.0\.1:\d+: Server does not support STARTTLS: not logging in without TLS \(use imaps:\/\/, or TRANCHE_ALLOW_CLEAR_TEXT=true\)/,
      );
      expect(stripper.fromClients()).not.toMatch(/^\S+ (LOGIN|AUTHENTICATE)\b/im);
      expect(stripper.fromClients()).not.toContain(dovecot.password("support"));
      expect(seen).toEqual([]);
    } finally {
      await stripper.close();
    }
  });

  it("reads from a server at an IPv6 address ([::1])", async () => {
    const proxy = await startTcpProxy(dovecot.imapPort, { host: "::1" });
    try {
      const { seen } = watch({
        mailbox: "contact",
        url: `imap://support:${dovecot.password("support")}@[::1]:${proxy.port}/INBOX`,
        requireStartTls: true,
        ca: [dovecot.tls.cert],
      });
      await dovecot.append("support", requestEmail("v6"));
      await waitFor("read over IPv6", () => seen.some((m) => m.raw.toString().includes("<req-v6@")));
    } finally {
      await proxy.close();
    }
  });

  it("logs in without TLS to a server that offers no STARTTLS only where that is allowed", async () => {
    const stripper = await startTcpProxy(dovecot.imapPort, { fromServer: stripStartTls });
    try {
      const { seen } = watch({
        mailbox: "contact",
        url: `imap://support:${dovecot.password("support")}@127.0.0.1:${stripper.port}/INBOX`,
        ca: [dovecot.tls.cert],
      });
      await dovecot.append("support", requestEmail("clear"));
      await waitFor("read in clear text", () => seen.some((m) => m.raw.toString().includes("<req-clear@")));
      expect(stripper.fromClients()).toMatch(/^\S+ (LOGIN|AUTHENTICATE)\b/im);
    } finally {
      await stripper.close();
    }
  });

  it("never answers a message someone flagged \\Deleted before it was expunged", async () => {
    const client = await dovecot.client("support");
    await client.append("INBOX", requestEmail("deleted"), ["\\Deleted"]);
    await client.logout();
    const url = `imaps://support:${dovecot.password("support")}@127.0.0.1:${dovecot.imapsPort}/INBOX`;
    const { seen } = watch({ mailbox: "contact", url, ca: [dovecot.tls.cert] });
    await dovecot.append("support", requestEmail("kept"));
    const ids = () => seen.map((m) => m.raw.toString().match(/Message-ID: (\S+)/)?.[1]);
    // Earlier tests may have left mail in this INBOX: the point is which of these two is answered.
    await waitFor("the other message seen", () => ids().includes("<req-kept@editeur.example.test>"));
    expect(ids()).not.toContain("<req-deleted@editeur.example.test>");
  });

  it("notices a server that stops answering (no FIN, no RST) within seconds and comes back through a new connection", async () => {
    const proxy = await startTcpProxy(dovecot.imapPort);
    try {
      const { seen, statuses } = watch({
        mailbox: "contact",
        url: `imap://support:${dovecot.password("support")}@127.0.0.1:${proxy.port}/INBOX`,
        ca: [dovecot.tls.cert],
        socketTimeoutMs: 1_500,
        maxIdleTimeMs: 500,
        backoffMinMs: 50,
        backoffMaxMs: 200,
      });
      await waitFor("idle", () => statuses.at(-1)?.state === "idle");
      proxy.blackhole();
      const noticed = await waitFor("the dead connection noticed", () =>
        statuses.find((s, i) => i > 0 && s.state === "backoff"),
      );
      expect(noticed.error).toBeTruthy();
      proxy.restore();
      await dovecot.append("support", requestEmail("s4"));
      await waitFor("caught up after reconnecting", () =>
        seen.some((m) => m.raw.toString().includes("<req-s4@")),
      );
    } finally {
      await proxy.close();
    }
  });

  it("reconnects after the server goes away and catches up on mail that arrived meanwhile", async () => {
    const { seen, statuses } = watch({
      mailbox: "contact",
      url: dovecot.imapUrl("support"),
      ca: [dovecot.tls.cert],
      backoffMinMs: 50,
      backoffMaxMs: 200,
    });
    await waitFor("first catch-up", () => statuses.at(-1)?.state === "idle");
    const before = seen.length;
    await dovecot.stop();
    await waitFor("backoff", () => statuses.some((s) => s.state === "backoff"));
    await dovecot.start();
    await dovecot.append("support", requestEmail("s3"));
    await waitFor("caught up", () => seen.some((m) => m.raw.toString().includes("<req-s3@")));
    expect(seen.length).toBe(before + 1);
  });
});

describe("the IMAP source, when the server cannot give or take a message", () => {
  let restricted: DovecotServer;
  beforeAll(async () => {
    restricted = await startDovecot({
      extraConfig: "mail_plugins = $mail_plugins acl\nplugin {\n  acl = vfile\n}\n",
    });
  });
  afterAll(async () => {
    await restricted?.destroy();
  });

  it("says so in the server's own words, not « connection closed », at every reconnect", async () => {
    const client = await restricted.client("support");
    for (const folder of ["Processed", "Quarantine", "Failed"]) await client.mailboxCreate(folder);
    await client.logout();
    // The administrator left the account read-only rights on Processed (no insert).
    const acl = join(restricted.dir, "mail", "support", "Maildir", ".Processed", "dovecot-acl");
    writeFileSync(acl, "owner lrs\n");
    chownSync(acl, statSync(dirname(acl)).uid, statSync(dirname(acl)).gid);
    await restricted.append("support", requestEmail("acl1"));
    const { statuses } = watch({
      mailbox: "contact",
      url: restricted.imapUrl("support"),
      ca: [restricted.tls.cert],
      backoffMinMs: 50,
      backoffMaxMs: 100,
    });
    await waitFor("reconnected twice", () => statuses.filter((s) => s.state === "backoff").length >= 2);
    const errors = [...new Set(statuses.flatMap((s) => (s.error ? [s.error] : [])))];
    expect(errors).toEqual([expect.stringMatching(/^MOVE to Processed: .*\[NOPERM\] Permission denied/)]);
  });

  it("answers the other messages when the server drops the connection each time one is fetched, parks that one in Failed and says so to the daemon", async () => {
    for (const n of ["avant", "illisible", "apres"]) await restricted.append("requester2", requestEmail(n));
    // Its file unreadable on the server (restored from a backup as root, say): Dovecot says
    // « Permission denied » in its log and ends the session at each FETCH of it.
    const inbox = join(restricted.dir, "mail", "requester2", "Maildir", "new");
    const unreadable = readdirSync(inbox).find((name) =>
      readFileSync(join(inbox, name), "utf8").includes("<req-illisible@"),
    );
    chmodSync(join(inbox, unreadable!), 0);
    const { seen, statuses, unread } = watch({
      mailbox: "contact",
      url: restricted.imapUrl("requester2"),
      ca: [restricted.tls.cert],
      backoffMinMs: 50,
      backoffMaxMs: 100,
    });
    // (« avant » may be handed over more than once: its MOVE waited behind the FETCH that ended the
    // session. The daemon's claim files it again without a second answer.)
    const answered = () => new Set(seen.map((m) => m.raw.toString().match(/<req-(\w+)@/)![1]));
    await waitFor("the two others answered", () => answered().size === 2);
    expect([...answered()]).toEqual(["avant", "apres"]);
    const parked = await waitFor("the unreadable one parked", () =>
      statuses.find((s) => s.error?.startsWith("UID 2:")),
    );
    expect(parked.error).toBe(
      "UID 2: the server ends the connection each time it is fetched (3 times): moved to Failed, unanswered",
    );
    expect(unread).toEqual([
      { mailbox: "contact", uidValidity: parked.uidValidity, uid: "2", attempts: 3, error: parked.error },
    ]);
    const client = await restricted.client("requester2");
    const count = async (folder: string) => {
      const status = await client.status(folder, { messages: true });
      return status ? status.messages : null;
    };
    await waitFor("« apres » filed", async () => (await count("Processed")) === 2);
    expect([await count("Failed"), await count("INBOX")]).toEqual([1, 0]);
    await client.logout();
    expect(answered().has("illisible")).toBe(false);
  });
});

describe("the IMAP source, on a folder another client left fragmented", () => {
  let fragmented: DovecotServer;
  beforeAll(async () => {
    fragmented = await startDovecot();
  });
  afterAll(async () => {
    await fragmented?.destroy();
  });

  it("answers its messages although one UID set of them all is longer than the server takes on a command line", async () => {
    // 26,000 messages, every other one then removed by another client: the 13,000 left write a
    // UID set of ~76 KB, over Dovecot's imap_max_line_length (64 KB by default).
    const client = await fragmented.client("calcul");
    await client.mailboxOpen("INBOX");
    const inbox = join(fragmented.dir, "mail", "calcul", "Maildir", "new");
    const { uid, gid } = statSync(inbox);
    for (let n = 1; n <= 26_000; n++) {
      const file = join(inbox, `${n}.fragmented.test`);
      writeFileSync(file, requestEmail(`f${n}`).replace(/\n/g, "\r\n"));
      chownSync(file, uid, gid);
    }
    await client.noop();
    const odd: number[] = [];
    for (const message of await client.fetchAll("1:*", { uid: true }))
      if (message.uid % 2) odd.push(message.uid);
    expect(odd).toHaveLength(13_000);
    for (let i = 0; i < odd.length; i += 1_000)
      await client.messageDelete(odd.slice(i, i + 1_000).join(","), { uid: true });
    await client.logout();
    const { seen, statuses } = watch({
      mailbox: "contact",
      url: fragmented.imapUrl("calcul"),
      ca: [fragmented.tls.cert],
      backoffMinMs: 50,
      backoffMaxMs: 100,
    });
    await waitFor(
      "the first messages handed over, or the scan's error",
      () => seen.length >= 50 || statuses.some((s) => s.error),
      60_000,
    );
    expect(statuses.flatMap((s) => (s.error ? [s.error] : []))).toEqual([]);
    expect(seen.slice(0, 3).map((m) => m.uid)).toEqual(["2", "4", "6"]);
  }, 180_000);
});
