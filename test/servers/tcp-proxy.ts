import type { AddressInfo } from "node:net";
import { createConnection, createServer, type Socket } from "node:net";

/** What is between the daemon and a test server: a network path the tests can spoil. */
export interface TcpProxy {
  port: number;
  /** From now on, bytes are swallowed in both directions and nothing is closed: a dead peer. */
  blackhole(): void;
  /** From now on, connections are reset: those open and every new one, a server gone down. */
  cut(): void;
  /** Forward again (new connections only; swallowed connections stay dead). */
  restore(): void;
  /** Everything the clients sent, as text (what a listener on the path would read). */
  fromClients(): string;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Where the proxy listens (default 127.0.0.1; `::1` for IPv6). */
  host?: string;
  /**
   * Rewrites what the server sends, e.g. removing STARTTLS from its capabilities: the downgrade an
   * attacker on the path makes, so that an opportunistic client stays in clear text.
   */
  fromServer?: (chunk: Buffer) => Buffer;
}

/** A TCP proxy to 127.0.0.1:`target`. */
export async function startTcpProxy(target: number, options: TcpProxyOptions = {}): Promise<TcpProxy> {
  let dead = false;
  let down = false;
  const sockets = new Set<Socket>();
  const sent: Buffer[] = [];
  const server = createServer((client) => {
    if (down) {
      client.on("error", () => {});
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: "127.0.0.1", port: target });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    const swallowed = (socket: Socket) => dead || (socket as Socket & { swallowed?: boolean }).swallowed;
    client.on("data", (chunk: Buffer) => {
      if (swallowed(client)) return;
      sent.push(chunk);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!swallowed(upstream)) client.write(options.fromServer ? options.fromServer(chunk) : chunk);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => {
      if (!dead) client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, options.host ?? "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    blackhole() {
      dead = true;
      for (const socket of sockets) (socket as Socket & { swallowed?: boolean }).swallowed = true;
    },
    cut() {
      down = true;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    restore() {
      dead = false;
      down = false;
    },
    fromClients: () => Buffer.concat(sent).toString("latin1"),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Removes STARTTLS from what an IMAP server announces (its greeting and CAPABILITY). */
export const stripStartTls = (chunk: Buffer) =>
  Buffer.from(chunk.toString("latin1").replace(/ STARTTLS\b/g, ""), "latin1");
