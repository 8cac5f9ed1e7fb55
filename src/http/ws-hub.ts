/**
 * The WebSocket hub at `/ws`: one feed of stored events from the projection runner (not a store
 * subscription per client), filtered per client, and live log lines of the runs a client follows
 * (from the node's live bus on the leader, from the `runlog-<runId>` stream on a standby).
 * A client that reconnects sends `{ resume: position }`: the hub replays from the store, then
 * joins it to the live feed without a gap or a duplicate. Memory per client is bounded: past
 * `maxBufferedBytes` of unsent data it gets one `overflow` and nothing more until it resumes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { PROJECTED_EVENT_TYPES } from '../../projections/projection.js';
import { streams, type LogChunk } from '../domain/events.js';
import type { LiveLogLine } from '../runlog/run-log-writer.js';
import type { StoredEvent, Subscription } from '../store/event-store.js';
import { errorBody } from './errors.js';
import { toEventJson } from './event-json.js';
import { isLeader, type HttpDeps, type NodeControl } from './http-deps.js';
import { HubClient, parseClientMessage } from './ws-client.js';

export interface WsHubOptions {
  /** Unsent bytes a client may have before its event feed stops. @defaultValue 1 MiB */
  maxBufferedBytes?: number;
  /** Runs one client may follow at once. @defaultValue 20 */
  maxFollows?: number;
  /** Connections at once. @defaultValue 500 */
  maxClients?: number;
  /** Ping interval; a client that missed the last pong is dropped. @defaultValue 30000 */
  heartbeatMs?: number;
}

const REPLAY_PAGE = 256;

/** Refuses an upgrade with a plain HTTP answer. */
function refuse(socket: Duplex, status: number, reason: string, code: string, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly clients = new Set<HubClient>();
  private readonly followers = new Map<string, Set<HubClient>>();
  private readonly logStreams = new Map<string, Subscription>();
  private readonly maxBufferedBytes: number;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly onEvent = (event: StoredEvent) => this.publish(event);
  private readonly onLine = (line: LiveLogLine) => this.sendLine(line.runId, line.stream, line.text);
  private node: NodeControl | undefined;

  constructor(
    private readonly deps: HttpDeps,
    private readonly options: WsHubOptions = {},
  ) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    deps.projections.on('event', this.onEvent);
    this.heartbeat = setInterval(() => this.ping(), options.heartbeatMs ?? 30_000).unref();
  }

  /** Live log lines of this node's own runs, once the node is built. */
  attachNode(node: NodeControl): void {
    this.node = node;
    node.live.on('line', this.onLine);
  }

  /** For the server's `upgrade` event. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return refuse(socket, 404, 'Not Found', 'NOT_FOUND', `no WebSocket at ${url.pathname}; use /ws`);
    const method = this.deps.auth.identify(request.headers, url.searchParams.get('token'));
    if (method === undefined) {
      return refuse(socket, 401, 'Unauthorized', 'UNAUTHORIZED', 'send the token (Authorization header, session cookie or ?token=) to open /ws');
    }
    const origin = request.headers.origin;
    if (method === 'cookie' && origin !== undefined && new URL(origin).host !== request.headers.host) {
      return refuse(socket, 401, 'Unauthorized', 'UNAUTHORIZED', `cross-site WebSocket from ${origin} refused`);
    }
    if (this.clients.size >= (this.options.maxClients ?? 500)) {
      return refuse(socket, 503, 'Service Unavailable', 'UNAVAILABLE', 'too many dashboard connections; try again later');
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.connect(ws));
  }

  private connect(ws: WebSocket): void {
    const client = new HubClient(ws, this.deps.projections.position ?? 0n, this.maxBufferedBytes);
    this.clients.add(client);
    this.deps.metrics.wsClients.set(this.clients.size);
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (data, isBinary) => this.receive(client, isBinary ? '' : data.toString()));
    ws.on('close', () => this.disconnect(client));
    ws.on('error', () => ws.terminate());
    this.hello(client);
  }

  private hello(client: HubClient): void {
    client.send({ type: 'hello', nodeId: this.deps.nodeId, role: isLeader(this.deps) ? 'leader' : 'standby', position: client.cursor.toString() });
  }

  private receive(client: HubClient, raw: string): void {
    const message = parseClientMessage(raw);
    if ('problem' in message) {
      client.ws.close(1008, `bad message: ${message.problem}`);
      return;
    }
    if ('follow' in message) {
      if (client.follows.size >= (this.options.maxFollows ?? 20) && !client.follows.has(message.follow)) {
        client.ws.close(1008, `too many runs followed at once (at most ${this.options.maxFollows ?? 20})`);
        return;
      }
      this.follow(client, message.follow);
    } else if ('unfollow' in message) {
      this.unfollow(client, message.unfollow);
    } else if ('filter' in message) {
      client.setFilter(message.filter);
      this.hello(client);
    } else {
      client.cursor = BigInt(message.resume);
      client.mode = 'replaying';
      void this.replay(client, ++client.replayId);
    }
  }

  private publish(event: StoredEvent): void {
    let text: string | undefined;
    for (const client of this.clients) {
      if (client.mode !== 'live' || event.position <= client.cursor) continue;
      if (!client.matches(event)) {
        client.cursor = event.position;
        continue;
      }
      if (client.congested) {
        client.overflow();
        continue;
      }
      text ??= JSON.stringify({ type: 'event', event: toEventJson(event) });
      client.send(text);
      client.cursor = event.position;
    }
  }

  /** Sends what the store holds after the client's cursor, then joins the live feed. */
  private async replay(client: HubClient, replayId: number): Promise<void> {
    const current = () => client.replayId === replayId && client.open;
    try {
      while (current()) {
        // Checked and switched in one go: no event can be published in between.
        const target = this.deps.projections.position ?? 0n;
        if (client.cursor >= target) {
          client.mode = 'live';
          return;
        }
        const filter = client.storeFilter(PROJECTED_EVENT_TYPES);
        if (filter === undefined) {
          client.cursor = target; // its filter matches nothing the hub serves
          continue;
        }
        let read = 0;
        let flushed: Promise<void> = Promise.resolve();
        for await (const event of this.deps.store.readAll({ fromPosition: client.cursor + 1n, maxCount: REPLAY_PAGE, filter })) {
          read += 1;
          if (!current()) return;
          flushed = new Promise((resolve) => client.send(JSON.stringify({ type: 'event', event: toEventJson(event) }), () => resolve()));
          client.cursor = event.position;
          if (client.congested) await flushed; // pace the replay to what the client reads
        }
        // A short page read the store to its end, which is at or past what the runner has seen.
        if (read < REPLAY_PAGE && client.cursor < target) client.cursor = target;
        await new Promise((resolve) => setImmediate(resolve)); // a long replay leaves others their turn
      }
    } catch (error) {
      this.deps.log.warn({ err: error }, 'WebSocket replay failed; closing the connection');
      client.ws.close(1011, 'replay failed; reconnect and resume');
    }
  }

  private follow(client: HubClient, runId: string): void {
    client.follows.add(runId);
    let set = this.followers.get(runId);
    if (!set) {
      set = new Set();
      this.followers.set(runId, set);
      // On the leader the live bus carries every line of its runs; a standby reads the stored log.
      if (!isLeader(this.deps)) this.followStoredLog(runId);
    }
    set.add(client);
  }

  private followStoredLog(runId: string): void {
    const subscription = this.deps.store.subscribeToStream(streams.runLog(runId), { fromRevision: 'end' });
    this.logStreams.set(runId, subscription);
    void (async () => {
      try {
        for await (const event of subscription) {
          if (event.type !== 'LogChunk') continue;
          const chunk = event.data as LogChunk['data'];
          for (const text of chunk.text.split('\n')) this.sendLine(runId, chunk.stream, text);
        }
      } catch (error) {
        this.deps.log.warn({ err: error, runId }, 'following a stored run log failed');
      }
    })();
  }

  private unfollow(client: HubClient, runId: string): void {
    client.follows.delete(runId);
    const set = this.followers.get(runId);
    if (!set) return;
    set.delete(client);
    if (set.size > 0) return;
    this.followers.delete(runId);
    void this.logStreams.get(runId)?.close();
    this.logStreams.delete(runId);
  }

  /** Lines are live only: a congested client misses them (the stored log has them all). */
  private sendLine(runId: string, stream: 'stdout' | 'stderr', text: string): void {
    const set = this.followers.get(runId);
    if (!set) return;
    let message: string | undefined;
    for (const client of set) {
      if (client.congested || client.mode === 'overflowed') continue;
      message ??= JSON.stringify({ type: 'log', runId, stream, text });
      client.send(message);
    }
  }

  private disconnect(client: HubClient): void {
    if (!this.clients.delete(client)) return;
    client.replayId += 1;
    for (const runId of [...client.follows]) this.unfollow(client, runId);
    this.deps.metrics.wsClients.set(this.clients.size);
  }

  private ping(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      client.ws.ping();
    }
  }

  /** What each connection holds, for tests and diagnostics. */
  stats(): { clients: { mode: string; bufferedAmount: number; follows: number; cursor: string }[] } {
    return {
      clients: [...this.clients].map((c) => ({ mode: c.mode, bufferedAmount: c.ws.bufferedAmount, follows: c.follows.size, cursor: c.cursor.toString() })),
    };
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.deps.projections.off('event', this.onEvent);
    this.node?.live.off('line', this.onLine);
    for (const client of this.clients) client.ws.close(1001, 'the node is stopping');
    for (const subscription of this.logStreams.values()) await subscription.close();
    this.logStreams.clear();
    // Clients that do not answer the close handshake are cut off.
    const deadline = setTimeout(() => {
      for (const client of this.clients) client.ws.terminate();
    }, 1000);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    clearTimeout(deadline);
    for (const client of this.clients) client.ws.terminate();
  }
}
