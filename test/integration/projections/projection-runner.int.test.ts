import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProjectionRunner, rebuildProjections } from '../../../projections/projection-runner.js';
import { silentLogger } from '../../../src/log.js';
import type { EventStore, NewEvent } from '../../../src/store/event-store.js';
import { openStore } from '../../../src/store/open-store.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/temp-dir.js';
import { watchEventLoopGaps } from '../../support/event-loop-gaps.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freshStore(): Promise<{ store: EventStore; dir: string }> {
  const dir = await tempDir('timecloud-runner-');
  const store = await openStore(join(dir.path, 'store.db'));
  cleanups.push(dir.remove, () => store.close());
  return { store, dir: dir.path };
}

let runSeq = 0;
/** `runs` finished runs of one job, plus run log chunks the projections must never see. */
async function appendRuns(store: EventStore, jobId: string, runs: number): Promise<void> {
  for (let done = 0; done < runs; done += 100) {
    const events: NewEvent[] = [];
    for (let i = done; i < Math.min(runs, done + 100); i++) {
      const runId = `00000000-0000-4000-8000-${String(++runSeq).padStart(12, '0')}`;
      const ref = { jobId, runId, attempt: 1 };
      const at = new Date(Date.UTC(2026, 0, 1) + runSeq * 1000).toISOString();
      events.push(
        { type: 'RunScheduled', data: { ...ref, rootRunId: runId, scheduledFor: at, reason: 'cron', at } },
        { type: 'RunStarted', data: { ...ref, pid: 1, slot: 0, nodeId: 'n', host: 'h', at } },
        { type: 'RunSucceeded', data: { ...ref, exitCode: 0, durationMs: 5, at } },
      );
    }
    await store.append(`job-${jobId}`, events);
    await store.append(`runlog-x${done}`, [{ type: 'LogChunk', data: { runId: 'x', jobId, stream: 'stdout', text: 'out', seq: 0, at: '' } }]);
  }
}

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('the projection runner', () => {
  it('writes checkpoints while it runs, so a runner that was never stopped can be followed by one that starts from them', async () => {
    const { store, dir } = await freshStore();
    const file = join(dir, 'checkpoint.json');
    await appendRuns(store, 'a/one', 300);
    const first = new ProjectionRunner({ store, log: silentLogger(), checkpointFile: file, checkpointEveryMs: 50 });
    cleanups.push(() => first.stop());
    await first.start();
    await first.caughtUp;
    const position = first.position!.toString();
    await eventually(async () => existsSync(file) && (JSON.parse(await readFile(file, 'utf8')) as { position: string }).position === position, {
      message: 'a checkpoint at the latest position',
    });
    await appendRuns(store, 'b/two', 50); // after the checkpoint: the tail
    // The first runner is not stopped: as after a crash, the next one has only the periodic checkpoint.
    const second = new ProjectionRunner({ store, log: silentLogger(), checkpointFile: file });
    cleanups.push(() => second.stop());
    await second.start();
    expect(second.startedFrom).toBe('checkpoint');
    // Served from the checkpoint at once (from scratch it would start empty); the tail follows.
    expect(second.states.runs.count).toBeGreaterThanOrEqual(300);
    await second.settle(10_000);
    expect(second.states.runs.count).toBe(350);
    const rebuilt = await rebuildProjections(store);
    expect(json(second.encodedStates())).toEqual(json(rebuilt.encoded));
    expect(second.position).toBe(rebuilt.position);
  });

  it('never sees run log chunks, and lets the event loop turn while it catches up on a long history', async () => {
    const { store } = await freshStore();
    for (let job = 0; job < 20; job++) await appendRuns(store, `a/long${job}`, 500);
    const runner = new ProjectionRunner({ store, log: silentLogger() });
    cleanups.push(() => runner.stop());
    const seen = new Set<string>();
    runner.on('event', (event) => seen.add(event.stream.split('-')[0]!));
    const gaps = watchEventLoopGaps();
    const started = performance.now();
    await runner.start();
    await runner.caughtUp;
    const longestGap = gaps.stop();
    expect(runner.states.runs.count).toBe(10_000);
    expect([...seen]).toEqual(['job']);
    // A generous bound for a loaded machine; without yielding the gap is the whole catch-up.
    const catchUp = performance.now() - started;
    expect(longestGap).toBeLessThan(Math.max(200, catchUp / 3));
  });

  it('checkpoints a large history exactly as a rebuild encodes it', async () => {
    const { store, dir } = await freshStore();
    const file = join(dir, 'checkpoint.json');
    for (let job = 0; job < 30; job++) await appendRuns(store, `big/j${job}`, 1000);
    const runner = new ProjectionRunner({ store, log: silentLogger(), checkpointFile: file });
    cleanups.push(() => runner.stop());
    await runner.start();
    await runner.caughtUp;
    await runner.checkpoint(true);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { position: string; states: { runs: { runs: unknown[] } } };
    expect(saved.states.runs.runs).toHaveLength(30_000);
    expect(saved.position).toBe(runner.position!.toString());
    expect(saved.states).toEqual(json((await rebuildProjections(store)).encoded));
  });

  it('writes no periodic checkpoint for lease renewals alone, but saves them on stop', async () => {
    const { store, dir } = await freshStore();
    const file = join(dir, 'checkpoint.json');
    await appendRuns(store, 'small/job', 10);
    const runner = new ProjectionRunner({ store, log: silentLogger(), checkpointFile: file, checkpointEveryMs: 20 });
    cleanups.push(() => runner.stop());
    await runner.start();
    await eventually(() => existsSync(file), { message: 'the first checkpoint' });
    await store.append('leader', [{ type: 'LeaseAcquired', data: { nodeId: 'n', epoch: 1, url: 'http://n', ttl: 1000, at: new Date().toISOString() } }], 'no_stream');
    await eventually(async () => (JSON.parse(await readFile(file, 'utf8')) as { position: string }).position === runner.position?.toString(), {
      message: 'a checkpoint of the lease event',
    });
    const written = (await stat(file)).mtimeMs;
    for (let i = 0; i < 5; i++) await store.append('leader', [{ type: 'LeaseRenewed', data: { nodeId: 'n', epoch: 1, at: new Date().toISOString() } }]);
    await runner.settle(10_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // many checkpoint periods: none may write
    expect((await stat(file)).mtimeMs).toBe(written);
    await runner.stop();
    const saved = JSON.parse(await readFile(file, 'utf8')) as { position: string; states: { nodes: { leader: { lastSeen: string } } } };
    expect(saved.position).toBe(runner.position!.toString());
  });
});
