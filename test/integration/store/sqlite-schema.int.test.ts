/**
 * The SQLite store's schema over time: a file of an older version is brought up to date when
 * opened, keeping every event, and reads walk the index meant for them.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import type { EventFilter } from '../../../src/store/event-store.js';
import { allPageQuery } from '../../../src/store/sqlite/event-reader.js';
import { openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store.js';
import { SCHEMA_VERSION, TYPE_INDEX } from '../../../src/store/sqlite/schema.js';
import { tempDir } from '../../support/temp-dir.js';

const dir = await tempDir('timecloud-sqlite-schema-');
afterAll(() => dir.remove());

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

it('brings a version 1 file (no type index) up to date when it opens, keeping its events', async () => {
  const file = join(dir.path, 'v1.db');
  const store = await openSqliteStore(file);
  await store.append('job-a', [{ type: 'RunScheduled', data: { n: 1 } }, { type: 'AlertNotified', data: { n: 2 } }]);
  await store.append('job-b', [{ type: 'RunScheduled', data: { n: 3 } }]);
  await store.close();
  const raw = new Database(file);
  raw.exec(`DROP INDEX ${TYPE_INDEX}`);
  raw.pragma('user_version = 1');
  raw.close();

  const reopened = await openSqliteStore(file);
  const found = await collect(reopened.readAll({ direction: 'backwards', filter: { eventTypes: ['AlertNotified'] } }));
  expect(found.map((event) => event.data)).toEqual([{ n: 2 }]);
  expect((await collect(reopened.readAll())).map((event) => event.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  await reopened.close();

  const check = new Database(file, { readonly: true });
  expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  expect(check.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name = ?").pluck().get(TYPE_INDEX)).toBe(TYPE_INDEX);
  check.close();
});

it('reads one event type through the type index, and every other $all read in position order without sorting', async () => {
  const file = join(dir.path, 'plans.db');
  const store = await openSqliteStore(file);
  await store.close();
  const db = new Database(file, { readonly: true });
  const plan = (direction: 'forwards' | 'backwards', filter: EventFilter): string => {
    const { sql, params } = allPageQuery(direction, 10n, 500, filter);
    return db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((row) => (row as { detail: string }).detail)
      .join('; ');
  };
  for (const direction of ['forwards', 'backwards'] as const) {
    const oneType = plan(direction, { eventTypes: ['AlertNotified'] });
    expect(oneType).toMatch(new RegExp(`USING INDEX ${TYPE_INDEX} \\(type=\\? AND position[<>]\\?\\)`));
    for (const filter of [{}, { eventTypes: ['RunScheduled', 'RunSucceeded'] }, { streamPrefixes: ['job-'] }, { streamPrefixes: ['job-'], eventTypes: ['RunScheduled'] }]) {
      const walk = plan(direction, filter);
      expect(walk).toMatch(/USING INTEGER PRIMARY KEY \(rowid[<>]\?\)/);
      expect(walk).not.toContain('TEMP B-TREE');
    }
    expect(oneType).not.toContain('TEMP B-TREE');
  }
  db.close();
});
