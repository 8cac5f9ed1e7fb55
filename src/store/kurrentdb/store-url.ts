/**
 * Store URLs accepted by the KurrentDB adapter, and what is safe to show of them.
 * `esdb://` is the older spelling: the client warns on every connect when it sees it, so it is
 * translated to `kurrentdb://` before the client gets it.
 */
import { StoreError } from '../../errors.js';

const SCHEMES: Readonly<Record<string, string>> = {
  kurrentdb: 'kurrentdb',
  esdb: 'kurrentdb',
  'kurrentdb+discover': 'kurrentdb+discover',
  'esdb+discover': 'kurrentdb+discover',
};

export interface StoreUrl {
  /** What the client is given: the scheme translated, everything else as written. */
  connectionString: string;
  /** `scheme://hosts` without credentials or options, for logs and messages. */
  description: string;
  /** The URL as written, with any password masked. */
  redacted: string;
  /** The password, so that messages built from client errors can mask it too. */
  password: string | undefined;
}

const URL_SHAPE = /^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*):\/\/(?:(?<user>[^:@/?]*)(?::(?<password>[^@/?]*))?@)?(?<rest>.*)$/;

export function parseStoreUrl(url: string): StoreUrl {
  const match = URL_SHAPE.exec(url.trim());
  if (!match?.groups) {
    throw new StoreError(`store URL "${url}" is not a URL: expected kurrentdb://host:port (or esdb://, +discover)`);
  }
  const { scheme = '', user, password, rest = '' } = match.groups;
  const redacted = password === undefined ? url.trim() : url.trim().replace(`:${password}@`, ':***@');
  const translated = SCHEMES[scheme.toLowerCase()];
  if (!translated) {
    throw new StoreError(
      `store URL "${redacted}" has an unsupported scheme "${scheme}://": expected kurrentdb://, esdb://, kurrentdb+discover:// or esdb+discover://`,
    );
  }
  const hosts = rest.split('?')[0]?.replace(/\/+$/, '') ?? '';
  if (hosts === '') throw new StoreError(`store URL "${redacted}" names no host: expected ${scheme}://host:port`);
  const credentials = user === undefined ? '' : `${user}${password === undefined ? '' : `:${password}`}@`;
  return {
    connectionString: `${translated}://${credentials}${rest}`,
    description: `${scheme.toLowerCase()}://${hosts}`,
    redacted,
    password: password || undefined,
  };
}

/** Masks the URL's password wherever it appears in `text` (client messages quote the whole URL). */
export function maskPassword(text: string, url: StoreUrl): string {
  return url.password ? text.split(url.password).join('***') : text;
}
