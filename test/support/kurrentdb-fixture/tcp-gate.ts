/**
 * A TCP pass-through in front of the fixture's gRPC server. Closing it resets every connection
 * and stops listening, which is what a client sees when a server crashes or drops off the
 * network. (Shutting the gRPC server down instead would cancel calls politely, a different and
 * gentler failure than the ones the adapter must survive.)
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import { createConnection, createServer } from 'node:net';

export class TcpGate {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  /** Listens on `host:port` (0: any free port) and forwards every connection to `host:target`. */
  static async open(host: string, port: number, target: number): Promise<{ gate: TcpGate; port: number }> {
    const server = createServer();
    const gate = new TcpGate(server);
    server.on('connection', (client) => gate.forward(client, host, target));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return { gate, port: (server.address() as AddressInfo).port };
  }

  /** Resets every open connection and stops listening. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    await closed;
  }

  private forward(client: Socket, host: string, target: number): void {
    const upstream = createConnection({ host, port: target });
    for (const socket of [client, upstream]) {
      // Small gRPC frames otherwise wait on Nagle and delayed acknowledgements.
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    }
    const cut = (): void => {
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
