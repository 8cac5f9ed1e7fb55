import { describe, expect, it } from 'vitest';
import { RecentEvents } from '../../../../src/store/sqlite/recent-events.js';
import type { AppendOp, OpResult } from '../../../../src/store/sqlite/write-ops.js';

const CREATED = Date.UTC(2026, 11, 2, 6, 0, 0);
let ids = 0;

function append(stream: string, types: string[], data: unknown = { n: 1 }): AppendOp {
  return {
    kind: 'append',
    stream,
    expected: 'any',
    events: types.map((type) => ({
      id: `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
      type,
      data: JSON.stringify(data),
      metadata: '{}',
    })),
  };
}

/** What the writer answers to an append whose last event got `position` and `revision`. */
function written(position: bigint, revision: bigint): OpResult {
  return { ok: true, nextRevision: revision, position, created: CREATED };
}

const positions = (page: { position: bigint }[] | undefined) => page?.map((event) => event.position);

describe('the events this process has just committed', () => {
  it('serves the events after a cursor inside the window, decoded as the file would give them', () => {
    const recent = new RecentEvents('f.db', { events: 100, chars: 1e6 });
    recent.add([append('job-a', ['A', 'B']), append('job-b', ['C'])], [written(11n, 4n), written(12n, 0n)]);
    expect([recent.first, recent.last]).toEqual([10n, 12n]);
    const page = recent.pageAfter(10n, 10, {});
    expect(page).toEqual([
      expect.objectContaining({ stream: 'job-a', type: 'B', revision: 4n, position: 11n, data: { n: 1 }, metadata: {} }),
      expect.objectContaining({ stream: 'job-b', type: 'C', revision: 0n, position: 12n, created: new Date(CREATED) }),
    ]);
    expect(positions(recent.pageAfter(9n, 2, {}))).toEqual([10n, 11n]);
  });

  it('sends the reader to the file when its cursor is before the window or at its end', () => {
    const recent = new RecentEvents('f.db', { events: 100, chars: 1e6 });
    expect(recent.pageAfter(0n, 10, {})).toBeUndefined();
    recent.add([append('job-a', ['A'])], [written(5n, 0n)]);
    expect(recent.pageAfter(3n, 10, {})).toBeUndefined();
    expect(recent.pageAfter(5n, 10, {})).toBeUndefined();
    expect(positions(recent.pageAfter(4n, 10, {}))).toEqual([5n]);
  });

  it('starts again after a gap: another process committed between two of this process’s batches', () => {
    const recent = new RecentEvents('f.db', { events: 100, chars: 1e6 });
    recent.add([append('job-a', ['A'])], [written(5n, 0n)]);
    recent.add([append('job-a', ['B'])], [written(8n, 1n)]); // 6 and 7 are another process's
    expect([recent.first, recent.last]).toEqual([8n, 8n]);
    expect(recent.pageAfter(5n, 10, {})).toBeUndefined();
    expect(positions(recent.pageAfter(7n, 10, {}))).toEqual([8n]);
  });

  it('skips appends that wrote nothing: failures and idempotent repeats', () => {
    const recent = new RecentEvents('f.db', { events: 100, chars: 1e6 });
    const results: OpResult[] = [
      written(1n, 0n),
      { ok: false, failure: { kind: 'wrong_expected_version', stream: 'job-b', expected: 'no_stream', actual: 0n } },
      { ok: true, nextRevision: 0n, position: 1n },
      written(2n, 0n),
    ];
    recent.add([append('job-a', ['A']), append('job-b', ['X']), append('job-a', ['A']), append('job-c', ['C'])], results);
    expect(recent.pageAfter(0n, 10, {})?.map((event) => event.type)).toEqual(['A', 'C']);
  });

  it('applies the filter of `$all` reads, and leaves a window with no match to the file', () => {
    const recent = new RecentEvents('f.db', { events: 100, chars: 1e6 });
    recent.add(
      [append('job-a', ['RunScheduled']), append('runlog-1', ['LogChunk']), append('job-b', ['RunStarted'])],
      [written(1n, 0n), written(2n, 0n), written(3n, 0n)],
    );
    expect(positions(recent.pageAfter(0n, 10, { streamPrefixes: ['job-'] }))).toEqual([1n, 3n]);
    expect(positions(recent.pageAfter(0n, 10, { eventTypes: ['RunStarted', 'LogChunk'] }))).toEqual([2n, 3n]);
    expect(positions(recent.pageAfter(0n, 10, { streamPrefixes: ['job-'], eventTypes: ['LogChunk'] }))).toBeUndefined();
    expect(recent.pageAfter(1n, 10, { streamPrefixes: ['node-'] })).toBeUndefined();
  });

  it('keeps at most its limits of events and characters, dropping the oldest', () => {
    const recent = new RecentEvents('f.db', { events: 3, chars: 1e6 });
    for (let position = 1n; position <= 10n; position++) recent.add([append('s', ['E'])], [written(position, position - 1n)]);
    expect([recent.first, recent.last]).toEqual([8n, 10n]);
    expect(positions(recent.pageAfter(7n, 10, {}))).toEqual([8n, 9n, 10n]);
    expect(recent.pageAfter(6n, 10, {})).toBeUndefined();

    const big = new RecentEvents('f.db', { events: 100, chars: 250 });
    const text = 'x'.repeat(100);
    for (let position = 1n; position <= 5n; position++) big.add([append('s', ['E'], text)], [written(position, position - 1n)]);
    expect([big.first, big.last]).toEqual([4n, 5n]);
  });

  it('hands every reader the same frozen event, so none can change it for the others', () => {
    const recent = new RecentEvents('f.db', { events: 100, chars: 1e6 });
    recent.add([append('job-a', ['A'], { spec: { script: 'true' } })], [written(1n, 0n)]);
    const [one] = recent.pageAfter(0n, 1, {}) ?? [];
    const [two] = recent.pageAfter(0n, 1, {}) ?? [];
    expect(one).toBe(two);
    expect(() => {
      (one?.data as { spec: { script: string } }).spec.script = 'rm -rf /';
    }).toThrow(TypeError);
    expect(two?.data).toEqual({ spec: { script: 'true' } });
  });

  it('names the file, stream and position of an event that cannot be decoded', () => {
    const recent = new RecentEvents('f.db', { events: 100, chars: 1e6 });
    const op = append('job-a', ['A']);
    (op.events[0] as { data: string }).data = '{not json';
    recent.add([op], [written(3n, 0n)]);
    expect(() => recent.pageAfter(2n, 1, {})).toThrow(/"f\.db".*revision 0 of stream "job-a" \(position 3\)/);
  });
});
