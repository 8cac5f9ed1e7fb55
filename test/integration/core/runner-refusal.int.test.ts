/**
 * A run handed to a slot while the runner takes no new runs (the node is stopping, or lost its
 * lease) never began: it is no failure of its job, so it must not be recorded failed, retried or
 * alerted on. It stays open and runs once the runner takes runs again.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { startLauncher, type LauncherRunner } from '../../../src/runner/runner.js';
import { eventually } from '../../support/eventually.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { jobEvents, runEvents, startTestNode, type TestNode } from '../../support/test-node.js';

const fixtures = fileURLToPath(new URL('../../fixtures/jobs/', import.meta.url));

let test: TestNode | undefined;
let runner: LauncherRunner | undefined;
afterEach(async () => {
  await test?.cleanup();
  await runner?.close(); // the node does not close a runner it was given
});

it('a run refused while the runner shuts down is not failed: it waits, then runs once', async () => {
  runner = await startLauncher();
  test = await startTestNode({ slots: 2, node: { runner } });
  const { node } = test;
  await writeJobPackage(test.jobsDir, 'app', {
    timecloud: {
      jobs: [
        // Ignores SIGUSR2: the shutdown below lasts its whole grace, then SIGKILLs it.
        job('stubborn', {
          schedule: '0 0 0 1 1 *',
          script: `${join(fixtures, 'ignore-usr2.sh')} ${join(test.dataDir, '..', 'pids')}`,
          timeout: 120_000,
          grace: 2000,
          retries: 0,
        }),
        job('quick', { schedule: '0 0 0 1 1 *', script: join(fixtures, 'success.sh') }),
      ],
    },
  });
  await eventually(async () => (await node.jobIds()).length === 2, { message: 'both jobs registered' });
  await node.trigger('app/stubborn');
  await eventually(async () => (await jobEvents(node.store, 'app/stubborn')).some((e) => e.type === 'RunStarted'), {
    message: 'the stubborn run started',
  });

  const shutdown = runner.shutdown('shutdown');
  // Sent after the shutdown over the same channel: the free slot's prepare is refused.
  const { runId } = await node.trigger('app/quick');
  await shutdown;
  const shutDownAt = Date.now();

  const events = await eventually(async () => {
    const found = await runEvents(node.store, 'app/quick', runId);
    return found.some((e) => e.type === 'RunSucceeded') ? found : undefined;
  }, { timeout: 15_000, message: 'the refused run done once the runner takes runs again' });
  expect(events.map((e) => e.type)).toEqual(['RunScheduled', 'RunStarted', 'RunSucceeded']);
  const started = events.find((e) => e.type === 'RunStarted')!.data as { at: string; attempt: number };
  expect(started.attempt).toBe(1);
  expect(Date.parse(started.at)).toBeGreaterThanOrEqual(shutDownAt - 5); // not before the runner took runs again
  const types = (await jobEvents(node.store, 'app/quick')).map((e) => e.type);
  expect(types).not.toContain('RunFailed');
  expect(types).not.toContain('RetryScheduled');
}, 30_000);
