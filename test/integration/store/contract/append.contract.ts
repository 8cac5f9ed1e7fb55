/** Contract: appends, every expected-revision case, conflicts, and what is read back. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../src/errors.js';
import type { ContractContext } from './contract-context.js';
import { collect, expectWrongExpectedVersion, freshStream, newEvent, numbered, revisions } from './contract-context.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function appendContract({ store }: ContractContext): void {
  describe('append', () => {
    it('reports the revision of the last event and a position that grows with each append', async () => {
      const stream = freshStream();
      const first = await store().append(stream, [newEvent('Started')], 'no_stream');
      expect(first.nextRevision).toBe(0n);
      const second = await store().append(stream, numbered('Ticked', 2), 0n);
      expect(second.nextRevision).toBe(2n);
      expect(second.position).toBeGreaterThan(first.position);
      expect(await store().streamRevision(stream)).toBe(2n);
    });

    it('has no revision for a stream without events', async () => {
      expect(await store().streamRevision(freshStream())).toBeUndefined();
    });

    it("accepts 'any' on a new and on an existing stream", async () => {
      const stream = freshStream();
      expect((await store().append(stream, [newEvent('A')], 'any')).nextRevision).toBe(0n);
      expect((await store().append(stream, [newEvent('B')])).nextRevision).toBe(1n);
    });

    it("accepts 'no_stream' only while the stream has no events", async () => {
      const stream = freshStream();
      await store().append(stream, [newEvent('A')], 'no_stream');
      await expectWrongExpectedVersion(store().append(stream, [newEvent('B')], 'no_stream'), stream, 'no_stream', 0n);
    });

    it("accepts 'stream_exists' only once the stream has events", async () => {
      const stream = freshStream();
      await expectWrongExpectedVersion(
        store().append(stream, [newEvent('A')], 'stream_exists'),
        stream,
        'stream_exists',
        undefined,
      );
      await store().append(stream, [newEvent('A')]);
      expect((await store().append(stream, [newEvent('B')], 'stream_exists')).nextRevision).toBe(1n);
    });

    it('accepts a revision only when it is the revision of the last event', async () => {
      const stream = freshStream();
      await expectWrongExpectedVersion(store().append(stream, [newEvent('A')], 0n), stream, 0n, undefined);
      await store().append(stream, numbered('A', 3));
      await expectWrongExpectedVersion(store().append(stream, [newEvent('B')], 1n), stream, 1n, 2n);
      await expectWrongExpectedVersion(store().append(stream, [newEvent('B')], 3n), stream, 3n, 2n);
      expect((await store().append(stream, [newEvent('B')], 2n)).nextRevision).toBe(3n);
    });

    it('stores nothing of a refused append', async () => {
      const stream = freshStream();
      await store().append(stream, numbered('A', 2));
      await expectWrongExpectedVersion(store().append(stream, numbered('B', 3), 0n), stream, 0n, 1n);
      const events = await collect(store().readStream(stream));
      expect(events.map((event) => event.type)).toEqual(['A', 'A']);
    });

    it('lets exactly one of two appends at the same expected revision win', async () => {
      const stream = freshStream();
      await store().append(stream, [newEvent('A')]);
      const outcomes = await Promise.allSettled([
        store().append(stream, [newEvent('B', { who: 1 })], 0n),
        store().append(stream, [newEvent('B', { who: 2 })], 0n),
      ]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
      await expectWrongExpectedVersion(Promise.reject(refused.reason), stream, 0n, 1n);
      expect(revisions(await collect(store().readStream(stream)))).toEqual([0, 1]);
    });

    it('reads back what was appended, with ids, revisions, positions and a creation time', async () => {
      const stream = freshStream();
      const id = randomUUID();
      const data = { text: 'héllo ✓ 日本', nested: { list: [1, 2.5, null, true], empty: {} }, big: 2 ** 52 };
      const metadata = { nodeId: 'node-1', epoch: 3, correlationId: 'c-1' };
      const before = Date.now();
      const result = await store().append(stream, [newEvent('Rich', data, { id, metadata }), newEvent('Plain', 'just a string')]);
      const [rich, plain] = await collect(store().readStream(stream));
      expect(rich).toMatchObject({ id, stream, revision: 0n, type: 'Rich', data, metadata });
      expect(plain).toMatchObject({ stream, revision: 1n, type: 'Plain', data: 'just a string', position: result.position });
      expect(plain?.id).toMatch(UUID);
      expect(plain?.id).not.toBe(id);
      expect(rich?.position).toBeLessThan(result.position);
      expect(rich?.created).toBeInstanceOf(Date);
      // Servers may round to whole seconds; allow for it and for clock skew.
      expect(Math.abs((rich?.created.getTime() ?? 0) - before)).toBeLessThan(60_000);
    });

    it('refuses data that is not JSON-serialisable, naming the stream and event type, and stores nothing', async () => {
      const stream = freshStream();
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      for (const data of [{ count: 1n }, circular, undefined]) {
        const error = await store()
          .append(stream, [newEvent('Fine'), { type: 'Broken', data }])
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toContain(stream);
        expect((error as Error).message).toContain('Broken');
      }
      expect(await store().streamRevision(stream)).toBeUndefined();
    });

    it('refuses an event id that is not a UUID', async () => {
      const stream = freshStream();
      await expect(store().append(stream, [newEvent('A', {}, { id: 'not-a-uuid' })])).rejects.toBeInstanceOf(
        ValidationError,
      );
      expect(await store().streamRevision(stream)).toBeUndefined();
    });

    it('appendMany: each append succeeds or fails alone, results in order', async () => {
      const [fresh, existing, stale, broken] = [freshStream(), freshStream(), freshStream(), freshStream()];
      await store().append(existing, [newEvent('A')], 'no_stream');
      await store().append(stale, numbered('A', 2), 'no_stream');
      const results = await store().appendMany([
        { stream: fresh, events: [newEvent('First')], expected: 'no_stream' },
        { stream: existing, events: numbered('Next', 2), expected: 0n },
        { stream: stale, events: [newEvent('Late')], expected: 0n }, // the stream is at 1
        { stream: broken, events: [] },
      ]);
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
      const [first, next] = results.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
      expect(first?.nextRevision).toBe(0n);
      expect(next?.nextRevision).toBe(2n);
      expect(next!.position).toBeGreaterThan(0n);
      const [refused, invalid] = results.slice(2).map((result) => (result.status === 'rejected' ? result.reason : undefined));
      await expectWrongExpectedVersion(Promise.reject(refused), stale, 0n, 1n);
      expect(invalid).toBeInstanceOf(ValidationError);
      expect(revisions(await collect(store().readStream(existing)))).toEqual([0, 1, 2]);
      expect(await store().streamRevision(stale)).toBe(1n);
      expect(await store().streamRevision(broken)).toBeUndefined();
      expect(await store().appendMany([])).toEqual([]);
    });
  });
}

