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
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('catches up at once, then, woken by new commits, reads nothing until its process’s appends in flight settle', async () => {
  const stored = [1, 2, 3].map(event);
  const reads: bigint[] = [];
  let settle: (() => void) | undefined;
  let writes: Promise<void> | undefined = new Promise<void>((resolve) => (settle = resolve));
  let asked = 0;
  const poller = new ChangePoller(() => 1, { intervalMs: 1000 }, () => undefined);
  const subscription = new SqliteSubscription(
    {
      pageAfter: (after) => {
        reads.push(after);
        return stored.filter((e) => e.position > after);
      },
      key: (e) => e.position,
      writesSettled: () => {
        asked++;
        return writes;
      },
    },
    poller,
    0n,
    3n,
    () => undefined,
  );

  // Catching up never waits for writes, even while some are in flight.
  for (const position of [1n, 2n, 3n]) expect((await subscription.next()).value?.position).toBe(position);
  expect(asked).toBe(0);

  const fourth = subscription.next(); // reads an empty page, then waits for a change
  await sleep(20);
  const readsBeforeWake = reads.length;
  stored.push(event(4));
  poller.wakeAll();
  await sleep(30);
  expect(asked).toBe(1);
  expect(reads).toHaveLength(readsBeforeWake); // woken, but waiting for the writes

  writes = undefined;
  settle?.();
  expect((await fourth).value?.position).toBe(4n);
  expect(asked).toBe(1); // once per wake-up
  await subscription.close();
  poller.close();
});
