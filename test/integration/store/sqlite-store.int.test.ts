/**
 * What only the SQLite store does: group commit with per-append savepoints, scavenging rows
 * hidden by stream metadata, waiting for another connection's lock, opening by URL.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StoreError, UnavailableError } from '../../../src/errors.js';
import type { StoredEvent } from '../../../src/store/event-store.js';
import { openStore } from '../../../src/store/open-store.js';
import { BatchCommitter } from '../../../src/store/sqlite/commit-batch.js';
import { openConnection, prepareFile } from '../../../src/store/sqlite/connection.js';
import { EventReader } from '../../../src/store/sqlite/event-reader.js';
import { openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store.js';
import { ensureSchema } from '../../../src/store/sqlite/schema.js';
import type { EncodedEvent } from '../../../src/store/sqlite/write-ops.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/temp-dir.js';
import { startTsx } from '../../support/tsx-process.js';

let dir: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir('timecloud-sqlite-store-');
});
afterAll(() => dir.remove());

const fileFor = (name: string): string => join(dir.path, name, 'store.db');

async function collect(iterable: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

function encoded(type: string): EncodedEvent {
  return { id: randomUUID(), type, data: '{}', metadata: '{}' };
}

describe('a batch of appends in one transaction', () => {
  it('checks each append on its own: a conflict fails that append only, a repeat is idempotent', () => {
    const file = fileFor('batch');
    const setup = prepareFile(file, { quickCheck: true });
    ensureSchema(setup, file);
    setup.close();
    const db = openConnection(file);
    try {
      const committer = new BatchCommitter(db);
      const first = [encoded('A'), encoded('B')];
      const results = committer.commit([
        { kind: 'append', stream: 's-1', expected: 'no_stream', events: first },
        { kind: 'append', stream: 's-1', expected: 'no_stream', events: [encoded('C')] },
        { kind: 'append', stream: 's-2', expected: 'any', events: [encoded('D')] },
        { kind: 'append', stream: 's-1', expected: 'no_stream', events: first },
        { kind: 'append', stream: 's-2', expected: 'any', events: [first[0] as EncodedEvent] },
      ]);
      const before = Date.now();
      expect(results[0]).toEqual({ ok: true, nextRevision: 1n, position: 2n, created: expect.any(Number) });
      expect((results[0] as { created: number }).created).toBeLessThanOrEqual(before);
      expect(results[1]).toEqual({
        ok: false,
        failure: { kind: 'wrong_expected_version', stream: 's-1', expected: 'no_stream', actual: 1n },
      });
      expect(results[2]).toEqual({ ok: true, nextRevision: 0n, position: 3n, created: expect.any(Number) });
      // The repeat wrote nothing: the same revision and position, and no time of writing.
      expect(results[3]).toEqual({ ok: true, nextRevision: 1n, position: 2n });
      expect(results[4]).toMatchObject({ ok: false, failure: { kind: 'conflict' } });
      const conflict = (results[4] as { failure: { message: string } }).failure.message;
      expect(conflict).toContain(`${first[0]?.id} (stored in "s-1" at revision 0)`);
      expect(conflict).toContain('append to "s-2"');
      const rows = db.prepare('SELECT stream, revision, type FROM events ORDER BY position').all();
      expect(rows).toEqual([
        { stream: 's-1', revision: 0, type: 'A' },
        { stream: 's-1', revision: 1, type: 'B' },
        { stream: 's-2', revision: 0, type: 'D' },
      ]);
    } finally {
      db.close();
    }
  });

  it('commits concurrent appends with mixed outcomes through the store', async () => {
    const store = await openSqliteStore(fileFor('concurrent'));
    try {
      const streams = Array.from({ length: 50 }, () => `test-${randomUUID()}`);
      await Promise.all(streams.map((stream) => store.append(stream, [{ type: 'First', data: {} }])));
      const outcomes = await Promise.allSettled(
        streams.map((stream, index) => store.append(stream, [{ type: 'Second', data: {} }], index === 7 ? 5n : 0n)),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(1);
      expect(outcomes[7]?.status).toBe('rejected');
      for (const [index, stream] of streams.entries()) {
        expect(await store.streamRevision(stream)).toBe(index === 7 ? 0n : 1n);
      }
    } finally {
      await store.close();
    }
  });
});

describe('scavenge', () => {
  function rowCount(file: string, stream: string): number {
    const raw = new Database(file, { readonly: true });
    try {
      return raw.prepare<[string], number>('SELECT count(*) FROM events WHERE stream = ?').pluck().get(stream) as number;
    } finally {
      raw.close();
    }
  }

  it('deletes rows beyond maxCount and keeps revisions counting', async () => {
    const file = fileFor('scavenge-count');
    const store = await openSqliteStore(file, { scavengeIntervalMs: 0 });
    try {
      const stream = `test-${randomUUID()}`;
      await store.append(stream, Array.from({ length: 5 }, (_, n) => ({ type: 'N', data: { n } })));
      await store.setStreamMetadata(stream, { maxCount: 2 });
      expect(await store.scavenge()).toBe(3);
      expect(rowCount(file, stream)).toBe(2);
      const all = await collect(store.readAll({ filter: { streamPrefixes: [stream] } }));
      expect(all.map((event) => event.revision)).toEqual([3n, 4n]);
      expect((await store.append(stream, [{ type: 'N', data: { n: 5 } }], 4n)).nextRevision).toBe(5n);
    } finally {
      await store.close();
    }
  });

  it('deletes rows older than maxAge on its own schedule, even every row of a stream', async () => {
    const file = fileFor('scavenge-age');
    const store = await openSqliteStore(file, { scavengeIntervalMs: 100 });
    try {
      const stream = `test-${randomUUID()}`;
      await store.append(stream, [
        { type: 'N', data: { n: 0 } },
        { type: 'N', data: { n: 1 } },
      ]);
      await store.setStreamMetadata(stream, { maxAge: 1 });
      await eventually(() => rowCount(file, stream) === 0, { message: 'the periodic scavenge' });
      expect(await store.streamRevision(stream)).toBe(1n);
      await expect(store.append(stream, [{ type: 'N', data: { n: 2 } }], 'no_stream')).rejects.toMatchObject({
        actual: 1n,
      });
      expect((await store.append(stream, [{ type: 'N', data: { n: 2 } }], 1n)).nextRevision).toBe(2n);
    } finally {
      await store.close();
    }
  });
});

describe('stream metadata and subscriptions', () => {
  it('applies to the catch-up of a stream subscription as to reads', async () => {
    const store = await openSqliteStore(fileFor('subscription-metadata'), { scavengeIntervalMs: 0 });
    try {
      const stream = `test-${randomUUID()}`;
      await store.append(stream, Array.from({ length: 5 }, (_, n) => ({ type: 'N', data: { n } })));
      await store.setStreamMetadata(stream, { maxCount: 2 });
      const subscription = store.subscribeToStream(stream);
      const received: bigint[] = [];
      const consuming = (async () => {
        for await (const event of subscription) received.push(event.revision);
      })();
      await subscription.caughtUp;
      expect(received).toEqual([3n, 4n]);
      await store.append(stream, [{ type: 'N', data: { n: 5 } }]);
      await eventually(() => expect(received).toEqual([3n, 4n, 5n]));
      await subscription.close();
      await consuming;
    } finally {
      await store.close();
    }
  });
});

describe("a subscription fed from this store's own commits", () => {
  it('sees every event of both stores sharing the file, once each, in position order', async () => {
    const file = fileFor('recent');
    const mine = await openSqliteStore(file, { changeDetection: 'poll', changePollIntervalMs: 5 });
    const theirs = await openSqliteStore(file, { changeDetection: 'poll', changePollIntervalMs: 5 });
    const seen: StoredEvent[] = [];
    const subscription = mine.subscribeToAll({ filter: { streamPrefixes: ['job-'] } });
    const reading = (async () => {
      for await (const event of subscription) seen.push(event);
    })();
    try {
      const appends: Promise<unknown>[] = [];
      for (let round = 0; round < 40; round++) {
        // Interleaved commits of both connections, and streams the filter leaves out.
        appends.push(mine.append(`job-${round % 3}`, [{ type: 'Mine', data: { round } }]));
        appends.push(mine.append(`runlog-${round}`, [{ type: 'LogChunk', data: { round } }]));
        if (round % 4 === 0) appends.push(theirs.append(`job-${round % 5}`, [{ type: 'Theirs', data: { round } }]));
        if (round % 7 === 0) await Promise.all(appends);
      }
      await Promise.all(appends);
      const stored = await collect(theirs.readAll({ filter: { streamPrefixes: ['job-'] } }));
      expect(stored).toHaveLength(50);
      await eventually(() => expect(seen).toHaveLength(stored.length));
      expect(seen.map((event) => [event.position, event.id, event.type, event.data])).toEqual(
        stored.map((event) => [event.position, event.id, event.type, event.data]),
      );
      expect(seen.map((event) => event.created)).toEqual(stored.map((event) => event.created));
      expect(seen.map((event) => event.revision)).toEqual(stored.map((event) => event.revision));
    } finally {
      await subscription.close();
      await reading;
      await Promise.all([mine.close(), theirs.close()]);
    }
  });

  it('reads its own new events from memory, not back from the file', async () => {
    const file = fileFor('recent-reads');
    const store = await openSqliteStore(file);
    const reads = vi.spyOn(EventReader.prototype, 'allPage');
    const seen: StoredEvent[] = [];
    const subscription = store.subscribeToAll();
    const reading = (async () => {
      for await (const event of subscription) seen.push(event);
    })();
    try {
      await subscription.caughtUp;
      const rowsBefore = rowsRead(reads);
      for (let index = 0; index < 50; index++) {
        await store.append(`job-${index % 4}`, [{ type: 'Ran', data: { index } }, { type: 'Ended', data: { index } }]);
      }
      await eventually(() => expect(seen).toHaveLength(100));
      expect(seen.map((event) => (event.data as { index: number }).index)).toEqual(
        Array.from({ length: 100 }, (_, at) => Math.floor(at / 2)),
      );
      // Each wake-up still asks the file whether anything follows; none of the 100 events came from it.
      expect(rowsRead(reads) - rowsBefore).toBe(0);
    } finally {
      reads.mockRestore();
      await subscription.close();
      await reading;
      await store.close();
    }
  });
});

/** How many rows the spied `allPage` calls have returned so far. */
function rowsRead(spy: { mock: { results: { type: string; value: unknown }[] } }): number {
  return spy.mock.results.reduce((sum, result) => sum + (result.type === 'return' ? (result.value as unknown[]).length : 0), 0);
}

describe('another connection holding the write lock', () => {
  it('makes an append wait, and fail with UnavailableError after busy_timeout', async () => {
    const file = fileFor('locked');
    const store = await openSqliteStore(file);
    const raw = new Database(file);
    try {
      const stream = `test-${randomUUID()}`;
      raw.exec('BEGIN IMMEDIATE');
      const waiting = store.append(stream, [{ type: 'Waited', data: {} }]);
      setTimeout(() => raw.exec('COMMIT'), 300);
      expect((await waiting).nextRevision).toBe(0n);

      raw.exec('BEGIN IMMEDIATE');
      const started = Date.now();
      const error = await store.append(stream, [{ type: 'TimedOut', data: {} }]).catch((caught: unknown) => caught);
      raw.exec('ROLLBACK');
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toContain(file);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
      expect(await store.streamRevision(stream)).toBe(0n);
    } finally {
      raw.close();
      await store.close();
    }
  });
});

describe('openStore', () => {
  it('opens the SQLite store from a path, a sqlite: URL and a file: URL', async () => {
    const file = fileFor('by-url');
    const stream = `test-${randomUUID()}`;
    for (const [index, url] of [file, `sqlite:${file}`, `sqlite://${file}`, pathToFileURL(file).href].entries()) {
      const store = await openStore(url);
      try {
        expect(store.description).toBe(`sqlite:${file}`);
        await store.append(stream, [{ type: 'Opened', data: { url } }], index === 0 ? 'no_stream' : BigInt(index - 1));
      } finally {
        await store.close();
      }
    }
  });

  it('refuses an unknown scheme, naming the URL and the accepted forms', async () => {
    const error = await openStore('postgres://db.example/timecloud').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain('postgres://db.example/timecloud');
    expect((error as Error).message).toContain('kurrentdb://');
    expect((error as Error).message).toContain('sqlite:');
  });
});

describe('a script that never closes the store', () => {
  it('still exits on its own once its appends are done', async () => {
    const child = startTsx('test/fixtures/store/append-without-close.ts', [fileFor('no-close')]);
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.lines[0]).toMatch(/^appended at \d+$/);
  });
});
