/**
 * The queue: which attempts run where, which wait and why, and which retries wait for their
 * delay. Built from job events only, so every node (leader or standby) answers the same.
 */
import type { QueueResponse } from '../src/http/api-types.js';
import type { StoredEvent } from '../src/store/event-store.js';
import { domainEvent, type Projection } from './projection.js';

export interface OpenAttempt {
  runId: string;
  jobId: string;
  attempt: number;
  phase: 'scheduled' | 'queued' | 'running';
  /** Order of scheduling, for first-in-first-out positions. */
  seq: number;
  scheduledAt: string;
  queuedAt?: string;
  reason?: string;
  slot?: number;
  nodeId?: string;
  startedAt?: string;
}

export interface PendingRetry {
  runId: string;
  jobId: string;
  attempt: number;
  failedRunId: string;
  dueAt: string;
  at: string;
}

export interface QueueState {
  seq: number;
  open: Record<string, OpenAttempt>;
  /** By the run id the retry will have. */
  retries: Record<string, PendingRetry>;
}

export function queueProjection(): Projection<QueueState> {
  return {
    name: 'queue',
    version: 1,
    initial: () => ({ seq: 0, open: {}, retries: {} }),
    evolve(state: QueueState, stored: StoredEvent): QueueState {
      const event = domainEvent(stored);
      switch (event.type) {
        case 'RunScheduled': {
          const { runId, jobId, attempt, at } = event.data;
          delete state.retries[runId];
          state.open[runId] ??= { runId, jobId, attempt, phase: 'scheduled', seq: state.seq++, scheduledAt: at };
          break;
        }
        case 'RunQueued': {
          const run = state.open[event.data.runId];
          if (run && run.phase !== 'running') {
            run.phase = 'queued';
            run.queuedAt ??= event.data.at;
            run.reason = event.data.reason;
          }
          break;
        }
        case 'RunStarted': {
          const run = state.open[event.data.runId];
          if (run) {
            const { slot, nodeId, at } = event.data;
            Object.assign(run, { phase: 'running', slot, nodeId, startedAt: at });
            delete run.reason;
          }
          break;
        }
        case 'RetryScheduled': {
          const { jobId, runId, nextRunId, nextAttempt, dueAt, at } = event.data;
          delete state.open[runId];
          state.retries[nextRunId] = { runId: nextRunId, jobId, attempt: nextAttempt, failedRunId: runId, dueAt, at };
          break;
        }
        case 'RunSucceeded':
        case 'RunFailed':
        case 'RunTimedOut':
        case 'RunAborted':
        case 'RunAbandoned':
          delete state.open[event.data.runId];
          delete state.retries[event.data.runId];
          break;
        case 'JobRemoved':
          // A removed job's pending retries are dropped (see the job state); its open runs finish.
          for (const [id, retry] of Object.entries(state.retries)) if (retry.jobId === event.data.jobId) delete state.retries[id];
          break;
        default:
          break;
      }
      return state;
    },
  };
}

// ---- queries --------------------------------------------------------------------------------

/** Running attempts by start, waiting ones first-in-first-out, then retries by due time. */
export function queueView(state: QueueState, slots: number): QueueResponse {
  const open = Object.values(state.open).sort((a, b) => a.seq - b.seq);
  const running = open
    .filter((run) => run.phase === 'running')
    .map(({ runId, jobId, slot, nodeId, startedAt, attempt }) => ({ runId, jobId, slot, nodeId, startedAt, attempt }));
  const waiting: QueueResponse['waiting'] = open
    .filter((run) => run.phase !== 'running')
    .map((run, index) => ({
      runId: run.runId,
      jobId: run.jobId,
      attempt: run.attempt,
      position: index + 1,
      reason: run.reason ?? (run.phase === 'scheduled' ? 'being handed to a slot' : undefined),
      since: run.queuedAt ?? run.scheduledAt,
    }));
  const retries = Object.values(state.retries).sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0));
  for (const retry of retries) {
    waiting.push({
      runId: retry.runId,
      jobId: retry.jobId,
      attempt: retry.attempt,
      position: waiting.length + 1,
      reason: `retry after attempt ${retry.attempt - 1} (run ${retry.failedRunId}) failed; due at ${retry.dueAt}`,
      since: retry.at,
    });
  }
  return { slots, running, waiting };
}
