/**
 * Given/when/then for the alert decider: `given(...alertEvents).when(command).then(expected)`,
 * like `decider-spec.ts` for jobs, plus builders for the run outcomes it reads.
 */
import { expect } from 'vitest';
import { decideAlert, type AlertCommand, type HandleOutcome, type RunOutcome } from '../../src/domain/alert-decider.js';
import { ALERT_POLICY_DEFAULTS, type AlertPolicy } from '../../src/domain/alert-policy.js';
import { evolveAlert, initialAlertState, type AlertState } from '../../src/domain/alert-state.js';
import type { AlertEvent } from '../../src/domain/events.js';

export function alertStateOf(jobId: string, events: AlertEvent[]): AlertState {
  return events.reduce(evolveAlert, initialAlertState(jobId));
}

export function alertSpec(jobId: string) {
  return {
    given(...history: AlertEvent[]) {
      const state = alertStateOf(jobId, history);
      return {
        state,
        when(command: AlertCommand) {
          const run = () => decideAlert(command, state);
          return {
            events: run,
            then(expected: AlertEvent[]) {
              expect(run()).toEqual(expected);
            },
            thenNothing() {
              expect(run()).toEqual([]);
            },
          };
        },
      };
    },
  };
}

export const policy = (overrides: Partial<AlertPolicy> = {}): AlertPolicy => ({
  ...ALERT_POLICY_DEFAULTS,
  channels: ['ops'],
  ...overrides,
});

/** A `HandleOutcome` command with the defaults of a final outcome under the default policy. */
export function handle(outcome: RunOutcome, position: bigint, overrides: Partial<HandleOutcome> = {}): HandleOutcome {
  return { type: 'HandleOutcome', outcome, position, retryFollows: false, maintainers: ['alice', 'bob'], policy: policy(), ...overrides };
}

export function outcomes(jobId: string) {
  return {
    failed: (runId: string, at: string, overrides: { attempt?: number; exitCode?: number; stderrTail?: string } = {}): RunOutcome => ({
      type: 'RunFailed',
      data: {
        jobId,
        runId,
        attempt: overrides.attempt ?? 1,
        exitCode: overrides.exitCode ?? 1,
        signal: null,
        durationMs: 12,
        stderrTail: overrides.stderrTail ?? 'boom',
        at,
      },
    }),
    timedOut: (runId: string, at: string): RunOutcome => ({
      type: 'RunTimedOut',
      data: { jobId, runId, attempt: 1, timeoutMs: 300, durationMs: 310, killed: false, exitCode: null, signal: 'SIGUSR2', at },
    }),
    abandoned: (runId: string, at: string): RunOutcome => ({
      type: 'RunAbandoned',
      data: { jobId, runId, attempt: 1, nodeId: 'n1', epoch: 3, reason: 'its node stopped renewing the lease', at },
    }),
    succeeded: (runId: string, at: string): RunOutcome => ({
      type: 'RunSucceeded',
      data: { jobId, runId, attempt: 1, exitCode: 0, durationMs: 5, at },
    }),
    aborted: (runId: string, at: string): RunOutcome => ({
      type: 'RunAborted',
      data: { jobId, runId, attempt: 1, by: 'alice', reason: 'aborted on request', durationMs: 5, killed: false, at },
    }),
  };
}
