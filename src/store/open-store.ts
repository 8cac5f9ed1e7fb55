/**
 * Opens the event store a `--store` value names: a file path or `sqlite:`/`file:` URL for
 * the embedded store, a `kurrentdb://`/`esdb://` (or `+discover`) URL for a cluster.
 */
import { fileURLToPath } from 'node:url';
import { StoreError } from '../errors.js';
import type { EventStore } from './event-store.js';
import { openSqliteStore } from './sqlite/open-sqlite-store.js';
import type { SqliteStoreOptions } from './sqlite/sqlite-store-options.js';

export interface OpenStoreOptions {
  /** Options of the embedded store; ignored for KurrentDB. @defaultValue `{}` */
  sqlite?: SqliteStoreOptions;
}

/** The KurrentDB adapter's module, loaded only when a KurrentDB URL is given. */
interface KurrentDbModule {
  openKurrentDbStore(url: string): Promise<EventStore>;
}

// A variable, so the compiler does not require the adapter's module to exist at this point.
const KURRENTDB_MODULE = './kurrentdb/kurrentdb-event-store.js';

const KURRENTDB_SCHEMES = new Set(['kurrentdb:', 'esdb:', 'kurrentdb+discover:', 'esdb+discover:']);

export const ACCEPTED_STORE_FORMS =
  'a file path (./data/timecloud.db), sqlite:PATH, sqlite:///ABSOLUTE/PATH, file:///ABSOLUTE/PATH, ' +
  'kurrentdb://HOST:PORT?tls=false, esdb://HOST:PORT, kurrentdb+discover://HOST:PORT or esdb+discover://HOST:PORT';

/** Where a store URL points; exported for tests and for `timecloud` commands that print it. */
export type StoreTarget = { kind: 'sqlite'; file: string } | { kind: 'kurrentdb'; url: string };

/** Classifies `url`, or throws a `StoreError` naming it and listing the accepted forms. */
export function parseStoreUrl(url: string): StoreTarget {
  const bad = (why: string): StoreError =>
    new StoreError(`unusable event store "${url}": ${why}; accepted forms: ${ACCEPTED_STORE_FORMS}`);
  if (typeof url !== 'string' || url.trim() === '') throw bad('it is empty');
  // One letter before the colon is a Windows drive (C:\data\x.db), not a scheme.
  const scheme = /^([a-z][a-z0-9+.-]+:)/i.exec(url)?.[1]?.toLowerCase();
  if (!scheme) return { kind: 'sqlite', file: url };
  if (KURRENTDB_SCHEMES.has(scheme)) return { kind: 'kurrentdb', url };
  if (scheme !== 'sqlite:' && scheme !== 'file:') throw bad(`the scheme "${scheme}" is not one timecloud knows`);
  const rest = url.slice(scheme.length);
  if (!rest.startsWith('//')) {
    if (rest === '') throw bad('it names no file');
    return { kind: 'sqlite', file: rest };
  }
  let parsed: URL;
  try {
    parsed = new URL(`file:${rest}`);
  } catch (error) {
    throw bad((error as Error).message);
  }
  if (parsed.host !== '' && parsed.host !== 'localhost') throw bad(`a file URL cannot name a host ("${parsed.host}")`);
  if (parsed.search !== '' || parsed.hash !== '') throw bad('a file URL takes no query or fragment');
  const file = fileURLToPath(parsed);
  if (file === '/' || file.endsWith('/')) throw bad('it names a folder, not a file');
  return { kind: 'sqlite', file };
}

/** Opens the store `url` names; see `ACCEPTED_STORE_FORMS`. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<EventStore> {
  const target = parseStoreUrl(url);
  if (target.kind === 'sqlite') return openSqliteStore(target.file, options.sqlite);
  let adapter: KurrentDbModule;
  try {
    adapter = (await import(KURRENTDB_MODULE)) as KurrentDbModule;
  } catch (error) {
    throw new StoreError(`cannot load the KurrentDB adapter for "${url}": ${(error as Error).message}`, { cause: error });
  }
  return adapter.openKurrentDbStore(url);
}
