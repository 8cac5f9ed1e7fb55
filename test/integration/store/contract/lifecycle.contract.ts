/** Contract: closing a store, and subscriptions surviving a server restart. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TimecloudError } from '../../../../src/errors.js';
import { eventually } from '../../../support/eventually.js';
import type { ContractContext } from './contract-context.js';
import { consume, dataNumbers, freshStream, newEvent, numbered } from './contract-context.js';

export function lifecycleContract({ store, harness }: ContractContext): void {
  describe('close', () => {
    it('ends subscriptions, can be called twice, and refuses later appends', async () => {
      const own = await harness.open();
      const stream = freshStream();
      await own.append(stream, numbered('N', 1));
      const subscription = own.subscribeToStream(stream);
      const consumer = consume(subscription);
      await subscription.caughtUp;
      await own.close();
      await own.close();
      await consumer.done;
      expect(dataNumbers(consumer.events)).toEqual([0]);
      await expect(own.append(stream, numbered('N', 1, 1))).rejects.toBeInstanceOf(TimecloudError);
      // The backend itself is fine: the suite's own store still sees the stream.
      expect(await store().streamRevision(stream)).toBe(0n);
    });
  });

  describe.runIf(harness.restartServer)('server restart', () => {
    it('keeps subscriptions delivering, once each and in order, after the server restarts', async () => {
      const stream = freshStream();
      const prefix = freshStream('restart');
      const anchor = await store().append(`${prefix}-anchor`, [newEvent('Anchor')]);
      const toStream = store().subscribeToStream(stream);
      const toAll = store().subscribeToAll({ fromPosition: anchor.position, filter: { streamPrefixes: [prefix] } });
      const streamConsumer = consume(toStream);
      const allConsumer = consume(toAll);
      try {
        for (let n = 0; n < 3; n += 1) {
          await store().append(stream, [newEvent('N', { n })]);
          await store().append(`${prefix}-x`, [newEvent('N', { n })]);
        }
        await eventually(() => expect(dataNumbers(streamConsumer.events)).toEqual([0, 1, 2]));
        await eventually(() => expect(dataNumbers(allConsumer.events)).toEqual([0, 1, 2]));
        await harness.restartServer?.();
        for (let n = 3; n < 6; n += 1) {
          // Fixed ids: a retry of an append that did reach the server is then a no-op.
          const toStreamEvent = newEvent('N', { n }, { id: randomUUID() });
          const toAllEvent = newEvent('N', { n }, { id: randomUUID() });
          await eventually(() => store().append(stream, [toStreamEvent], BigInt(n - 1)), {
            message: 'an append after the restart',
          });
          await eventually(() => store().append(`${prefix}-x`, [toAllEvent], BigInt(n - 1)));
        }
        await eventually(() => expect(dataNumbers(streamConsumer.events)).toEqual([0, 1, 2, 3, 4, 5]), { timeout: 60_000 });
        await eventually(() => expect(dataNumbers(allConsumer.events)).toEqual([0, 1, 2, 3, 4, 5]), { timeout: 60_000 });
      } finally {
        await Promise.all([toStream.close(), toAll.close()]);
      }
    });
  });
}
