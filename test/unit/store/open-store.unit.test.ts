import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../src/errors.js';
import { parseStoreUrl } from '../../../src/store/open-store.js';

describe('parseStoreUrl', () => {
  it.each([
    ['./data/timecloud.db', './data/timecloud.db'],
    ['/var/lib/timecloud/store.db', '/var/lib/timecloud/store.db'],
    ['C:\\timecloud\\store.db', 'C:\\timecloud\\store.db'],
    ['sqlite:./data/x.db', './data/x.db'],
    ['sqlite:/abs/x.db', '/abs/x.db'],
    ['sqlite:///abs/x.db', '/abs/x.db'],
    ['SQLITE:///abs/x.db', '/abs/x.db'],
    ['file:///abs/with%20space.db', '/abs/with space.db'],
    ['file://localhost/abs/x.db', '/abs/x.db'],
    ['file:relative/x.db', 'relative/x.db'],
  ])('reads %s as the SQLite file %s', (url, file) => {
    expect(parseStoreUrl(url)).toEqual({ kind: 'sqlite', file });
  });

  it.each(['kurrentdb://localhost:2113?tls=false', 'esdb://a:2113,b:2113', 'kurrentdb+discover://c:2113', 'esdb+discover://c'])(
    'sends %s to the KurrentDB adapter unchanged',
    (url) => {
      expect(parseStoreUrl(url)).toEqual({ kind: 'kurrentdb', url });
    },
  );

  it.each([
    ['', /empty/],
    ['postgres://db/timecloud', /scheme "postgres:"/],
    ['sqlite:', /names no file/],
    ['sqlite://otherhost/x.db', /host/],
    ['file:///abs/x.db?mode=ro', /query/],
    ['file:///abs/folder/', /folder/],
  ])('refuses %j with a StoreError that names it and lists the accepted forms', (url, why) => {
    let error: unknown;
    try {
      parseStoreUrl(url);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StoreError);
    const message = (error as Error).message;
    expect(message).toContain(`"${url}"`);
    expect(message).toMatch(why);
    expect(message).toContain('accepted forms: a file path');
    expect(message).toContain('esdb+discover://');
  });
});
