import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { jobEnv } from '../../../src/runner/job-env.js';
import { validateRunRequest } from '../../../src/runner/run-request.js';
import type { RunRequest } from '../../../src/runner/runner.js';

const good: RunRequest = {
  runId: 'run-1',
  jobId: 'pkg/job',
  attempt: 1,
  scheduledFor: '2026-01-01T00:00:00.000Z',
  script: 'npm start',
  cwd: tmpdir(),
  env: { A: 'b' },
  timeoutMs: 1000,
  graceMs: 0,
  logLimitBytes: 0,
};

function problem(overrides: Record<string, unknown>): ValidationError {
  try {
    validateRunRequest({ ...good, ...overrides } as RunRequest);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(overrides)}`);
}

describe('validateRunRequest', () => {
  it('accepts a good request', () => {
    expect(() => validateRunRequest(good)).not.toThrow();
  });

  it.each([
    [{ script: '' }, 'script', /script of run run-1 must be a non-empty string/],
    [{ cwd: 'relative/dir' }, 'cwd', /must be an absolute path, got relative\/dir/],
    [{ cwd: '/no/such/folder' }, 'cwd', /does not exist: \/no\/such\/folder/],
    [{ timeoutMs: 0 }, 'timeoutMs', /at least 1, got 0/],
    [{ graceMs: -1 }, 'graceMs', /at least 0, got -1/],
    [{ attempt: 1.5 }, 'attempt', /integer of at least 1, got 1.5/],
    [{ scheduledFor: 'yesterday' }, 'scheduledFor', /not an ISO date: yesterday/],
    [{ env: { 'A=B': 'x' } }, 'env.A=B', /not a valid variable name/],
    [{ env: { A: 3 } }, 'env.A', /must be a string/],
  ])('rejects %j naming %s', (overrides, path, message) => {
    const error = problem(overrides);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
  });
});

describe('jobEnv', () => {
  it('drops every TIMECLOUD_* setting of the node and sets the run variables last', () => {
    const env = jobEnv(
      { PATH: '/bin', TIMECLOUD_TOKEN: 't', timecloud_wecom_webhook: 'w', TIMECLOUD_STORE: 's', UNSET: undefined },
      { ...good, env: { TIMECLOUD_RUN_ID: 'forged', OWN: 'yes' }, attempt: 2 },
    );
    expect(env).toEqual({
      PATH: '/bin',
      OWN: 'yes',
      TIMECLOUD_JOB: 'pkg/job',
      TIMECLOUD_RUN_ID: 'run-1',
      TIMECLOUD_ATTEMPT: '2',
      TIMECLOUD_SCHEDULED_FOR: '2026-01-01T00:00:00.000Z',
    });
  });
});
