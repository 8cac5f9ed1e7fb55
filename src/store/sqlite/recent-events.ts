/**
 * The events this process has just committed, kept so that its own `$all` subscribers get
 * them without reading every one back over SQL: a node's projections, alerts and standby
 * follower would otherwise each query and decode each event the node itself just wrote
 * (profiled on a node running `true`: the read-back's share of the main thread fell from
 * 2.5 % to 1.1 %, about 0.12 ms a run; what is left is one empty check per wake-up).
 *
 * Only a run of consecutive positions is kept. Another process's commit shows as a gap
 * between this process's batches: the window then starts again after it, and a reader whose
 * cursor is before the window reads from the file as before. So whatever this serves is
 * exactly what the file holds after the cursor, in order.
 */
import type { EventFilter, StoredEvent } from '../event-store.js';
import { decodeEvent } from './event-reader.js';
import type { OpResult, WriteOp } from './write-ops.js';

interface Entry {
  stream: string;
  type: string;
  /** Decoded on first use: most committed events (log chunks) are never asked for here. */
  event: StoredEvent | undefined;
  id: string;
  revision: bigint;
  position: bigint;
  data: string;
  metadata: string;
  created: number;
}

export interface RecentEventsLimits {
  /** Events kept at most. */
  events: number;
  /** Characters of data and metadata kept at most. */
  chars: number;
}

export class RecentEvents {
  private entries: Entry[] = [];
  /** Index of the oldest entry still kept (entries before it are dropped lazily). */
  private start = 0;
  private chars = 0;

  constructor(
    private readonly file: string,
    private readonly limits: RecentEventsLimits,
  ) {}

  /** Position of the first event kept, or undefined when none is. */
  get first(): bigint | undefined {
    return this.entries[this.start]?.position;
  }

  /** Position of the last event kept, or undefined when none is. */
  get last(): bigint | undefined {
    return this.entries.length > this.start ? this.entries[this.entries.length - 1]?.position : undefined;
  }

  /** Takes the events of one committed batch: `results[i]` is what the writer answered to `ops[i]`. */
  add(ops: readonly WriteOp[], results: readonly OpResult[]): void {
    ops.forEach((op, index) => {
      const result = results[index];
      // Failed appends left no row; an idempotent retry's rows were stored earlier, elsewhere.
      if (op.kind !== 'append' || !result?.ok || !('created' in result) || result.created === undefined) return;
      const count = BigInt(op.events.length);
      const firstPosition = result.position - count + 1n;
      const firstRevision = result.nextRevision - count + 1n;
      if (this.last !== firstPosition - 1n) this.clear();
      op.events.forEach((event, offset) => {
        this.entries.push({
          stream: op.stream,
          type: event.type,
          event: undefined,
          id: event.id,
          revision: firstRevision + BigInt(offset),
          position: firstPosition + BigInt(offset),
          data: event.data,
          metadata: event.metadata,
          created: result.created as number,
        });
        this.chars += event.data.length + event.metadata.length;
      });
    });
    this.trim();
  }

  /**
   * Up to `limit` events matching `filter` after position `after`, when every event after it
   * is kept; undefined when the file must be read instead (the window starts later, or holds
   * nothing matching: events after it may be in the file only).
   */
  pageAfter(after: bigint, limit: number, filter: EventFilter): StoredEvent[] | undefined {
    const first = this.first;
    if (first === undefined || after + 1n < first || after >= (this.last as bigint)) return undefined;
    const page: StoredEvent[] = [];
    for (let index = this.start + Number(after + 1n - first); index < this.entries.length && page.length < limit; index++) {
      const entry = this.entries[index] as Entry;
      if (matches(entry, filter)) page.push((entry.event ??= shared(this.decode(entry))));
    }
    return page.length > 0 ? page : undefined;
  }

  clear(): void {
    this.entries = [];
    this.start = 0;
    this.chars = 0;
  }

  private trim(): void {
    while (this.entries.length - this.start > this.limits.events || (this.chars > this.limits.chars && this.entries.length - this.start > 1)) {
      const dropped = this.entries[this.start] as Entry;
      this.chars -= dropped.data.length + dropped.metadata.length;
      this.start += 1;
    }
    // Compact once the dropped prefix is as long as what is kept: amortised O(1) per event.
    if (this.start > 0 && this.start >= this.entries.length - this.start) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }

  private decode(entry: Entry): StoredEvent {
    return decodeEvent(
      {
        position: entry.position,
        event_id: entry.id,
        stream: entry.stream,
        revision: entry.revision,
        type: entry.type,
        data: entry.data,
        metadata: entry.metadata,
        created: entry.created,
      },
      this.file,
    );
  }
}

/**
 * Every subscriber gets the same object, so none may change it for the others: frozen, a
 * consumer that tries fails loudly (ES modules are strict) instead of corrupting its peers.
 */
function shared(event: StoredEvent): StoredEvent {
  deepFreeze(event.data);
  deepFreeze(event.metadata);
  return Object.freeze(event);
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

/** The filter of `$all` reads (`allPageQuery`): a prefix of the list, and a type of the list. */
function matches(entry: Entry, filter: EventFilter): boolean {
  const { streamPrefixes, eventTypes } = filter;
  if (streamPrefixes !== undefined && !streamPrefixes.some((prefix) => entry.stream.startsWith(prefix))) return false;
  return eventTypes === undefined || eventTypes.includes(entry.type);
}
