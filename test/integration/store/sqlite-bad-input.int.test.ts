/**
 * Bad input to the SQLite store: unusable paths, files that are not (or no longer) a
 * timecloud store, rows that cannot be decoded, and bad options. Each is a typed error that
 * names what is wrong, at open time or at the read that meets it.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError, ValidationError } from '../../../src/errors.js';
import type { StoredEvent } from '../../../src/store/event-store.js';
import { openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store.js';
import { tempDir } from '../../support/temp-dir.js';

let dir: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir('timecloud-sqlite-bad-');
});
afterAll(() => dir.remove());

async function openError(file: string): Promise<StoreError> {
  const error = await openSqliteStore(file).then(
    async (store) => {
      await store.close();
      return undefined;
    },
    (caught: unknown) => caught,
  );
  expect(error, `opening ${file} should fail`).toBeInstanceOf(StoreError);
  return error as StoreError;
}

describe('opening an unusable file', () => {
  it('refuses a directory', async () => {
    const folder = join(dir.path, 'a-folder');
    mkdirSync(folder);
    const error = await openError(folder);
    expect(error.message).toContain(folder);
    expect(error.message).toMatch(/directory/);
  });

  it('refuses a path whose parent folder cannot be created', async () => {
    const blocker = join(dir.path, 'plain-file');
    writeFileSync(blocker, 'not a folder');
    const file = join(blocker, 'sub', 'store.db');
    const error = await openError(file);
    expect(error.message).toContain(file);
    expect(error.message).toContain(join(blocker, 'sub'));
    expect(error.message).toMatch(/ENOTDIR/);
  });

  it('refuses a file that is not an SQLite database', async () => {
    const file = join(dir.path, 'notes.txt');
    writeFileSync(file, 'These are my notes, not a database.\n'.repeat(50));
    const error = await openError(file);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/not an SQLite database/);
  });

  it('refuses an SQLite database of another application', async () => {
    const file = join(dir.path, 'other-app.db');
    const other = new Database(file);
    other.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
    other.close();
    const error = await openError(file);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/not a timecloud event store.*customers/);
  });

  it('refuses a corrupt store at open time', async () => {
    const file = join(dir.path, 'corrupt', 'store.db');
    const store = await openSqliteStore(file);
    for (let index = 0; index < 50; index += 1) {
      const events = Array.from({ length: 20 }, (_, n) => ({ type: 'Filler', data: { n, pad: 'y'.repeat(100) } }));
      await store.append(`test-${randomUUID()}`, events);
    }
    await store.close();
    // Overwrite pages 4 to 6 (b-tree pages by now) with garbage.
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(3 * 4096, 0x5a), 0, 3 * 4096, 3 * 4096);
    closeSync(fd);
    const error = await openError(file);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/corrupt/);
  });
});

describe('a stored row that cannot be decoded', () => {
  it('fails the read that meets it with a StoreError naming the stream and revision', async () => {
    const file = join(dir.path, 'bad-row', 'store.db');
    const stream = `test-${randomUUID()}`;
    const store = await openSqliteStore(file);
    try {
      await store.append(stream, [{ type: 'A', data: 1 }, { type: 'B', data: 2 }]);
      const raw = new Database(file);
      raw.prepare('UPDATE events SET data = ? WHERE stream = ? AND revision = 1').run('{"cut short', stream);
      raw.close();
      const read = async (iterable: AsyncIterable<StoredEvent>): Promise<unknown> => {
        try {
          for await (const event of iterable) expect(event.revision).toBe(0n);
          return undefined;
        } catch (error) {
          return error;
        }
      };
      const subscription = store.subscribeToStream(stream);
      for (const error of [
        await read(store.readStream(stream)),
        await read(store.readAll({ filter: { streamPrefixes: [stream] } })),
        await read(subscription),
        await subscription.caughtUp.catch((caught: unknown) => caught),
      ]) {
        expect(error).toBeInstanceOf(StoreError);
        expect((error as Error).message).toContain(`revision 1 of stream "${stream}"`);
        expect((error as Error).message).toContain(file);
      }
    } finally {
      await store.close();
    }
  });
});

describe('bad options and arguments', () => {
  it('names the option that is wrong', async () => {
    const file = join(dir.path, 'options', 'store.db');
    await expect(openSqliteStore(file, { maxBatchEvents: 0 })).rejects.toThrow(/maxBatchEvents/);
    await expect(openSqliteStore(file, { changePollIntervalMs: 1.5 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('names the argument that is wrong', async () => {
    const store = await openSqliteStore(join(dir.path, 'arguments', 'store.db'));
    try {
      const stream = `test-${randomUUID()}`;
      await expect(store.append('', [{ type: 'A', data: 1 }])).rejects.toThrow(/stream name/);
      await expect(store.append(stream, [])).rejects.toThrow(/at least one event/);
      await expect(store.append(stream, [{ type: '', data: 1 }])).rejects.toThrow(/type/);
      await expect(store.append(stream, [{ type: 'A', data: 1 }], -1n)).rejects.toThrow(/expected revision/);
      const id = randomUUID();
      await expect(
        store.append(stream, [
          { id, type: 'A', data: 1 },
          { id, type: 'B', data: 2 },
        ]),
      ).rejects.toThrow(/repeats event id/);
      await expect(store.setStreamMetadata(stream, { maxAge: 0 })).rejects.toThrow(/maxAge/);
      expect(() => store.readStream(stream, { maxCount: -1 })).toThrow(/maxCount/);
      expect(() => store.readAll({ filter: { eventTypes: [] } })).toThrow(/filter.eventTypes/);
      expect(() => store.subscribeToAll({ fromPosition: -5n })).toThrow(/fromPosition/);
      expect(await store.streamRevision(stream)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
