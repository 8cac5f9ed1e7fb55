/** Contract: catch-up-then-live subscriptions to `$all` (filtered) and to one stream. */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../support/eventually.js';
import type { Subscription } from '../../../../src/store/event-store.js';
import type { ContractContext } from './contract-context.js';
import { consume, dataNumbers, freshStream, freshType, newEvent, numbered, revisions } from './contract-context.js';

export function subscriptionContract({ store }: ContractContext): void {
  const open: Subscription[] = [];
  const track = (subscription: Subscription): Subscription => {
    open.push(subscription);
    return subscription;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((subscription) => subscription.close()));
  });

  describe('subscribeToAll', () => {
    it('delivers stored events after an exclusive start, resolves caughtUp, then delivers live ones', async () => {
      const prefix = freshStream('sub');
      const anchor = await store().append(`${prefix}-a`, [newEvent('N', { n: -1 })]);
      await store().append(`${prefix}-b`, numbered('N', 2));
      await store().append(`${prefix}-a`, numbered('N', 1, 2));
      const subscription = track(
        store().subscribeToAll({ fromPosition: anchor.position, filter: { streamPrefixes: [prefix] } }),
      );
      const consumer = consume(subscription);
      await subscription.caughtUp;
      expect(dataNumbers(consumer.events)).toEqual([0, 1, 2]);
      await store().append(`${prefix}-b`, numbered('N', 2, 3));
      await store().append(`${prefix}-c`, numbered('N', 1, 5));
      await eventually(() => expect(dataNumbers(consumer.events)).toEqual([0, 1, 2, 3, 4, 5]));
      const positions = consumer.events.map((event) => event.position);
      expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    });

    it('filters live and stored events by type, and by prefix and type together', async () => {
      const prefix = freshStream('sub');
      const wanted = freshType('Wanted');
      const anchor = await store().append(`${prefix}-a`, [newEvent('Other', { n: -1 })]);
      await store().append(`${prefix}-a`, [newEvent(wanted, { n: 0 }), newEvent('Other', { n: -2 })]);
      const byType = track(store().subscribeToAll({ fromPosition: anchor.position, filter: { eventTypes: [wanted] } }));
      const both = track(
        store().subscribeToAll({
          fromPosition: anchor.position,
          filter: { streamPrefixes: [`${prefix}-b`], eventTypes: [wanted] },
        }),
      );
      const typeConsumer = consume(byType);
      const bothConsumer = consume(both);
      await Promise.all([byType.caughtUp, both.caughtUp]);
      await store().append(`${prefix}-b`, [newEvent(wanted, { n: 1 }), newEvent('Other', { n: -3 })]);
      await store().append(`${prefix}-a`, [newEvent(wanted, { n: 2 })]);
      await store().append(`${prefix}-b`, [newEvent(wanted, { n: 3 })]);
      await eventually(() => expect(dataNumbers(typeConsumer.events)).toEqual([0, 1, 2, 3]));
      await eventually(() => expect(dataNumbers(bothConsumer.events)).toEqual([1, 3]));
    });

    it("from 'end' delivers only events appended after it started", async () => {
      const prefix = freshStream('sub');
      await store().append(`${prefix}-a`, numbered('N', 2));
      const subscription = track(store().subscribeToAll({ fromPosition: 'end', filter: { streamPrefixes: [prefix] } }));
      const consumer = consume(subscription);
      await subscription.caughtUp;
      await store().append(`${prefix}-a`, numbered('N', 2, 2));
      await eventually(() => expect(dataNumbers(consumer.events)).toEqual([2, 3]));
    });
  });

  describe('subscribeToStream', () => {
    it("from 'start' delivers the whole stream, then live events, once each and in order", async () => {
      const stream = freshStream();
      await store().append(stream, numbered('N', 3));
      const subscription = track(store().subscribeToStream(stream));
      const consumer = consume(subscription);
      await subscription.caughtUp;
      expect(revisions(consumer.events)).toEqual([0, 1, 2]);
      for (let n = 3; n < 8; n += 1) await store().append(stream, [newEvent('N', { n })]);
      await eventually(() => expect(revisions(consumer.events)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]));
      expect(consumer.events.every((event) => event.stream === stream)).toBe(true);
    });

    it('starts after the given revision, exclusively', async () => {
      const stream = freshStream();
      await store().append(stream, numbered('N', 4));
      const subscription = track(store().subscribeToStream(stream, { fromRevision: 1n }));
      const consumer = consume(subscription);
      await subscription.caughtUp;
      expect(revisions(consumer.events)).toEqual([2, 3]);
    });

    it("from 'end' delivers only events appended after it started", async () => {
      const stream = freshStream();
      await store().append(stream, numbered('N', 2));
      const subscription = track(store().subscribeToStream(stream, { fromRevision: 'end' }));
      const consumer = consume(subscription);
      await subscription.caughtUp;
      await store().append(stream, numbered('N', 1, 2));
      await eventually(() => expect(revisions(consumer.events)).toEqual([2]));
    });

    it('waits for a slow consumer and still delivers every event once and in order', async () => {
      const stream = freshStream();
      let release = (): void => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const subscription = track(store().subscribeToStream(stream));
      const consumer = consume(subscription, (event) => (event.revision === 0n ? gate : undefined));
      await store().append(stream, [newEvent('N', { n: 0 })]);
      await eventually(() => expect(consumer.events).toHaveLength(1));
      for (let n = 1; n < 20; n += 1) await store().append(stream, [newEvent('N', { n })]);
      expect(consumer.events).toHaveLength(1);
      release();
      await eventually(() => expect(dataNumbers(consumer.events)).toEqual(Array.from({ length: 20 }, (_, n) => n)));
    });

    it('ends the iteration on close, and close can be called twice', async () => {
      const stream = freshStream();
      await store().append(stream, numbered('N', 1));
      const subscription = track(store().subscribeToStream(stream));
      const consumer = consume(subscription);
      await subscription.caughtUp;
      await subscription.close();
      await subscription.close();
      await consumer.done;
      await store().append(stream, numbered('N', 1, 1));
      expect(revisions(consumer.events)).toEqual([0]);
    });
  });
}
