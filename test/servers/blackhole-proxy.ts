import type { AddressInfo } from "node:net";
import { createConnection, createServer, type Socket } from "node:net";

export interface BlackholeProxy {
  port: number;
  /** From now on, bytes are swallowed in both directions and nothing is closed: a dead peer. */
  blackhole(): void;
  /** Forward again (new connections only; swallowed connections stay dead). */
  restore(): void;
  close(): Promise<void>;
}

/** A TCP proxy to 127.0.0.1:`target` that can turn into a silent network path (no RST, no FIN). */
export async function startBlackholeProxy(target: number): Promise<BlackholeProxy> {
  let dead = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: target });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    const forward = (from: Socket, to: Socket) =>
      from.on("data", (chunk: Buffer) => {
        if (!dead && !(from as Socket & { swallowed?: boolean }).swallowed) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => {
      if (!dead) client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    blackhole() {
      dead = true;
      for (const socket of sockets) (socket as Socket & { swallowed?: boolean }).swallowed = true;
    },
    restore() {
      dead = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
