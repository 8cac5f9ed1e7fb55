import { expect, it } from 'vitest';
import type { StoredEvent } from '../../../../src/store/event-store.js';
import { ChangePoller } from '../../../../src/store/sqlite/change-poller.js';
import { SqliteSubscription } from '../../../../src/store/sqlite/sqlite-subscription.js';

function event(position: number): StoredEvent {
  return {
    id: `id-${position}`,
    stream: 's',
    type: 'E',
    data: {},
    metadata: {},
    revision: BigInt(position - 1),
    position: BigInt(position),
    created: new Date(0),
  } as StoredEvent;
}

it('reads no page while its own process has appends in flight, and reads on once they settle', async () => {
  const stored = [1, 2, 3].map(event);
  const reads: bigint[] = [];
  let writes: { promise: Promise<void>; settle: () => void } | undefined;
  const poller = new ChangePoller(() => 1, { intervalMs: 5 }, () => undefined);
  const subscription = new SqliteSubscription(
    {
      pageAfter: (after) => {
        reads.push(after);
        return stored.filter((e) => e.position > after);
      },
      key: (e) => e.position,
      writesSettled: () => writes?.promise,
    },
    poller,
    0n,
    3n,
    () => undefined,
  );
  let settle!: () => void;
  const promise = new Promise<void>((resolve) => (settle = resolve));
  writes = { promise, settle };

  const first = subscription.next();
  await new Promise((resolve) => setTimeout(resolve, 30));
  expect(reads).toEqual([]); // waiting for the writes, not reading

  writes = undefined;
  settle();
  expect((await first).value?.position).toBe(1n);
  expect(reads).toEqual([0n]);
  await subscription.close();
  poller.close();
});
