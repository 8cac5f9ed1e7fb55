import { describe, expect, it } from 'vitest';
import type { StoredEventJson } from '../../../src/http/api-types.js';
import { matchesFilter } from '../../../ui/src/pages/audit/audit-match.js';
import { filterFromQuery, formFromQuery, queryFromForm } from '../../../ui/src/pages/audit/audit-query.js';
import { storedUpTo } from '../../../ui/src/format/log-lines.js';
import { formatDuration, formatRelative } from '../../../ui/src/format/time.js';

const NOW = Date.parse('2026-03-29T12:00:00.000Z');

describe('relative times', () => {
  it('says how long ago or how soon, in the largest whole unit', () => {
    expect(formatRelative('2026-03-29T11:59:48.000Z', NOW)).toBe('12 s ago');
    expect(formatRelative('2026-03-29T12:03:30.000Z', NOW)).toBe('in 3 min');
    expect(formatRelative('2026-03-29T07:00:00.000Z', NOW)).toBe('5 h ago');
    expect(formatRelative('2026-03-26T12:00:00.000Z', NOW)).toBe('3 d ago');
    expect(formatRelative('2026-03-29T12:00:00.400Z', NOW)).toBe('now');
    expect(formatRelative(undefined, NOW)).toBe('—');
  });

  it('shows a date for anything older than two months, and an unreadable time as given', () => {
    expect(formatRelative('2025-01-02T12:00:00.000Z', NOW)).toMatch(/^2025-01-0[12]$/);
    expect(formatRelative('yesterday', NOW)).toBe('yesterday');
  });
});

describe('durations', () => {
  it('picks a unit a person reads at a glance', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1234)).toBe('1.23 s');
    expect(formatDuration(12_400)).toBe('12.4 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(7_800_000)).toBe('2 h 10 min');
    expect(formatDuration(undefined)).toBe('—');
  });
});

describe('joining a stored log with live lines', () => {
  it('counts the live lines the stored log already ends with', () => {
    expect(storedUpTo(['a', 'b', 'c'], ['b', 'c', 'd'])).toBe(2);
    expect(storedUpTo(['a', 'b', 'c'], ['c'])).toBe(1);
    expect(storedUpTo(['a', 'b'], ['c', 'd'])).toBe(0);
    expect(storedUpTo([], ['a'])).toBe(0);
    expect(storedUpTo(['a', 'b'], [])).toBe(0);
  });

  it('aligns live lines that began before the stored tail did', () => {
    // The page kept more live lines than the tail it read back.
    expect(storedUpTo(['c', 'd'], ['a', 'b', 'c', 'd', 'e'])).toBe(4);
  });

  it('does not take a line in the middle of the stored log for its end', () => {
    expect(storedUpTo(['a', 'x', 'b'], ['x', 'y'])).toBe(0);
  });

  it('takes the longest alignment, so repeated lines are not shown twice', () => {
    expect(storedUpTo(['x', 'tick', 'tick'], ['tick', 'tick', 'y'])).toBe(2);
  });
});

function stored(stream: string, type: string, data: Record<string, unknown>, position = '7'): StoredEventJson {
  return { id: `id-${position}`, stream, revision: '0', position, type, data, metadata: {}, created: '2026-03-29T12:00:00.000Z' };
}

describe('audit filters', () => {
  const failed = stored('job-shop/report', 'RunFailed', { runId: 'r1', at: '2026-03-29T10:00:00.000Z' });

  it('matches a stream by name or by a prefix ending in *', () => {
    expect(matchesFilter({ direction: 'backwards', stream: 'job-shop/report' }, failed)).toBe(true);
    expect(matchesFilter({ direction: 'backwards', stream: 'job-*' }, failed)).toBe(true);
    expect(matchesFilter({ direction: 'backwards', stream: 'job-shop' }, failed)).toBe(false);
  });

  it('leaves out run logs, snapshots and lease renewals unless a stream is named, like the API', () => {
    const chunk = stored('runlog-r1', 'LogChunk', { runId: 'r1' });
    const renewal = stored('leader', 'LeaseRenewed', { nodeId: 'a' });
    expect(matchesFilter({ direction: 'backwards' }, chunk)).toBe(false);
    expect(matchesFilter({ direction: 'backwards' }, renewal)).toBe(false);
    expect(matchesFilter({ direction: 'backwards', stream: 'runlog-r1' }, chunk)).toBe(true);
    expect(matchesFilter({ direction: 'backwards', stream: 'leader' }, renewal)).toBe(true);
  });

  it('filters by type list, run and time window (by the time the event records)', () => {
    expect(matchesFilter({ direction: 'backwards', type: 'RunSucceeded, RunFailed' }, failed)).toBe(true);
    expect(matchesFilter({ direction: 'backwards', type: 'RunSucceeded' }, failed)).toBe(false);
    expect(matchesFilter({ direction: 'backwards', run: 'r1' }, failed)).toBe(true);
    expect(matchesFilter({ direction: 'backwards', run: 'r2' }, failed)).toBe(false);
    expect(matchesFilter({ direction: 'backwards', since: '2026-03-29T09:00:00.000Z', until: '2026-03-29T10:00:00.000Z' }, failed)).toBe(true);
    expect(matchesFilter({ direction: 'backwards', since: '2026-03-29T10:00:00.001Z' }, failed)).toBe(false);
  });
});

describe('audit filters in the URL', () => {
  it('round-trips through the form, times included (to the minute, in the browser zone)', () => {
    const query = { stream: 'job-*', type: 'RunFailed', run: 'r1', since: '2026-03-29T10:15:00.000Z', until: '2026-03-29T11:00:00.000Z', order: 'oldest' };
    expect(queryFromForm(formFromQuery(query))).toEqual(query);
    expect(filterFromQuery(query)).toEqual({
      stream: 'job-*',
      type: 'RunFailed',
      run: 'r1',
      since: '2026-03-29T10:15:00.000Z',
      until: '2026-03-29T11:00:00.000Z',
      direction: 'forwards',
    });
  });

  it('leaves out empty fields and reads newest first unless told otherwise', () => {
    expect(queryFromForm(formFromQuery({ stream: '  ', type: ['a', 'b'] }))).toEqual({});
    expect(filterFromQuery({})).toEqual({ direction: 'backwards' });
  });
});
