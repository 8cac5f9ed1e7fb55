/**
 * The embedded `EventStore`: one SQLite file in WAL mode. Writes go through group commit to
 * the writer (a worker thread by default); reads and subscriptions use a connection on the
 * caller's thread.
 */
import type Database from 'better-sqlite3';
import { StoreError } from '../../errors.js';
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
import { ChangePoller } from './change-poller.js';
import { checkExpected, checkStreamName, encodeEvents } from './encode-event.js';
import type { EventReader, StreamState } from './event-reader.js';
import { GroupCommitter } from './group-commit.js';
import { RecentEvents } from './recent-events.js';
import { checkDirection, checkFilter, checkFrom, checkLimit, checkMaxCount } from './read-options.js';
import type { ResolvedSqliteStoreOptions } from './sqlite-store-options.js';
import { SqliteSubscription } from './sqlite-subscription.js';
import { decodeFailure } from './write-ops.js';
import type { AppendOp, OpResult, WriteOp } from './write-ops.js';
import type { Writer } from './writer.js';

/** The longest a subscriber waits for this process's appends in flight before it reads on. */
const YIELD_TO_WRITES_MS = 25;

/**
 * What is kept of this process's latest commits for its `$all` subscribers, who read them
 * within milliseconds: about a second of a 1,000-job node's decisions. Small, because it
 * stays after a burst: with 8,192 events, a node that had just registered 10,000 jobs
 * settled at 158 MiB instead of 145 (`bench/memory.bench.ts`, one run each).
 */
const RECENT_EVENTS = 1024;
const RECENT_CHARS = 256 * 2 ** 10;

/** Rows one scavenge op deletes at most, so the write lock is never held for long. */
const SCAVENGE_CHUNK = 5000;

/** The SQLite store, with what only it can do. */
export interface SqliteEventStore extends EventStore {
  /** Absolute path of the store file. */
  readonly file: string;
  /** Deletes now the rows that stream metadata hides from reads; resolves to how many. */
  scavenge(): Promise<number>;
}

/** What `openSqliteStore` has opened and checked, handed to the store. */
export interface SqliteEventStoreParts {
  file: string;
  readDb: Database.Database;
  reader: EventReader;
  writer: Writer;
  options: ResolvedSqliteStoreOptions;
}

/** The store itself; create it with `openSqliteStore`. */
export class SqliteStore implements SqliteEventStore {
  readonly description: string;
  readonly file: string;
  private readonly subscriptions = new Set<SqliteSubscription>();
  private readonly poller: ChangePoller;
  private readonly committer: GroupCommitter;
  private readonly recent: RecentEvents;
  private readonly scavengeTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly parts: SqliteEventStoreParts) {
    this.file = parts.file;
    this.description = `sqlite:${parts.file}`;
    this.poller = new ChangePoller(
      () => parts.reader.dataVersion(),
      {
        intervalMs: parts.options.changePollIntervalMs,
        watchFile: parts.options.changeDetection === 'watch' ? parts.file : undefined,
        ownWrites: () => this.committer.busy,
      },
      (error) => parts.options.onBackgroundError(this.storeError('polling for changes failed', error)),
    );
    this.recent = new RecentEvents(parts.file, { events: RECENT_EVENTS, chars: RECENT_CHARS });
    // Subscribers in this process wake as soon as a batch commits, without waiting for a
    // poll, and find its events in memory.
    this.committer = new GroupCommitter(parts.writer, parts.options.maxBatchEvents, (ops, results) => {
      this.recent.add(ops, results);
      this.poller.committed();
    });
    if (parts.options.scavengeIntervalMs > 0) {
      this.scavengeTimer = setInterval(() => {
        this.scavenge().catch((error: unknown) => {
          if (!this.closing) parts.options.onBackgroundError(this.storeError('scavenge failed', error));
        });
      }, parts.options.scavengeIntervalMs).unref();
    }
  }

  async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision = 'any'): Promise<AppendResult> {
    const op = appendOp(stream, events, expected);
    this.checkOpen();
    return this.appendResult(await this.committer.submit(op), stream);
  }

  async appendMany(requests: readonly AppendRequest[]): Promise<PromiseSettledResult<AppendResult>[]> {
    this.checkOpen();
    const settled = new Array<PromiseSettledResult<AppendResult>>(requests.length);
    const ops: AppendOp[] = [];
    const requestOf: number[] = [];
    requests.forEach(({ stream, events, expected = 'any' }, index) => {
      try {
        ops.push(appendOp(stream, events, expected));
        requestOf.push(index);
      } catch (error) {
        settled[index] = { status: 'rejected', reason: error };
      }
    });
    const results = await this.committer.submitMany(ops);
    results.forEach((result, at) => {
      const index = requestOf[at]!;
      try {
        settled[index] = { status: 'fulfilled', value: this.appendResult(result, ops[at]!.stream) };
      } catch (error) {
        settled[index] = { status: 'rejected', reason: error };
      }
    });
    return settled;
  }

  /** What the writer answered to an append, or the error it stands for. */
  private appendResult(result: OpResult, stream: string): AppendResult {
    if (!result.ok) throw decodeFailure(result.failure, `append to "${stream}" in "${this.file}"`);
    if (!('nextRevision' in result)) throw new StoreError(`append to "${stream}": the writer gave no revision`);
    return { nextRevision: result.nextRevision, position: result.position };
  }

  readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<StoredEvent> {
    checkStreamName(stream);
    const direction = checkDirection(options.direction);
    const from = checkFrom('fromRevision', options.fromRevision, direction === 'forwards' ? 'start' : 'end');
    const maxCount = checkMaxCount(options.maxCount);
    return this.streamEvents(stream, direction === 'forwards', from, maxCount);
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent> {
    const forwards = checkDirection(options.direction) === 'forwards';
    const from = checkFrom('fromPosition', options.fromPosition, forwards ? 'start' : 'end');
    const maxCount = checkMaxCount(options.maxCount);
    const filter = checkFilter(options.filter);
    return this.allEvents(forwards, from, maxCount, filter);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    const from = checkFrom('fromPosition', options.fromPosition);
    const filter = checkFilter(options.filter);
    this.checkOpen();
    const { reader, options: config } = this.parts;
    const head = reader.headPosition();
    const cursor = from === 'start' ? 0n : from === 'end' ? head : from;
    return this.track(
      new SqliteSubscription(
        {
          pageAfter: (after) =>
            this.whileOpen(
              () =>
                this.recent.pageAfter(after, config.readPageSize, filter) ??
                reader.allPage('forwards', after + 1n, config.readPageSize, filter),
            ),
          key: (event) => event.position,
          writesSettled: () => this.writesSettled(),
        },
        this.poller,
        cursor,
        head,
        (subscription) => this.subscriptions.delete(subscription),
      ),
    );
  }

  subscribeToStream(stream: string, options: SubscribeToStreamOptions = {}): Subscription {
    checkStreamName(stream);
    const from = checkFrom('fromRevision', options.fromRevision);
    this.checkOpen();
    const { reader, options: config } = this.parts;
    const head = reader.streamState(stream).last ?? -1n;
    const cursor = from === 'start' ? -1n : from === 'end' ? head : from;
    return this.track(
      new SqliteSubscription(
        {
          // Stream metadata applies to the catch-up as to any stream read.
          pageAfter: (after) =>
            this.whileOpen(() =>
              reader.streamPage(stream, 'forwards', after + 1n, config.readPageSize, visible(reader.streamState(stream))),
            ),
          key: (event) => event.revision,
          writesSettled: () => this.writesSettled(),
        },
        this.poller,
        cursor,
        head,
        (subscription) => this.subscriptions.delete(subscription),
      ),
    );
  }

  streamRevision(stream: string): Promise<bigint | undefined> {
    checkStreamName(stream);
    return Promise.resolve(this.whileOpen(() => this.parts.reader.streamState(stream).last));
  }

  async setStreamMetadata(stream: string, metadata: StreamMetadata): Promise<void> {
    checkStreamName(stream);
    const maxAge = checkLimit('maxAge', metadata?.maxAge);
    const maxCount = checkLimit('maxCount', metadata?.maxCount);
    await this.submit({ kind: 'metadata', stream, maxAge, maxCount }, `set metadata of "${stream}"`);
  }

  getStreamMetadata(stream: string): Promise<StreamMetadata> {
    checkStreamName(stream);
    return Promise.resolve(this.whileOpen(() => this.parts.reader.streamState(stream).metadata));
  }

  async scavenge(): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.submit({ kind: 'scavenge', limit: SCAVENGE_CHUNK }, 'scavenge');
      const deleted = 'deleted' in result ? result.deleted : 0;
      total += deleted;
      if (deleted < SCAVENGE_CHUNK) return total;
    }
  }

  /**
   * Subscribers in this process yield to its appends in flight: a minute-boundary herd's
   * decisions become durable before the dashboard and the warm standby read them back. The
   * wait is bounded, so a store written without pause still feeds its subscribers. Then they
   * let the event loop turn once: the appenders' continuations (a job's state, its next timer)
   * are microtasks of the commit's reply, and a page read and handed out in between would hold
   * every one of them up by its length (measured: 1,000 decisions durable 30 ms later).
   */
  private async writesSettled(): Promise<void> {
    if (this.committer.busy) await this.committer.settled(YIELD_TO_WRITES_MS);
    await new Promise((resolve) => setImmediate(resolve));
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.scavengeTimer) clearInterval(this.scavengeTimer);
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.poller.close();
    await this.committer.drain();
    await this.parts.writer.close();
    this.parts.readDb.close();
  }

  private async *streamEvents(
    stream: string,
    forwards: boolean,
    from: bigint | 'start' | 'end',
    maxCount: number,
  ): AsyncGenerator<StoredEvent> {
    const { reader, options } = this.parts;
    const state = this.whileOpen(() => reader.streamState(stream));
    if (state.last === undefined) return;
    const bounds = visible(state);
    let next = from === 'start' ? 0n : from === 'end' ? (forwards ? state.last + 1n : state.last) : from;
    let left = maxCount;
    while (left > 0 && next >= 0n) {
      const limit = Math.min(left, options.readPageSize);
      const page = this.whileOpen(() => reader.streamPage(stream, forwards ? 'forwards' : 'backwards', next, limit, bounds));
      for (const event of page) yield event;
      if (page.length < limit) return;
      left -= page.length;
      next = (page[page.length - 1] as StoredEvent).revision + (forwards ? 1n : -1n);
    }
  }

  private async *allEvents(
    forwards: boolean,
    from: bigint | 'start' | 'end',
    maxCount: number,
    filter: ReturnType<typeof checkFilter>,
  ): AsyncGenerator<StoredEvent> {
    const { reader, options } = this.parts;
    const head = this.whileOpen(() => reader.headPosition());
    let next = from === 'start' ? 0n : from === 'end' ? (forwards ? head + 1n : head) : from;
    let left = maxCount;
    while (left > 0 && next >= 0n) {
      const limit = Math.min(left, options.readPageSize);
      const page = this.whileOpen(() => reader.allPage(forwards ? 'forwards' : 'backwards', next, limit, filter));
      for (const event of page) yield event;
      if (page.length < limit) return;
      left -= page.length;
      next = (page[page.length - 1] as StoredEvent).position + (forwards ? 1n : -1n);
    }
  }

  private async submit(op: WriteOp, what: string): Promise<OpResult & { ok: true }> {
    this.checkOpen();
    const result = await this.committer.submit(op);
    if (!result.ok) throw decodeFailure(result.failure, `${what} in "${this.file}"`);
    return result;
  }

  private track(subscription: SqliteSubscription): SqliteSubscription {
    this.subscriptions.add(subscription);
    return subscription;
  }

  private checkOpen(): void {
    if (this.closing) throw new StoreError(`event store "${this.file}" is closed`);
  }

  /** Runs a read on the read connection, or throws a `StoreError` naming the file once closed. */
  private whileOpen<T>(read: () => T): T {
    this.checkOpen();
    return read();
  }

  private storeError(what: string, cause: unknown): StoreError {
    return new StoreError(`event store "${this.file}": ${what}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** Checks and encodes one append on the caller's thread, so bad input never reaches the writer. */
function appendOp(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): AppendOp {
  checkStreamName(stream);
  checkExpected(stream, expected);
  return { kind: 'append', stream, expected, events: encodeEvents(stream, events) };
}

/** The revisions and ages that the stream's metadata leaves visible to reads, as of now. */
function visible(state: StreamState): { minRevision: bigint; minCreated?: number } {
  const { maxCount, maxAge } = state.metadata;
  const minRevision = maxCount === undefined || state.last === undefined ? 0n : state.last - BigInt(maxCount) + 1n;
  return { minRevision, minCreated: maxAge === undefined ? undefined : Date.now() - maxAge * 1000 };
}
