/**
 * The HTTP server of a node: the Koa app and the WebSocket hub on one port. It listens before
 * the leader lease starts, so the URL the lease announces carries the real port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { ConfigError } from '../errors.js';
import { createApp } from './app.js';
import type { HttpDeps, NodeControl } from './http-deps.js';
import { WsHub, type WsHubOptions } from './ws-hub.js';

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  ws?: WsHubOptions;
}

export interface HttpServer {
  /** Base URL others can reach this node at (the machine's name when listening on every address). */
  readonly url: string;
  readonly hub: WsHub;
  attachNode(node: NodeControl): void;
  close(): Promise<void>;
}

function urlFor(host: string, port: number): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  const name = wildcard ? hostname() : host;
  return `http://${name.includes(':') ? `[${name}]` : name}:${port}`;
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the port is in use' : error.code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : error.message;
      reject(new ConfigError(`cannot listen on ${host}:${port} (--host/--port): ${why}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** @param deps everything but `url`, which this function provides once it listens. */
export async function startHttpServer(deps: Omit<HttpDeps, 'url'>, options: HttpServerOptions): Promise<HttpServer> {
  let url = '';
  const full: HttpDeps = { ...deps, url: () => url };
  const server = createServer(createApp(full).callback());
  // Browsers keep idle connections a while; the node must not wait for them to stop.
  server.keepAliveTimeout = 5000;
  const hub = new WsHub(full, options.ws);
  server.on('upgrade', (request, socket, head) => hub.handleUpgrade(request, socket, head));
  const address = await listen(server, options.host, options.port);
  url = urlFor(options.host, address.port);

  let closing: Promise<void> | undefined;
  return {
    url,
    hub,
    attachNode: (node) => hub.attachNode(node),
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await hub.close();
        server.closeIdleConnections();
        // Requests still running (a long log download) get a moment, then their sockets go.
        const force = setTimeout(() => server.closeAllConnections(), 2000);
        await closed;
        clearTimeout(force);
      })()),
  };
}
