/**
 * A node killed mid-schedule and started again on the same store: state comes back by replay,
 * replay spawns nothing, the run that was in flight is ended by the launcher, declared abandoned
 * and retried, and every tick of the gap is accounted for exactly once.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent, RunMissed, RunScheduled, RunStarted } from '../../../src/domain/events.js';
import type { EventStore, StoredEvent } from '../../../src/store/event-store.js';
import { openStore } from '../../../src/store/open-store.js';
import { eventually } from '../../support/eventually.js';
import { alive } from '../../support/processes.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { startNodeProcess, type NodeProcess } from '../../support/node-process.js';
import { tempDir } from '../../support/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function events(store: EventStore, stream: string): Promise<StoredEvent[]> {
  const list: StoredEvent[] = [];
  for await (const event of store.readStream(stream)) list.push(event);
  return list;
}


describe('restarting a node', () => {
  it('rebuilds state by replay, spawns nothing while replaying, and settles the run that was in flight', async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    const jobs = join(tmp.path, 'jobs');
    const data = join(tmp.path, 'data');
    const markers = join(tmp.path, 'markers');
    await mkdir(markers, { recursive: true });
    // Every run leaves one marker per attempt, so spawned processes can be counted against RunStarted.
    await writeJobPackage(jobs, 'app', {
      timecloud: {
        jobs: [job('work', { schedule: '* * * * * *', script: './bin/work', timeout: 20_000, grace: 500, retries: 1, retryDelay: 200 })],
      },
      executables: { 'bin/work': `#!/bin/sh\ntouch "${markers}/$TIMECLOUD_RUN_ID.$TIMECLOUD_ATTEMPT"\nsleep 2.5\n` },
    });

    const store = await openStore(join(data, 'timecloud.db'));
    cleanups.push(() => store.close());
    const start = () => {
      const node = startNodeProcess({ jobs, data, nodeId: 'n1', leaseTtl: 1000 });
      cleanups.push(() => node.stop());
      return node;
    };
    const jobStream = 'job-app/work';
    const typed = async () => (await events(store, jobStream)).map((e) => ({ type: e.type, data: e.data }) as JobEvent);

    let first: NodeProcess = start();
    // Wait for one finished run and a second one in flight, its script running.
    const inFlight = await eventually(
      async () => {
        const list = await typed();
        if (!list.some((e) => e.type === 'RunSucceeded')) return undefined;
        const started = list.filter((e): e is RunStarted => e.type === 'RunStarted');
        const open = started.filter((s) => !list.some((e) => e.type !== 'RunStarted' && e.type !== 'RunSignalled' && (e.data as { runId?: string }).runId === s.data.runId && e.type !== 'RunScheduled' && e.type !== 'RunQueued'));
        // Its script must have begun: a run still held at the kill never runs and has no marker.
        return open.find((s) => existsSync(join(markers, `${s.data.runId}.${s.data.attempt}`)));
      },
      { timeout: 30_000, message: `a run in flight after a finished one; node output:\n${first.output()}` },
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    // Its launcher ends the job's process group within the grace, although nobody records it.
    await eventually(() => !alive(inFlight.data.pid), { timeout: 10_000, message: 'the orphaned job gone' });
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    const beforeRestart = await events(store, jobStream);
    const markersBefore = (await readdir(markers)).length;

    first = start();
    const settled = await eventually(
      async () => {
        const list = await typed();
        const abandoned = list.find((e) => e.type === 'RunAbandoned' && e.data.runId === inFlight.data.runId);
        const retried = list.find((e): e is RunScheduled => e.type === 'RunScheduled' && e.data.rootRunId === inFlight.data.runId && e.data.attempt === 2);
        const retryDone = retried && list.some((e) => e.type === 'RunSucceeded' && e.data.runId === retried.data.runId);
        return abandoned && retryDone ? list : undefined;
      },
      { timeout: 40_000, message: 'the in-flight run abandoned and retried' },
    );
    await first.stop();

    // Replay spawned nothing: every marker (process actually run) has exactly one RunStarted.
    const all = await events(store, jobStream);
    const started = all.filter((e) => e.type === 'RunStarted').map((e) => e.data as RunStarted['data']);
    const spawned = (await readdir(markers)).sort();
    const startedIds = started.map((s) => `${s.runId}.${s.attempt}`);
    expect(startedIds).toEqual(expect.arrayContaining(spawned));
    expect(new Set(spawned).size).toBe(spawned.length);
    // A run held-started just as the node was stopped gracefully may be aborted before its script
    // ran its first command: it has a RunStarted and no marker, and must have ended RunAborted.
    for (const s of started.filter((run) => !spawned.includes(`${run.runId}.${run.attempt}`))) {
      const ends = ['RunAborted', 'RunSucceeded', 'RunFailed', 'RunTimedOut', 'RunAbandoned'];
      const end = all.find((e) => ends.includes(e.type) && (e.data as { runId?: string }).runId === s.runId);
      expect(end?.type, `run ${s.runId} started without running its script`).toBe('RunAborted');
    }
    expect(markersBefore).toBe(beforeRestart.filter((e) => e.type === 'RunStarted').length);

    // The restarted node only started runs after it had acquired the lease of a new epoch.
    const leases = (await events(store, 'leader')).filter((e) => e.type === 'LeaseAcquired');
    const epochs = leases.map((e) => (e.data as { epoch: number }).epoch);
    expect(epochs.length).toBeGreaterThanOrEqual(2);
    const secondTerm = leases[leases.length - 1]!;
    for (const event of all.slice(beforeRestart.length)) {
      if (event.type === 'RunStarted') expect(event.position > secondTerm.position).toBe(true);
    }

    // Every tick from the first registration to the stop is accounted for exactly once.
    const ticks = new Map<string, number>();
    const count = (tick: string, n = 1) => ticks.set(tick, (ticks.get(tick) ?? 0) + n);
    for (const event of settled) {
      if (event.type === 'RunScheduled' && event.data.attempt === 1) count(event.data.scheduledFor);
      if (event.type === 'RunSkipped') count(event.data.scheduledFor);
      if (event.type === 'RunMissed') {
        const missed = event.data as RunMissed['data'];
        for (let t = Date.parse(missed.scheduledFor), n = 0; n < missed.count; t += 1000, n++) count(new Date(t).toISOString());
      }
    }
    expect([...ticks.values()].every((n) => n === 1)).toBe(true);
    const times = [...ticks.keys()].map(Date.parse).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(1000);
    expect(settled.some((e) => e.type === 'RunMissed')).toBe(true);
  });
});
