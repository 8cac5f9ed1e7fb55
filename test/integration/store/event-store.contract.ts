/**
 * The contract every `EventStore` adapter must satisfy. An adapter's test file calls
 * `describeEventStoreContract(name, harness)`. The suite never assumes an empty store: every
 * test uses fresh stream names and works relative to positions it observed, so it runs
 * unchanged against a shared KurrentDB server.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { EventStore } from '../../../src/store/event-store.js';
import { appendContract } from './contract/append.contract.js';
import type { ContractContext, StoreHarness } from './contract/contract-context.js';
import { idempotencyContract } from './contract/idempotency.contract.js';
import { lifecycleContract } from './contract/lifecycle.contract.js';
import { metadataContract } from './contract/metadata.contract.js';
import { readContract } from './contract/read.contract.js';
import { subscriptionContract } from './contract/subscription.contract.js';

export type { StoreHarness } from './contract/contract-context.js';

export function describeEventStoreContract(name: string, harness: StoreHarness): void {
  describe(`EventStore contract: ${name}`, () => {
    let opened: EventStore | undefined;
    const context: ContractContext = {
      harness,
      store: () => {
        if (!opened) throw new Error('the contract suite has no open store (did harness.open() fail?)');
        return opened;
      },
    };
    beforeAll(async () => {
      opened = await harness.open();
    });
    afterAll(async () => {
      await opened?.close();
      await harness.cleanup?.();
    });

    appendContract(context);
    idempotencyContract(context);
    readContract(context);
    subscriptionContract(context);
    metadataContract(context);
    lifecycleContract(context);
  });
}
