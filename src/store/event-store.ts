/**
 * The `EventStore` port: everything timecloud remembers goes through this interface.
 * Adapters live in sibling folders (`sqlite/`, `kurrentdb/`); one contract suite
 * (`test/integration/store/*.contract.ts`) runs against each of them.
 */

/** Where an append expects the stream to be. A bigint is the revision of the stream's last event. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** An event as the caller hands it to `append`. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  /**
   * A UUID. Give a deterministic id whenever a retry of the same decision must not store
   * the event twice: an append whose event ids are all stored already is a no-op.
   * @defaultValue a random UUID
   */
  id?: string;
  type: Type;
  data: Data;
  metadata?: EventMetadata;
}

/** Metadata carried by every timecloud event. Adapters store any JSON object. */
export interface EventMetadata {
  nodeId?: string;
  /** The leader term under which the event was decided. */
  epoch?: number;
  correlationId?: string;
  causationId?: string;
  [key: string]: unknown;
}

/** An event read back from the store. */
export interface StoredEvent<Type extends string = string, Data = unknown> {
  id: string;
  stream: string;
  /** Position inside its stream, from 0. */
  revision: bigint;
  /** Position in `$all`: strictly increasing in commit order. */
  position: bigint;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  created: Date;
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  nextRevision: bigint;
  /** `$all` position of the last event of this append. */
  position: bigint;
}

/** One append of `appendMany`. */
export interface AppendRequest {
  stream: string;
  events: readonly NewEvent[];
  /** @defaultValue 'any' */
  expected?: ExpectedRevision;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** @defaultValue 'forwards' */
  direction?: Direction;
  /** Inclusive start. @defaultValue 'start' forwards, 'end' backwards */
  fromRevision?: bigint | 'start' | 'end';
  /** @defaultValue unbounded */
  maxCount?: number;
}

export interface ReadAllOptions {
  /** @defaultValue 'forwards' */
  direction?: Direction;
  /** Inclusive start. @defaultValue 'start' forwards, 'end' backwards */
  fromPosition?: bigint | 'start' | 'end';
  /** @defaultValue unbounded */
  maxCount?: number;
  filter?: EventFilter;
}

/** Narrows `$all`. Both lists are alternatives (OR); when both are set an event must match both. */
export interface EventFilter {
  streamPrefixes?: string[];
  eventTypes?: string[];
}

export interface SubscribeToAllOptions {
  /** Exclusive: the first event delivered is the one after this position. @defaultValue 'start' */
  fromPosition?: bigint | 'start' | 'end';
  filter?: EventFilter;
}

export interface SubscribeToStreamOptions {
  /** Exclusive: the first event delivered is the one after this revision. @defaultValue 'start' */
  fromRevision?: bigint | 'start' | 'end';
}

/**
 * A catch-up subscription: first every stored event after the start, then live ones.
 * Iterate it with `for await`; the store waits for the loop body, so a slow consumer
 * slows its own subscription and nothing else. Adapters resubscribe after failures from
 * the last delivered event, so a consumer sees each event once and in order.
 */
export interface Subscription extends AsyncIterable<StoredEvent> {
  /** Resolves once every event stored before the subscription started has been delivered. */
  readonly caughtUp: Promise<void>;
  /** Ends the iteration. Safe to call twice. */
  close(): Promise<void>;
}

export interface StreamMetadata {
  /** Events older than this many seconds are not returned by reads. */
  maxAge?: number;
  /** Only the newest `maxCount` events of the stream are returned by reads. */
  maxCount?: number;
}

export interface EventStore {
  /** A short human name for logs: `sqlite:/path/file.db`, `kurrentdb://host:2113`. */
  readonly description: string;

  append(stream: string, events: readonly NewEvent[], expected?: ExpectedRevision): Promise<AppendResult>;
  /**
   * Several independent appends at once, each to its own stream with its own expected revision:
   * each succeeds or fails as `append` would (a wrong revision fails that one only), and the
   * results come back in order. One call for the decisions of many jobs due at the same instant
   * (the embedded store then commits them together without a promise per append).
   */
  appendMany(requests: readonly AppendRequest[]): Promise<PromiseSettledResult<AppendResult>[]>;

  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<StoredEvent>;
  readAll(options?: ReadAllOptions): AsyncIterable<StoredEvent>;

  subscribeToAll(options?: SubscribeToAllOptions): Subscription;
  subscribeToStream(stream: string, options?: SubscribeToStreamOptions): Subscription;

  /** Revision of the stream's last event, or `undefined` for a stream that has none. */
  streamRevision(stream: string): Promise<bigint | undefined>;

  setStreamMetadata(stream: string, metadata: StreamMetadata): Promise<void>;
  getStreamMetadata(stream: string): Promise<StreamMetadata>;

  /** Closes subscriptions and connections. Safe to call twice. */
  close(): Promise<void>;
}
