import type { AddressInfo } from "node:net";
import { createConnection, createServer, type Socket } from "node:net";

export interface StartTlsStripper {
  port: number;
  /** Everything the clients sent, as text (what a listener on the path would read). */
  fromClients(): string;
  close(): Promise<void>;
}

/**
 * A TCP proxy to 127.0.0.1:`target` that removes STARTTLS from what the server announces: the
 * downgrade an attacker on the network path makes, so that an opportunistic client stays in clear
 * text. Records what the clients send.
 */
export async function startStartTlsStripper(target: number): Promise<StartTlsStripper> {
  const sockets = new Set<Socket>();
  const sent: Buffer[] = [];
  const server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: target });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    client.on("data", (chunk: Buffer) => {
      sent.push(chunk);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) =>
      client.write(chunk.toString("latin1").replace(/ STARTTLS\b/g, ""), "latin1"),
    );
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    fromClients: () => Buffer.concat(sent).toString("latin1"),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
