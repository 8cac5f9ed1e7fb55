/**
 * Commands a job actor hands to the decider. Each carries the time it is decided at (`at` or
 * `now`), so the decider needs no clock.
 */
import type { LadderReason, RunStarted } from './events.js';
import type { JobSpec } from './job-spec.js';

/** How an attempt ended, as the runner reports it. */
export type RunResult = { durationMs: number } & (
  | { result: 'succeeded' }
  | { result: 'failed'; exitCode: number | null; signal: string | null; stderrTail: string }
  | { result: 'timed_out'; killed: boolean; exitCode: number | null; signal: string | null }
  | {
      result: 'aborted';
      reason: LadderReason;
      killed: boolean;
      exitCode: number | null;
      signal: string | null;
    }
);

export type JobCommand =
  | { type: 'Register'; spec: JobSpec; at: string }
  | { type: 'Reject'; file: string; job?: string; field?: string; message: string; at: string }
  | { type: 'Remove'; file: string; reason: string; at: string }
  | { type: 'Enable'; by: string; at: string }
  | { type: 'Disable'; by: string; at: string }
  /**
   * The tick timer fired, or the node just took over: account for every tick due by `now`.
   * With `aheadMs`, ticks due up to that long after `now` are decided now (see
   * `decideAheadMs` of the job actors); `now` stays the time of the decision.
   */
  | { type: 'Tick'; now: string; aheadMs?: number }
  /** A manual "run now". `runId` comes from the caller so that a retried request is idempotent. */
  | { type: 'Trigger'; runId: string; by: string; at: string }
  | { type: 'RecordQueued'; runId: string; position: number; reason: string; at: string }
  /** What `RunStarted` records, from the process slot (`releaseAt`: a tick decided ahead). */
  | ({ type: 'RecordStarted'; runId: string } & Pick<RunStarted['data'], 'pid' | 'slot' | 'nodeId' | 'host' | 'at' | 'releaseAt'>)
  | {
      type: 'RecordSignalled';
      runId: string;
      signal: 'SIGUSR2' | 'SIGKILL';
      reason: LadderReason;
      at: string;
    }
  | { type: 'RecordResult'; runId: string; outcome: RunResult; by?: string; at: string }
  | { type: 'RetryDue'; nextRunId: string; at: string }
  /** Abort a run that has not started (or a pending retry). A running one is aborted by signals. */
  | { type: 'Abort'; runId: string; by: string; at: string }
  /** A run whose node died: only decided after that node can no longer touch it. */
  | { type: 'Abandon'; runId: string; nodeId: string; epoch: number; reason: string; at: string };

export type JobCommandType = JobCommand['type'];
