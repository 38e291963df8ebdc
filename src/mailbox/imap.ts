import { ImapFlow } from "imapflow";
import { hostOf } from "../config/server-url.ts";
import type { Mailbox } from "../intake/types.ts";
import { planBatches, uidSet, uidSets } from "./batches.ts";
import type {
  Disposition,
  MailboxSource,
  MessageConsumer,
  SizeLimit,
  SourceStatus,
  UnreadMessage,
} from "./source.ts";

export interface ImapSourceOptions {
  mailbox: Mailbox;
  /** `imap://user:pass@host:port/Folder` (STARTTLS) or `imaps://…`; folder defaults to INBOX. */
  url: string;
  /**
   * `imap://` only: fail the session, before logging in, when the server offers no STARTTLS
   * (see requireStartTls); otherwise STARTTLS only when offered.
   */
  requireStartTls?: boolean;
  /** Extra CA certificates to trust (PEM), e.g. a private CA or a test certificate. */
  ca?: Buffer[];
  /** Reconnect delay bounds; the delay doubles per failed attempt, with jitter. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** A connection that stayed up this long resets the backoff. */
  stableAfterMs?: number;
  /** Silence after which imapflow probes with a NOOP; a dead server is noticed after about twice this. */
  socketTimeoutMs?: number;
  /** IDLE is restarted at least this often (some servers drop long IDLEs). */
  maxIdleTimeMs?: number;
  /** Messages fetched per round trip during a scan. */
  batchSize?: number;
  /** Bytes of source fetched per round trip at most (a larger message is fetched alone). */
  batchBytes?: number;
  /** Messages over this size are fetched only up to their header (unset: every message whole). */
  sizeLimit?: SizeLimit;
}

/** Sessions one message fetched alone may end before it is given up on (see fetchFailed). */
const MAX_FETCH_FAILURES = 3;

export const FOLDERS: Record<Exclude<Disposition, "retry">, string> = {
  processed: "Processed",
  quarantined: "Quarantine",
  failed: "Failed",
};

/**
 * One IMAP connection per mailbox. imapflow never reconnects by itself, so each session is a new
 * client: connect, open the folder, create the filing folders if missing, scan every message left
 * in the folder (a catch-up after any downtime), then IDLE and rescan on each `exists`. Handled
 * messages leave the folder (moved to Processed / Quarantine / Failed), so a scan is "everything
 * still here", in UID order; the claim layer makes a repeated scan harmless.
 */
export class ImapSource implements MailboxSource {
  readonly kind = "imap" as const;
  readonly mailbox: Mailbox;
  private readonly options: Required<Omit<ImapSourceOptions, "ca" | "requireStartTls" | "sizeLimit">> & {
    ca?: Buffer[];
    sizeLimit?: SizeLimit;
  };
  private readonly target: {
    host: string;
    port: number;
    secure: boolean;
    requireStartTls: boolean;
    user: string;
    pass: string;
    folder: string;
  };
  private consume: MessageConsumer | null = null;
  private onStatus: (status: SourceStatus) => void = () => {};
  private onUnread: (message: UnreadMessage) => Promise<void> = async () => {};
  private client: ImapFlow | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private scanPending = false;
  private scanning: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private uidValidity: string | undefined;
  private lastUid = 0;
  /**
   * Messages whose FETCH ended a session (Dovecot drops it when it cannot read the message's file):
   * `isolated`, fetched alone since, so that one such message no longer takes its batch with it;
   * `fetchFailures`, how often one fetched alone did so; `unfetchable`, those given up on after
   * MAX_FETCH_FAILURES, never fetched again; `toPark`, those to move to Failed at the next scan.
   * Under the current UIDVALIDITY.
   */
  private readonly isolated = new Set<number>();
  private readonly fetchFailures = new Map<number, number>();
  private readonly unfetchable = new Set<number>();
  private readonly toPark = new Set<number>();
  /** Why this session's scan failed (it then ends the session): the reason the backoff reports. */
  private scanError: string | null = null;
  /**
   * The last command error imapflow reported through its logger: a refused MOVE resolves `false`
   * without its reason, which imapflow logs only.
   */
  private commandError: unknown = null;

  constructor(options: ImapSourceOptions) {
    this.mailbox = options.mailbox;
    this.options = {
      backoffMinMs: 1_000,
      backoffMaxMs: 60_000,
      stableAfterMs: 30_000,
      socketTimeoutMs: 10_000,
      maxIdleTimeMs: 60_000,
      batchSize: 50,
      // Fifty requests are ~40 KB; fifty 25 MB attachments would be more than a daemon's memory.
      batchBytes: 8 * 1024 * 1024,
      ...options,
    };
    const url = new URL(options.url);
    if (url.protocol !== "imap:" && url.protocol !== "imaps:")
      throw new Error(`not an IMAP URL: ${url.protocol}`);
    const secure = url.protocol === "imaps:";
    this.target = {
      host: hostOf(url),
      port: Number(url.port) || (secure ? 993 : 143),
      secure,
      requireStartTls: !secure && options.requireStartTls === true,
      user: decodeURIComponent(url.username),
      pass: decodeURIComponent(url.password),
      folder: decodeURIComponent(url.pathname.replace(/^\//, "")) || "INBOX",
    };
  }

  start(
    consume: MessageConsumer,
    onStatus: (status: SourceStatus) => void,
    onUnread?: (message: UnreadMessage) => Promise<void>,
  ): void {
    this.consume = consume;
    this.onStatus = onStatus;
    if (onUnread) this.onUnread = onUnread;
    this.loop = this.run();
  }

  rescan(): void {
    this.requestScan();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.scanning;
    const client = this.client;
    if (client?.usable) {
      // LOGOUT politely, but never wait on a server that does not answer.
      await Promise.race([client.logout().catch(() => {}), new Promise((r) => setTimeout(r, 2_000).unref())]);
    }
    client?.close();
    await this.loop;
  }

  private status(state: SourceStatus["state"], error?: string): void {
    this.onStatus({
      state,
      ...(this.uidValidity ? { uidValidity: this.uidValidity } : {}),
      lastUid: this.lastUid,
      ...(error ? { error } : {}),
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const started = Date.now();
      let error: string;
      try {
        error = await this.session();
      } catch (e) {
        error = describeError(e);
      }
      this.client = null;
      if (this.stopping) break;
      // A server that accepts and then drops us must not be hammered: reset only after a stable session.
      if (Date.now() - started >= this.options.stableAfterMs) failures = 0;
      const ceiling = Math.min(this.options.backoffMaxMs, this.options.backoffMinMs * 2 ** failures);
      const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      failures++;
      this.status("backoff", error);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    this.status("stopped");
  }

  /** One connection, from connect to close; resolves with why it ended. */
  private async session(): Promise<string> {
    const client = new ImapFlow({
      host: this.target.host,
      port: this.target.port,
      secure: this.target.secure,
      // true: STARTTLS or no session; undefined: STARTTLS when offered (imapflow's default).
      ...(this.target.requireStartTls ? { doSTARTTLS: true } : {}),
      auth: { user: this.target.user, pass: this.target.pass },
      ...(this.options.ca ? { tls: { ca: this.options.ca } } : {}),
      logger: this.commandErrors,
      socketTimeout: this.options.socketTimeoutMs,
      maxIdleTime: this.options.maxIdleTimeMs,
      autoIdleDelay: 200,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
    });
    let lastError = "connection closed";
    // Without an 'error' listener an ETIMEOUT would crash the process.
    // An error (e.g. ETIMEOUT: a NOOP the server never answered) can leave the client open with a
    // command stuck forever: close it, the run loop starts a new session.
    client.on("error", (error: Error) => {
      lastError = error.message || String(error);
      client.close();
    });
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    client.on("exists", () => this.requestScan());
    this.client = client;
    this.scanError = null;
    this.status("connecting");
    // Each step named in the error: « Command failed » alone does not say what to fix.
    const step = async <T>(name: string, command: () => Promise<T>): Promise<T> => {
      try {
        return await command();
      } catch (error) {
        throw new Error(describeError(error, name));
      }
    };
    try {
      await step(`connect and log in to ${this.target.host}:${this.target.port}`, () =>
        client.connect().catch((error: Error & { tlsFailed?: boolean }) => {
          // Only a server that offers no STARTTLS is helped by allowing clear text (a certificate
          // that fails to verify fails the same way without the requirement).
          if (error.tlsFailed && this.target.requireStartTls && !client.capabilities.has("STARTTLS"))
            error.message += ": not logging in without TLS (use imaps://, or TRANCHE_ALLOW_CLEAR_TEXT=true)";
          throw error;
        }),
      );
      const box = await step(`SELECT ${this.target.folder}`, () => client.mailboxOpen(this.target.folder));
      const uidValidity = String(box.uidValidity);
      if (this.uidValidity !== undefined && this.uidValidity !== uidValidity) {
        this.lastUid = 0;
        for (const uids of [this.isolated, this.fetchFailures, this.unfetchable, this.toPark]) uids.clear();
      }
      this.uidValidity = uidValidity;
      const existing = new Set((await step("LIST", () => client.list())).map((entry) => entry.path));
      for (const folder of Object.values(FOLDERS)) {
        if (!existing.has(folder)) await step(`CREATE ${folder}`, () => client.mailboxCreate(folder));
      }
    } catch (error) {
      client.close();
      throw error;
    }
    if (this.stopping) {
      client.close();
      return "stopping";
    }
    this.status("connected");
    // The SELECT's EXISTS is folded into state without an event: always scan after (re)connecting.
    this.requestScan();
    const watchdog = setInterval(
      () => this.probe(client, (error) => (lastError = error)),
      this.options.socketTimeoutMs,
    );
    await closed;
    clearInterval(watchdog);
    await this.scanning;
    return this.scanError ?? lastError;
  }

  /** imapflow's logger: silent, but keeps the error of a command it answers `false` for. */
  private readonly commandErrors = (() => {
    const ignore = () => {};
    return {
      trace: ignore,
      debug: ignore,
      info: ignore,
      warn: (entry: { err?: unknown }) => {
        if (entry?.err) this.commandError = entry.err;
      },
      error: ignore,
      fatal: ignore,
    };
  })();

  /**
   * imapflow stays stuck, without error, when a server dies between IDLE and its continuation: its
   * own timeout sends a NOOP that waits forever behind the unacknowledged IDLE. A NOOP of ours that
   * is not answered within the socket timeout closes the connection instead.
   */
  private probe(client: ImapFlow, onDead: (error: string) => void): void {
    if (this.scanning || !client.usable || this.stopping) return;
    let answered = false;
    const timer = setTimeout(() => {
      if (answered || !client.usable) return;
      onDead(`no answer to NOOP within ${this.options.socketTimeoutMs} ms`);
      client.close();
    }, this.options.socketTimeoutMs);
    client
      .noop()
      .catch(() => {})
      .finally(() => {
        answered = true;
        clearTimeout(timer);
      });
  }

  private requestScan(): void {
    this.scanPending = true;
    if (this.scanning || !this.client) return;
    this.scanning = this.scanLoop().finally(() => {
      this.scanning = null;
    });
  }

  private async scanLoop(): Promise<void> {
    while (this.scanPending && !this.stopping) {
      const client = this.client;
      if (!client?.usable) return;
      this.scanPending = false;
      this.status("connected");
      try {
        await this.scan(client);
        if (!this.stopping && client.usable) this.status("idle");
      } catch (error) {
        // Ending the session, whose close would otherwise be its reason (« connection closed »).
        this.scanError = (error as Error).message;
        this.status("connected", this.scanError);
        if (client.usable) client.close();
        return;
      }
    }
  }

  private async scan(client: ImapFlow): Promise<void> {
    // A message flagged \\Deleted (by a person, or by a COPY-then-EXPUNGE move cut short) is on its
    // way out: never answered.
    const uids = await client.search({ deleted: false }, { uid: true });
    // A closed client resolves "nothing" instead of failing: do not read that as an empty folder.
    if (!client.usable) throw new Error("connection lost during SEARCH");
    if (!uids || uids.length === 0) return;
    await this.park(client);
    const sorted = uids.filter((uid) => !this.unfetchable.has(uid)).sort((a, b) => a - b);
    if (sorted.length === 0) return;
    // Sizes first (a short round trip, more for a fragmented folder: one UID set of them all could
    // exceed the server's command line and fail every scan), so that a batch is bounded in bytes as
    // well as in count. Batches are short sets already.
    const sizes = new Map<number, number>();
    for (const set of uidSets(sorted))
      for (const m of await client.fetchAll(set, { uid: true, size: true }, { uid: true }))
        sizes.set(m.uid, m.size ?? 0);
    if (!client.usable) throw new Error("connection lost during FETCH");
    const batches = planBatches(
      sorted.map((uid) => ({ uid, size: sizes.get(uid) ?? 0 })),
      this.options.batchSize,
      this.options.batchBytes,
    ).flatMap((batch) => {
      const alone = batch.filter((uid) => this.isolated.has(uid));
      if (alone.length === 0) return [batch];
      const rest = batch.filter((uid) => !this.isolated.has(uid));
      return [...(rest.length ? [rest] : []), ...alone.map((uid) => [uid])];
    });
    // Collect a batch before handling it (no other command while a FETCH iterator is open), and
    // fetch the next one while this one is handled: the server works while we do.
    const limit = this.options.sizeLimit;
    const fetchBatch = async (batch: number[]): Promise<{ uid: number; raw: Buffer; size?: number }[]> => {
      try {
        const fetched = await fetchSources(batch);
        // A closed client resolves "nothing" instead of failing.
        if (!client.usable) throw new Error("connection lost");
        for (const uid of batch) {
          this.isolated.delete(uid);
          this.fetchFailures.delete(uid);
        }
        return fetched;
      } catch (error) {
        if (!this.stopping) this.fetchFailed(batch);
        throw new Error(describeError(error, `FETCH UID ${uidSet(batch)}`));
      }
    };
    const fetchSources = async (batch: number[]): Promise<{ uid: number; raw: Buffer; size?: number }[]> => {
      const over = limit ? batch.filter((uid) => (sizes.get(uid) ?? 0) > limit.maxBytes) : [];
      const whole = over.length ? batch.filter((uid) => !over.includes(uid)) : batch;
      const fetched = whole.length
        ? await client.fetchAll(uidSet(whole), { uid: true, source: true }, { uid: true })
        : [];
      const heads = over.length
        ? await client.fetchAll(
            uidSet(over),
            { uid: true, source: { start: 0, maxLength: limit!.headBytes } },
            { uid: true },
          )
        : [];
      return [
        ...fetched.flatMap((m) => (m.source ? [{ uid: m.uid, raw: m.source }] : [])),
        ...heads.flatMap((m) => (m.source ? [{ uid: m.uid, raw: m.source, size: sizes.get(m.uid)! }] : [])),
      ].sort((a, b) => a.uid - b.uid);
    };
    let next = batches.length ? fetchBatch(batches[0]!) : null;
    // A batch's MOVE runs on the server while the next batch is handled (it waits on the connection
    // behind the prefetch, not behind the claim); at most one is outstanding.
    let filing: Promise<void> | null = null;
    try {
      for (let b = 0; next && !this.stopping; b++) {
        const messages = await next;
        if (!client.usable) throw new Error("connection lost during FETCH");
        next = b + 1 < batches.length ? fetchBatch(batches[b + 1]!) : null;
        // A prefetch left behind (stopping, or an error below) must not surface as unhandled.
        next?.catch(() => {});
        const filed: Record<string, number[]> = {};
        try {
          // Handed over together: the daemon commits them in one transaction.
          const dispositions = await Promise.all(
            messages.map(({ uid, raw, size }) =>
              this.consume!({
                mailbox: this.mailbox,
                uidValidity: this.uidValidity!,
                uid: String(uid),
                raw,
                ...(size === undefined ? {} : { size }),
              }),
            ),
          );
          for (const [i, disposition] of dispositions.entries()) {
            if (disposition === "retry") continue;
            const folder = FOLDERS[disposition];
            filed[folder] = [...(filed[folder] ?? []), messages[i]!.uid];
          }
        } finally {
          // Committed messages are filed even when stopping; a failed MOVE only means a harmless
          // re-claim. The previous batch's failure surfaces here, before this one is filed.
          if (filing) await filing;
          filing = this.file(client, filed);
          filing.catch(() => {});
        }
      }
    } finally {
      if (filing) await filing;
    }
  }

  /**
   * A batch's FETCH ended the session. Its messages are fetched alone from now on; one fetched alone
   * that ends it MAX_FETCH_FAILURES times is given up on: every scan fetched it again, the session
   * died each time, and no message of the folder was answered again, ever.
   */
  private fetchFailed(batch: number[]): void {
    if (batch.length > 1) {
      for (const uid of batch) this.isolated.add(uid);
      return;
    }
    const uid = batch[0]!;
    const failures = (this.fetchFailures.get(uid) ?? 0) + 1;
    this.fetchFailures.set(uid, failures);
    if (failures < MAX_FETCH_FAILURES) return;
    this.isolated.delete(uid);
    this.fetchFailures.delete(uid);
    this.unfetchable.add(uid);
    this.toPark.add(uid);
  }

  /**
   * Moves the messages given up on to Failed, for support to see (tried once; else left, skipped),
   * and tells the daemon, which records each one as failed: a status is replaced by the next one.
   */
  private async park(client: ImapFlow): Promise<void> {
    for (const uid of [...this.toPark]) {
      this.toPark.delete(uid);
      this.commandError = null;
      const moved = await client.messageMove(String(uid), FOLDERS.failed, { uid: true }).catch((error) => {
        this.commandError = error;
        return false as const;
      });
      if (!client.usable) throw new Error(`MOVE of UID ${uid} to ${FOLDERS.failed}: connection lost`);
      const where =
        moved === false
          ? `left in ${this.target.folder}, no longer fetched (${describeError(this.commandError, `MOVE to ${FOLDERS.failed}`)})`
          : `moved to ${FOLDERS.failed}, unanswered`;
      const error = `UID ${uid}: the server ends the connection each time it is fetched (${MAX_FETCH_FAILURES} times): ${where}`;
      this.status("connected", error);
      await this.onUnread({
        mailbox: this.mailbox,
        uidValidity: this.uidValidity!,
        uid: String(uid),
        attempts: MAX_FETCH_FAILURES,
        error,
      });
    }
  }

  private async file(client: ImapFlow, filed: Record<string, number[]>): Promise<void> {
    for (const [folder, moved] of Object.entries(filed)) {
      if (!client.usable) return;
      // imapflow answers a refused MOVE (NO: the folder was deleted by another client) with false,
      // not an error: the messages would stay here, fetched again by every scan. Create the folder
      // and move again; should that fail too, the session ends with the reason and the next one
      // starts by creating the filing folders.
      const set = uidSet([...moved].sort((a, b) => a - b));
      if ((await client.messageMove(set, folder, { uid: true })) === false) {
        await client.mailboxCreate(folder).catch(() => {});
        this.commandError = null;
        if ((await client.messageMove(set, folder, { uid: true })) === false)
          // In the server's words (« [NOPERM] Permission denied », « [OVERQUOTA] … »): what to fix.
          throw new Error(
            this.commandError
              ? describeError(this.commandError, `MOVE to ${folder}`)
              : `MOVE to ${folder} refused by the server`,
          );
      }
      this.lastUid = Math.max(this.lastUid, ...moved);
    }
  }
}

/**
 * An IMAP error as the server gave it: imapflow's message is often only « Command failed », its
 * reason in `responseText` (« Authentication failed. », « Mailbox doesn't exist: INBXO »).
 */
function describeError(error: unknown, step?: string): string {
  const e = (error ?? {}) as { message?: string; responseText?: string; serverResponseCode?: string };
  let text = e.message || String(error);
  const said = [e.serverResponseCode ? `[${e.serverResponseCode}]` : "", e.responseText ?? ""]
    .filter(Boolean)
    .join(" ");
  if (said && !text.includes(e.responseText ?? said)) text = `${text}: ${said}`;
  return step ? `${step}: ${text}` : text;
}
