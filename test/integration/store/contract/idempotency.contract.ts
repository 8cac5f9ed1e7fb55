/** Contract: an append whose event ids are already stored where it would put them is a no-op. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TimecloudError } from '../../../../src/errors.js';
import type { NewEvent } from '../../../../src/store/event-store.js';
import type { ContractContext } from './contract-context.js';
import { collect, freshStream, newEvent } from './contract-context.js';

function withIds(...types: string[]): NewEvent[] {
  return types.map((type) => newEvent(type, { type }, { id: randomUUID() }));
}

export function idempotencyContract({ store }: ContractContext): void {
  describe('idempotent event ids', () => {
    it('answers a repeated append with the original result and stores nothing new', async () => {
      const stream = freshStream();
      const events = withIds('A', 'B');
      const original = await store().append(stream, events, 'no_stream');
      expect(await store().append(stream, events, 'no_stream')).toEqual(original);
      expect(await store().append(stream, events, 'any')).toEqual(original);
      const stored = await collect(store().readStream(stream));
      expect(stored.map((event) => event.id)).toEqual(events.map((event) => event.id));
    });

    it('recognises a retried append at an expected revision after the stream moved on', async () => {
      const stream = freshStream();
      await store().append(stream, withIds('A'), 'no_stream');
      const retried = withIds('B', 'C');
      const original = await store().append(stream, retried, 0n);
      await store().append(stream, withIds('D'), 2n);
      expect(await store().append(stream, retried, 0n)).toEqual(original);
      expect(await store().streamRevision(stream)).toBe(3n);
    });

    it('refuses an append whose ids are only partly stored, and stores nothing of it', async () => {
      const stream = freshStream();
      const [first, second] = withIds('A', 'B') as [NewEvent, NewEvent];
      await store().append(stream, [first], 'no_stream');
      const error = await store()
        .append(stream, [first, second], 'no_stream')
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TimecloudError);
      const stored = await collect(store().readStream(stream));
      expect(stored.map((event) => event.id)).toEqual([first.id]);
    });
  });
}
