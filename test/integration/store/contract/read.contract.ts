/** Contract: stream reads in both directions, `$all` order, filters. */
import { describe, expect, it } from 'vitest';
import type { AppendResult } from '../../../../src/store/event-store.js';
import type { ContractContext } from './contract-context.js';
import { collect, dataNumbers, freshStream, freshType, newEvent, numbered, revisions } from './contract-context.js';

export function readContract({ store }: ContractContext): void {
  describe('readStream', () => {
    it('reads forwards and backwards, from an inclusive revision, up to maxCount', async () => {
      const stream = freshStream();
      await store().append(stream, numbered('N', 10));
      const read = (options: Parameters<ReturnType<typeof store>['readStream']>[1]) =>
        collect(store().readStream(stream, options)).then(revisions);
      expect(await read({})).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(await read({ direction: 'backwards' })).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      expect(await read({ fromRevision: 7n })).toEqual([7, 8, 9]);
      expect(await read({ fromRevision: 3n, maxCount: 2 })).toEqual([3, 4]);
      expect(await read({ direction: 'backwards', fromRevision: 3n })).toEqual([3, 2, 1, 0]);
      expect(await read({ direction: 'backwards', fromRevision: 'end', maxCount: 3 })).toEqual([9, 8, 7]);
      expect(await read({ direction: 'forwards', fromRevision: 'start', maxCount: 1 })).toEqual([0]);
      expect(await read({ fromRevision: 10n })).toEqual([]);
    });

    it('reads nothing from a stream without events', async () => {
      expect(await collect(store().readStream(freshStream()))).toEqual([]);
      expect(await collect(store().readStream(freshStream(), { direction: 'backwards' }))).toEqual([]);
    });

    it('reads a long stream completely and in order', async () => {
      const stream = freshStream();
      for (let batch = 0; batch < 6; batch += 1) await store().append(stream, numbered('N', 100, batch * 100));
      const forwards = await collect(store().readStream(stream));
      expect(dataNumbers(forwards)).toEqual(Array.from({ length: 600 }, (_, index) => index));
      const backwards = await collect(store().readStream(stream, { direction: 'backwards', maxCount: 300 }));
      expect(revisions(backwards)).toEqual(Array.from({ length: 300 }, (_, index) => 599 - index));
    });
  });

  describe('readAll', () => {
    /** Appends alternately to two fresh streams sharing a fresh prefix; returns what it did. */
    async function interleaved(type = 'N'): Promise<{ prefix: string; results: AppendResult[]; streams: string[] }> {
      const prefix = freshStream('all');
      const streams = [`${prefix}-a`, `${prefix}-b`];
      const results: AppendResult[] = [];
      for (let n = 0; n < 6; n += 1) {
        results.push(await store().append(streams[n % 2] as string, [newEvent(type, { n })]));
      }
      return { prefix, results, streams };
    }

    it('returns events in commit order from an inclusive position, filtered by stream prefix', async () => {
      const { prefix, results } = await interleaved();
      const first = (results[0] as AppendResult).position;
      const last = (results[5] as AppendResult).position;
      const filter = { streamPrefixes: [prefix] };
      const forwards = await collect(store().readAll({ fromPosition: first, filter }));
      expect(dataNumbers(forwards)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(forwards.map((event) => event.position)).toEqual(results.map((result) => result.position));
      const backwards = await collect(store().readAll({ direction: 'backwards', fromPosition: last, filter, maxCount: 4 }));
      expect(dataNumbers(backwards)).toEqual([5, 4, 3, 2]);
      const later = await collect(store().readAll({ fromPosition: (results[3] as AppendResult).position, filter }));
      expect(dataNumbers(later)).toEqual([3, 4, 5]);
    });

    it('filters by event type, and by prefix and type together', async () => {
      const wanted = freshType('Wanted');
      const { prefix, results } = await interleaved(wanted);
      const other = freshType('Other');
      await store().append(`${prefix}-a`, [newEvent(other, { n: 99 })]);
      const from = (results[0] as AppendResult).position;
      const byType = await collect(store().readAll({ fromPosition: from, filter: { eventTypes: [wanted] } }));
      expect(dataNumbers(byType)).toEqual([0, 1, 2, 3, 4, 5]);
      const both = await collect(
        store().readAll({ fromPosition: from, filter: { streamPrefixes: [`${prefix}-b`], eventTypes: [wanted, other] } }),
      );
      expect(dataNumbers(both)).toEqual([1, 3, 5]);
      const eitherType = await collect(
        store().readAll({ fromPosition: from, filter: { streamPrefixes: [`${prefix}-a`], eventTypes: [wanted, other] } }),
      );
      expect(dataNumbers(eitherType)).toEqual([0, 2, 4, 99]);
    });
  });
}
