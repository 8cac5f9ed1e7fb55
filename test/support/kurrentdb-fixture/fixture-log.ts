/**
 * The fixture's in-memory event log: the one place that decides what an append does and what a
 * read sees. It mirrors the KurrentDB rules the client depends on — expected-revision checks,
 * idempotent event ids, `$all` positions that grow with gaps, stream metadata honoured by stream
 * reads (but not by `$all`, which the real server only trims at scavenge) — and nothing more.
 */

export type Expected = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface ProposedEvent {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  metadata: Uint8Array;
}

export interface LoggedEvent extends ProposedEvent {
  stream: string;
  revision: bigint;
  /** Log position; the fixture uses it as both commit and prepare position, as single-event records have. */
  position: bigint;
  createdMs: number;
}

export type AppendOutcome =
  | {
      ok: true;
      currentRevision: bigint | undefined;
      position: { commit: bigint; prepare: bigint } | undefined;
      /** The events were all stored already: nothing was written. */
      idempotent?: boolean;
    }
  | { ok: false; currentRevision: bigint | undefined };

interface StreamMetadata {
  maxAge?: number;
  maxCount?: number;
  truncateBefore?: number;
}

/** Records a fresh server already holds, so that `$all` readers meet system events from the start. */
const SEED: ReadonlyArray<{ stream: string; type: string; data: unknown }> = [
  { stream: '$users', type: '$User', data: { loginName: 'admin' } },
  { stream: '$settings', type: 'update-default-acl', data: { $userStreamAcl: { $r: '$all' } } },
];

export class FixtureLog {
  /** Every record in commit order: the fixture's `$all`. */
  readonly all: LoggedEvent[] = [];
  private readonly streams = new Map<string, LoggedEvent[]>();
  private nextPosition = 0n;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {
    for (const seed of SEED) {
      this.write(seed.stream, [
        {
          id: crypto.randomUUID(),
          type: seed.type,
          contentType: 'application/json',
          data: new TextEncoder().encode(JSON.stringify(seed.data)),
          metadata: new Uint8Array(),
        },
      ]);
    }
  }

  lastRevision(stream: string): bigint | undefined {
    const events = this.streams.get(stream);
    return events && events.length > 0 ? BigInt(events.length - 1) : undefined;
  }

  append(stream: string, expected: Expected, proposed: readonly ProposedEvent[]): AppendOutcome {
    const current = this.lastRevision(stream);
    const existing = this.streams.get(stream) ?? [];
    if (proposed.length === 0) {
      return this.matchesExpected(expected, current)
        ? { ok: true, currentRevision: current, position: undefined }
        : { ok: false, currentRevision: current };
    }

    // Idempotency, as the server's commit check does it: with an exact expected revision the
    // events right after it must carry the same ids; with any/stream_exists the first id is
    // looked up in the stream. A partial match is "corrupted idempotency": a wrong version.
    const firstIndex =
      typeof expected === 'bigint' || expected === 'no_stream'
        ? Number((expected === 'no_stream' ? -1n : expected) + 1n)
        : existing.findIndex((event) => event.id === proposed[0]?.id);
    const alreadyThere = firstIndex >= 0 && firstIndex < existing.length && existing[firstIndex]?.id === proposed[0]?.id;
    if (alreadyThere && (expected !== 'stream_exists' || current !== undefined)) {
      const all = proposed.every((event, i) => existing[firstIndex + i]?.id === event.id);
      if (!all) return { ok: false, currentRevision: current };
      const last = existing[firstIndex + proposed.length - 1] as LoggedEvent;
      const first = existing[firstIndex] as LoggedEvent;
      return {
        ok: true,
        currentRevision: last.revision,
        position: { commit: last.position, prepare: first.position },
        idempotent: true,
      };
    }

    if (!this.matchesExpected(expected, current)) return { ok: false, currentRevision: current };
    const written = this.write(stream, proposed);
    const first = written[0] as LoggedEvent;
    const last = written[written.length - 1] as LoggedEvent;
    return { ok: true, currentRevision: last.revision, position: { commit: last.position, prepare: first.position } };
  }

  /** The stream's events that reads may return (metadata applied), or `undefined` when it has none. */
  visibleStream(stream: string): LoggedEvent[] | undefined {
    const events = this.streams.get(stream);
    if (!events || events.length === 0) return undefined;
    const metadata = stream.startsWith('$$') ? {} : this.metadataOf(stream);
    let from = 0;
    if (metadata.truncateBefore !== undefined) from = Math.max(from, metadata.truncateBefore);
    if (metadata.maxCount !== undefined) from = Math.max(from, events.length - metadata.maxCount);
    if (metadata.maxAge !== undefined) {
      const cutoff = this.now() - metadata.maxAge * 1000;
      while (from < events.length && (events[from] as LoggedEvent).createdMs <= cutoff) from += 1;
    }
    return events.slice(from);
  }

  /** Index in `all` of the first record at or after `position`. */
  indexAtOrAfter(position: bigint): number {
    let low = 0;
    let high = this.all.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.all[mid] as LoggedEvent).position < position) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Calls `listener` after every append that stored events; returns the unsubscribe function. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private matchesExpected(expected: Expected, current: bigint | undefined): boolean {
    if (expected === 'any') return true;
    if (expected === 'no_stream') return current === undefined;
    if (expected === 'stream_exists') return current !== undefined;
    return current === expected;
  }

  private write(stream: string, proposed: readonly ProposedEvent[]): LoggedEvent[] {
    const events = this.streams.get(stream) ?? [];
    this.streams.set(stream, events);
    const createdMs = this.now();
    const written = proposed.map((event) => {
      const logged: LoggedEvent = { ...event, stream, revision: BigInt(events.length), position: this.nextPosition, createdMs };
      // Real log positions are byte offsets: strictly increasing, never contiguous.
      this.nextPosition += 100n + BigInt(event.data.length + event.metadata.length + event.type.length);
      events.push(logged);
      this.all.push(logged);
      return logged;
    });
    for (const listener of [...this.listeners]) listener();
    return written;
  }

  private metadataOf(stream: string): StreamMetadata {
    const metaEvents = this.streams.get(`$$${stream}`);
    const last = metaEvents?.[metaEvents.length - 1];
    if (!last || last.type !== '$metadata') return {};
    try {
      const raw = JSON.parse(new TextDecoder().decode(last.data)) as Record<string, unknown>;
      const int = (value: unknown): number | undefined =>
        typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
      return { maxAge: int(raw.$maxAge), maxCount: int(raw.$maxCount), truncateBefore: int(raw.$tb) };
    } catch {
      return {};
    }
  }
}
