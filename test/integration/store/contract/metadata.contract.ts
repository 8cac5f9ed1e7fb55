/** Contract: stream metadata (`maxCount`, `maxAge`) limits what stream reads return. */
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../support/eventually.js';
import type { ContractContext } from './contract-context.js';
import { collect, freshStream, numbered, revisions } from './contract-context.js';

export function metadataContract({ store }: ContractContext): void {
  describe('stream metadata', () => {
    it('has none for a stream that was never given any', async () => {
      expect(await store().getStreamMetadata(freshStream())).toEqual({});
    });

    it('maxCount keeps only the newest events visible, and revisions keep counting', async () => {
      const stream = freshStream();
      await store().append(stream, numbered('N', 5));
      await store().setStreamMetadata(stream, { maxCount: 2 });
      expect(await store().getStreamMetadata(stream)).toEqual({ maxCount: 2 });
      expect(revisions(await collect(store().readStream(stream)))).toEqual([3, 4]);
      expect(revisions(await collect(store().readStream(stream, { direction: 'backwards' })))).toEqual([4, 3]);
      expect((await store().append(stream, numbered('N', 1, 5), 4n)).nextRevision).toBe(5n);
      expect(revisions(await collect(store().readStream(stream)))).toEqual([4, 5]);
      expect(await store().streamRevision(stream)).toBe(5n);
    });

    it('maxAge hides events older than that many seconds, and revisions keep counting', async () => {
      const stream = freshStream();
      await store().append(stream, numbered('N', 2));
      await store().setStreamMetadata(stream, { maxAge: 1 });
      expect(await store().getStreamMetadata(stream)).toEqual({ maxAge: 1 });
      await eventually(async () => expect(await collect(store().readStream(stream))).toEqual([]), { interval: 200 });
      expect((await store().append(stream, numbered('N', 1, 2), 1n)).nextRevision).toBe(2n);
      expect(revisions(await collect(store().readStream(stream)))).toEqual([2]);
    });
  });
}
