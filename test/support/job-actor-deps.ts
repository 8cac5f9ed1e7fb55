/**
 * What job actors need in tests that run them without a node: a real engine, timer queue and
 * batcher come from the test; the rest is one leader's fixed identity and quiet defaults.
 */
import type { JobActorDeps } from '../../actors/job.actor.js';
import { scheduleOfSpec } from '../../src/config/cron.js';
import { silentLogger } from '../../src/log.js';

export function testJobActorDeps(parts: Pick<JobActorDeps, 'engine' | 'timers' | 'ticks' | 'clock' | 'dispatcher'> & Partial<JobActorDeps>): JobActorDeps {
  return {
    node: { nodeId: 'node-a', host: 'host-a', epoch: () => 1, canWrite: () => true },
    log: silentLogger(),
    snapshotEvery: 1000,
    leaseTtlMs: 10_000,
    scheduleOf: scheduleOfSpec,
    ...parts,
  };
}
