// What a job finds in its environment: the four run variables, its own env, the node's
// environment without any of timecloud's settings or secrets.
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalRunner, type Runner, startLauncher } from '../../../src/runner/runner.js';
import { GroupTracker, recorder, runRequest } from '../../support/runner-fixtures.js';

const nodeEnv = {
  ...process.env,
  TIMECLOUD_TOKEN: 'admin-token-secret',
  TIMECLOUD_WECOM_WEBHOOK: 'https://example.invalid/webhook?key=wecom-secret',
  TIMECLOUD_WECOM_SECRET: 'wecom-app-secret',
  TIMECLOUD_PORT: '19031',
  TIMECLOUD_JOB: 'stale/value',
  FROM_NODE: 'inherited',
};

const runners: Array<[string, () => Promise<Runner>]> = [
  ['launcher', () => startLauncher({ env: nodeEnv })],
  ['in-process', async () => createLocalRunner({ env: nodeEnv })],
];

describe.each(runners)('%s runner: job environment', (_kind, makeRunner) => {
  const groups = new GroupTracker();
  afterEach(() => groups.expectAllGone());

  it('gives the job its run variables and its own env, and none of the node settings', async () => {
    const runner = await makeRunner();
    try {
      const log = recorder();
      const request = runRequest('./print-env.sh', {
        runId: 'run-env-1',
        jobId: 'billing/nightly-report',
        attempt: 3,
        scheduledFor: '2026-01-02T03:04:05.000Z',
        env: { GREETING: 'hello from timecloud.json' },
      });
      const run = groups.track(await runner.prepare(request, log));
      run.start();
      expect((await run.outcome).result).toBe('succeeded');

      expect(log.stdout()).toEqual([
        'TIMECLOUD_ATTEMPT=3',
        'TIMECLOUD_JOB=billing/nightly-report',
        'TIMECLOUD_RUN_ID=run-env-1',
        'TIMECLOUD_SCHEDULED_FOR=2026-01-02T03:04:05.000Z',
        'GREETING=hello from timecloud.json',
        'FROM_NODE=inherited',
      ]);
      expect(JSON.stringify(log.lines)).not.toMatch(/secret|19031/);
    } finally {
      await runner.close();
    }
  });
});
