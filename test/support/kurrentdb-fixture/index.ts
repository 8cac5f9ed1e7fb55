/**
 * An in-process KurrentDB gRPC fixture for tests.
 *
 * THIS IS A TEST FIXTURE, NOT A KURRENTDB SERVER. It serves, from memory, the subset of the
 * KurrentDB/EventStoreDB gRPC protocol that `@kurrent/kurrentdb-client` 1.3.x uses for
 * timecloud's store adapter, with the client's own generated service definitions:
 * `ServerFeatures.GetSupportedMethods`, `Streams.Append`, `Streams.BatchAppend`, `Streams.Read`
 * (stream and `$all` reads with filters; catch-up subscriptions with `caught_up` and filter
 * checkpoints) and `Gossip.Read` (one leader: itself). It keeps expected-revision checks,
 * idempotent event ids, gapped `$all` positions, and `$maxAge` / `$maxCount` / `$tb` from
 * `$$<stream>` metadata streams on stream reads. `stop()` resets every connection at the TCP
 * level (what clients see when a server crashes or drops off the network) and `start()` listens
 * again on the same port; `failNextAppends` injects UNAVAILABLE, not-leader and lost-reply faults.
 *
 * It leaves out everything else: TLS and authentication (credentials are ignored), deletes and
 * tombstones, persistent subscriptions, projections, users, operations, link events and
 * `resolveLinkTos`, explicit transactions, the v2 protocol (multi-stream appends), real cluster
 * elections, max append sizes, deadlines, `fell_behind`, scavenging, and persistence to disk
 * (data lives as long as the fixture object, across `stop()`/`start()`).
 *
 * It logs nothing. Start it with {@link startKurrentDbFixture}.
 */
import * as grpc from '@grpc/grpc-js';
import { appendHandler, batchAppendHandler } from './append-service.js';
import { gossipHandler, supportedMethodsHandler } from './cluster-service.js';
import type { AppendFault } from './faults.js';
import { FaultQueue } from './faults.js';
import type { LoggedEvent } from './fixture-log.js';
import { FixtureLog } from './fixture-log.js';
import { featuresGrpc, gossipGrpc, streamsGrpc } from './protocol.js';
import { readHandler } from './read-service.js';
import { TcpGate } from './tcp-gate.js';

export type { AppendFault } from './faults.js';
export type { LoggedEvent } from './fixture-log.js';

export interface KurrentDbFixtureOptions {
  /** Port to listen on, on 127.0.0.1. @defaultValue a free port chosen by the OS */
  port?: number;
  /**
   * Behave as servers before 23.10: subscriptions send no `caught_up` message (a filtered `$all`
   * subscription gets a checkpoint when it catches up instead).
   * @defaultValue false
   */
  legacyCaughtUp?: boolean;
  /**
   * Answer an append whose events are all stored already without a position, as older servers
   * did (the protocol allows it).
   * @defaultValue false
   */
  idempotentWithoutPosition?: boolean;
}

export interface KurrentDbFixture {
  /** `kurrentdb://127.0.0.1:<port>?tls=false` */
  readonly url: string;
  /** The same node through gossip discovery: `kurrentdb+discover://127.0.0.1:<port>?tls=false` */
  readonly discoverUrl: string;
  readonly port: number;
  readonly running: boolean;
  /** Starts serving again on the same port, with the data it had. */
  start(): Promise<void>;
  /** Stops listening and cuts every open call, as a crashed or unreachable server would. Data is kept. */
  stop(): Promise<void>;
  /** The next `times` appends fail with `fault` (see {@link AppendFault}). */
  failNextAppends(fault: AppendFault, times?: number): void;
  /** What the fixture has stored, bypassing the client: every record, or one stream's, in order. */
  storedEvents(stream?: string): readonly LoggedEvent[];
}

const HOST = '127.0.0.1';

class GrpcKurrentDbFixture implements KurrentDbFixture {
  private server: grpc.Server | undefined;
  private gate: TcpGate | undefined;
  private readonly log = new FixtureLog();
  private readonly faults = new FaultQueue();
  private readonly instanceId = crypto.randomUUID();

  constructor(
    private boundPort: number,
    private readonly options: KurrentDbFixtureOptions,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `kurrentdb://${HOST}:${this.boundPort}?tls=false`;
  }

  get discoverUrl(): string {
    return `kurrentdb+discover://${HOST}:${this.boundPort}?tls=false`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = new grpc.Server();
    const port = (): number => this.boundPort;
    const appendContext = {
      log: this.log,
      faults: this.faults,
      host: HOST,
      port,
      idempotentWithoutPosition: this.options.idempotentWithoutPosition ?? false,
    };
    server.addService(streamsGrpc.StreamsService, {
      read: readHandler({ log: this.log, legacyCaughtUp: this.options.legacyCaughtUp ?? false }),
      append: appendHandler(appendContext),
      batchAppend: batchAppendHandler(appendContext),
      delete: unimplemented,
      tombstone: unimplemented,
    });
    server.addService(gossipGrpc.GossipService, { read: gossipHandler(HOST, port, this.instanceId) });
    server.addService(featuresGrpc.ServerFeaturesService, { getSupportedMethods: supportedMethodsHandler() });
    const internalPort = await bind(server);
    try {
      const { gate, port: publicPort } = await openGate(this.boundPort, internalPort);
      this.gate = gate;
      this.boundPort = publicPort;
    } catch (error) {
      server.forceShutdown();
      throw error;
    }
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await this.gate?.close();
    this.gate = undefined;
    server.forceShutdown();
  }

  failNextAppends(fault: AppendFault, times = 1): void {
    this.faults.add(fault, times);
  }

  storedEvents(stream?: string): readonly LoggedEvent[] {
    return stream === undefined ? [...this.log.all] : this.log.all.filter((event) => event.stream === stream);
  }
}

const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<never>): void =>
  callback({ code: grpc.status.UNIMPLEMENTED, details: 'not served by the test fixture' });

function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(port),
    ),
  );
}

/** Opens the public port, retrying briefly while the previous gate's socket still holds it. */
async function openGate(port: number, target: number): Promise<{ gate: TcpGate; port: number }> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await TcpGate.open(HOST, port, target);
    } catch (error) {
      if (attempt >= 50 || port === 0 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Starts a fixture and resolves once it listens. */
export async function startKurrentDbFixture(options: KurrentDbFixtureOptions = {}): Promise<KurrentDbFixture> {
  const fixture = new GrpcKurrentDbFixture(options.port ?? 0, options);
  await fixture.start();
  return fixture;
}
