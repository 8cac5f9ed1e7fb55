/**
 * `timecloud status`: who leads, which jobs exist and what they are doing, read from the store
 * (each job from its latest snapshot plus the events after it).
 */
import type { EventStore } from '../store/event-store.js';
import { streams, type LeaderEvent } from '../domain/events.js';
import { listJobIds, loadJobState } from '../store/job-streams.js';

async function lastLeaderEvent(store: EventStore): Promise<{ event: LeaderEvent; created: Date } | undefined> {
  for await (const stored of store.readStream(streams.leader, { direction: 'backwards', maxCount: 1 })) {
    return { event: { type: stored.type, data: stored.data } as LeaderEvent, created: stored.created };
  }
  return undefined;
}

export async function printStatus(store: EventStore, print: (line: string) => void): Promise<void> {
  const leader = await lastLeaderEvent(store);
  if (!leader) print('leader: none has ever run against this store');
  else {
    const { event } = leader;
    const state = event.type === 'LeaseReleased' ? 'released' : 'held';
    print(`leader: ${event.data.nodeId} (epoch ${event.data.epoch}, lease ${state}, last ${event.type} at ${event.data.at})`);
  }
  const ids = await listJobIds(store);
  print(`jobs: ${ids.length}`);
  for (const jobId of ids) {
    const { state } = await loadJobState(store, jobId);
    const status = state.removed ? 'removed' : state.enabled ? 'enabled' : 'disabled';
    const open = Object.values(state.openRuns);
    const retries = Object.values(state.pendingRetries);
    const runs = [
      ...open.map((run) => `${run.runId.slice(0, 8)} ${run.phase} attempt ${run.attempt}`),
      ...retries.map((retry) => `${retry.nextRunId.slice(0, 8)} retry due ${retry.dueAt}`),
    ];
    print(`  ${jobId}  ${status}  ${state.spec?.schedule ?? ''}${runs.length ? `  [${runs.join('; ')}]` : ''}`);
    if (state.lastRejection) print(`    rejected: ${state.lastRejection.message}`);
  }
}
