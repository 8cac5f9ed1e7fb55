/**
 * The `EventStore` port over a KurrentDB / EventStoreDB server, through
 * `@kurrent/kurrentdb-client`. What the client leaves to its callers is done here: one retry
 * (with the same event ids) of appends that met an unavailable server or a follower, renewal of
 * the native read bridge after an outage, resubscription of dropped subscriptions, and hiding
 * the server's own `$` events from `$all`.
 */
import type { AppendResult as ClientAppendResult, SetStreamMetadataOptions } from '@kurrent/kurrentdb-client';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { StoreError, ValidationError, WrongExpectedVersion } from '../../errors.js';
import type {
  AppendRequest,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  StreamMetadata,
  SubscribeToAllOptions,
  SubscribeToStreamOptions,
  Subscription,
} from '../event-store.js';
import { errorMessage, failureKind, isRetryable, toStoreFailure } from './client-errors.js';
import { toEventData } from './event-mapping.js';
import type { ReadAccess } from './reads.js';
import { headOfStream, readAllEvents, readStreamEvents } from './reads.js';
import { ResubscribingSubscription } from './resubscribe.js';
import type { CompiledStoreOptions, KurrentDbStoreOptions } from './store-options.js';
import { compileStoreOptions } from './store-options.js';
import type { StoreUrl } from './store-url.js';
import { maskPassword, parseStoreUrl } from './store-url.js';
import { allSource, streamSource } from './subscription-sources.js';
import { checkExpected, checkStreamMetadata, checkStreamName, checkSubscriptionStart } from './validation.js';

export type { KurrentDbStoreOptions } from './store-options.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class KurrentDbEventStore implements EventStore {
  readonly description: string;
  private closed = false;
  private readonly subscriptions = new Set<Subscription>();
  /** Reads go through the native bridge, which has to be replaced after an outage (see reads.ts). */
  private reader: KurrentDBClient;
  private readonly reads: ReadAccess;

  constructor(
    private readonly url: StoreUrl,
    private readonly options: CompiledStoreOptions,
    private readonly writer: KurrentDBClient,
  ) {
    this.description = url.description;
    this.reader = writer;
    this.reads = {
      client: () => this.reader,
      renew: () => this.renewReader(),
      retryDelayMs: options.retryDelayMs,
      isClosed: () => this.closed,
      describe: (what, error) => this.failure(what, error),
    };
  }

  appendMany(requests: readonly AppendRequest[]): Promise<PromiseSettledResult<AppendResult>[]> {
    // The server takes one stream per append; the client pipelines the calls on one channel.
    return Promise.allSettled(requests.map(({ stream, events, expected }) => this.append(stream, events, expected)));
  }

  async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision = 'any'): Promise<AppendResult> {
    this.assertOpen();
    checkStreamName(stream);
    checkExpected(expected);
    if (!Array.isArray(events) || events.length === 0) {
      throw new ValidationError(`append to "${stream}" needs at least one event`, 'events');
    }
    const data = toEventData(stream, events);
    const result = await this.writeWithRetry(`append to "${stream}"`, stream, expected, () =>
      this.writer.appendToStream(stream, data, { streamState: expected }),
    );
    const position = result.position?.commit ?? (await this.positionOf(stream, result.nextExpectedRevision));
    return { nextRevision: result.nextExpectedRevision, position };
  }

  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<StoredEvent> {
    this.assertOpen();
    checkStreamName(stream);
    return readStreamEvents(this.reads, stream, options);
  }

  readAll(options?: ReadAllOptions): AsyncIterable<StoredEvent> {
    this.assertOpen();
    return readAllEvents(this.reads, options);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    const start = checkSubscriptionStart(options.fromPosition, 'fromPosition');
    return this.track((onClose) => new ResubscribingSubscription(allSource(this.sourceContext(), options), start, this.backoff(), onClose));
  }

  subscribeToStream(stream: string, options: SubscribeToStreamOptions = {}): Subscription {
    this.assertOpen();
    checkStreamName(stream);
    const start = checkSubscriptionStart(options.fromRevision, 'fromRevision');
    return this.track((onClose) => new ResubscribingSubscription(streamSource(this.sourceContext(), stream), start, this.backoff(), onClose));
  }

  async streamRevision(stream: string): Promise<bigint | undefined> {
    this.assertOpen();
    checkStreamName(stream);
    return this.readWithRetry(`revision of "${stream}"`, () => headOfStream(this.reads, stream));
  }

  async setStreamMetadata(stream: string, metadata: StreamMetadata): Promise<void> {
    this.assertOpen();
    checkStreamName(stream);
    const { maxAge, maxCount } = checkStreamMetadata(metadata);
    const wanted = { ...(maxAge === undefined ? {} : { maxAge }), ...(maxCount === undefined ? {} : { maxCount }) };
    // The client declares an expectedRevision option here, but passes the options on to
    // appendToStream, which reads streamState: expectedRevision would be silently ignored.
    const writeOptions = { streamState: 'any' } as SetStreamMetadataOptions;
    await this.writeWithRetry(`metadata of "${stream}"`, `$$${stream}`, 'any', () =>
      this.writer.setStreamMetadata(stream, wanted, writeOptions),
    );
  }

  async getStreamMetadata(stream: string): Promise<StreamMetadata> {
    this.assertOpen();
    checkStreamName(stream);
    const result = await this.readWithRetry(`metadata of "${stream}"`, () => this.reader.getStreamMetadata(stream));
    const { maxAge, maxCount } = result.metadata ?? {};
    return {
      ...(typeof maxAge === 'number' ? { maxAge } : {}),
      ...(typeof maxCount === 'number' ? { maxCount } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    const clients = new Set([this.writer, this.reader]);
    await Promise.allSettled([...clients].map((client) => client.dispose()));
  }

  private track(create: (onClose: () => void) => Subscription): Subscription {
    const subscription = create(() => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    return subscription;
  }

  private backoff() {
    return { initialDelayMs: this.options.resubscribeInitialDelayMs, maxDelayMs: this.options.resubscribeMaxDelayMs };
  }

  private sourceContext() {
    return { writer: () => this.writer, reads: this.reads, describe: (what: string, error: unknown) => this.failure(what, error) };
  }

  /** An append-like call, retried once on a transient failure or a follower's refusal. */
  private async writeWithRetry(
    what: string,
    stream: string,
    expected: ExpectedRevision,
    write: () => Promise<ClientAppendResult>,
  ): Promise<ClientAppendResult & { position?: { commit: bigint } }> {
    for (let attempt = 1; ; attempt += 1) {
      let result: ClientAppendResult;
      try {
        result = await write();
      } catch (error) {
        if (failureKind(error) === 'wrong-expected-version') {
          const actual = (error as { actualState?: unknown }).actualState;
          throw new WrongExpectedVersion(stream, expected, typeof actual === 'bigint' ? actual : undefined, { cause: error });
        }
        if (attempt >= 2 || !isRetryable(error) || this.closed) throw this.failure(`${what} failed`, error);
        await sleep(this.options.retryDelayMs);
        continue;
      }
      // Only when the URL sets throwOnAppendFailure=false: the client then reports instead of throwing.
      if (!result.success) {
        const current = result.nextExpectedRevision;
        throw new WrongExpectedVersion(stream, expected, current < 0n ? undefined : current);
      }
      return result;
    }
  }

  private async readWithRetry<T>(what: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (!isRetryable(error) || this.closed) throw this.failure(`${what} could not be read`, error);
      this.renewReader();
      await sleep(this.options.retryDelayMs);
      try {
        return await read();
      } catch (again) {
        throw this.failure(`${what} could not be read`, again);
      }
    }
  }

  /** An idempotent append may be answered without a position (older servers do): read it back. */
  private async positionOf(stream: string, revision: bigint): Promise<bigint> {
    for await (const event of readStreamEvents(this.reads, stream, { fromRevision: revision, maxCount: 1 })) {
      return event.position;
    }
    throw new StoreError(`${this.description}: the event at revision ${revision} of "${stream}" cannot be read back`);
  }

  private renewReader(): void {
    const old = this.reader;
    this.reader = KurrentDBClient.connectionString(this.url.connectionString);
    if (old !== this.writer) void old.dispose().catch(() => undefined);
  }

  private failure(what: string, error: unknown): Error {
    if (error instanceof WrongExpectedVersion || error instanceof ValidationError) return error;
    return toStoreFailure(error, `${this.description}: ${what}`, (text) => maskPassword(text, this.url));
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(`${this.description}: the store is closed`);
  }
}

/**
 * Opens the KurrentDB / EventStoreDB adapter. Accepts `kurrentdb://`, `esdb://`,
 * `kurrentdb+discover://` and `esdb+discover://` URLs with the client's options
 * (`?tls=false`, credentials, several hosts). Nothing is sent until the first call, so a server
 * that is down at start is reported by the operations, not here.
 * @throws StoreError when the URL is not one the client accepts (its password masked).
 */
export async function openKurrentDbStore(url: string, options?: KurrentDbStoreOptions): Promise<EventStore> {
  const compiled = compileStoreOptions(options);
  const parsed = parseStoreUrl(url);
  let client: KurrentDBClient;
  try {
    client = KurrentDBClient.connectionString(parsed.connectionString);
  } catch (error) {
    throw new StoreError(`store URL "${parsed.redacted}" is invalid: ${maskPassword(errorMessage(error), parsed)}`, {
      cause: error,
    });
  }
  return new KurrentDbEventStore(parsed, compiled, client);
}
