/**
 * `timecloud status`: who leads, which jobs exist, what each is doing, how its last run ended and
 * when it fires next, read from the store (each job from its latest snapshot plus the events
 * after it, and its stream read backwards to its last outcome). What an on-call engineer runs
 * first; `--json` gives the same to scripts.
 */
import { compileSchedule } from '../config/cron.js';
import { RUN_OUTCOME_TYPES } from '../domain/alert-decider.js';
import { streams, type LeaderEvent } from '../domain/events.js';
import type { JobState } from '../domain/job-state.js';
import type { EventStore } from '../store/event-store.js';
import { listJobIds, loadJobState } from '../store/job-streams.js';
import { eventSummary, short } from './event-format.js';

/** How a run can end; the newest of these in a job's stream is its last outcome. */
const OUTCOMES = new Set<string>(RUN_OUTCOME_TYPES);

export interface JobStatus {
  jobId: string;
  status: 'enabled' | 'disabled' | 'removed';
  schedule?: string;
  timezone?: string;
  /** The next fire time after the report's time (ISO), while the job is enabled. */
  next?: string;
  last?: { type: string; runId: string; attempt: number; at: string; summary: string };
  runs: Array<{ runId: string; attempt: number; phase: string; scheduledFor: string; pid?: number; nodeId?: string }>;
  retries: Array<{ runId: string; attempt: number; dueAt: string }>;
  rejected?: { message: string; field?: string; at: string };
}

export interface StatusReport {
  at: string;
  leader?: { nodeId: string; epoch: number; lease: 'held' | 'released'; lastEvent: string; lastAt: string };
  jobs: JobStatus[];
}

async function lastLeaderEvent(store: EventStore): Promise<LeaderEvent | undefined> {
  for await (const stored of store.readStream(streams.leader, { direction: 'backwards', maxCount: 1 })) {
    return { type: stored.type, data: stored.data } as LeaderEvent;
  }
  return undefined;
}

async function lastOutcome(store: EventStore, jobId: string): Promise<JobStatus['last']> {
  for await (const stored of store.readStream(streams.job(jobId), { direction: 'backwards' })) {
    if (!OUTCOMES.has(stored.type)) continue;
    const data = stored.data as { runId: string; attempt: number; at?: string };
    return {
      type: stored.type,
      runId: data.runId,
      attempt: data.attempt,
      at: data.at ?? stored.created.toISOString(),
      summary: eventSummary(stored.type, stored.data as Record<string, unknown>),
    };
  }
  return undefined;
}

/** In the job's zone, or this process's when it names none (as the node reads it on the same machine). */
function nextFire(state: JobState, now: Date): string | undefined {
  if (!state.spec || !state.enabled || state.removed) return undefined;
  return compileSchedule(state.spec).nextAfter(now)?.toISOString();
}

async function jobStatus(store: EventStore, jobId: string, now: Date): Promise<JobStatus> {
  const { state } = await loadJobState(store, jobId);
  return {
    jobId,
    status: state.removed ? 'removed' : state.enabled ? 'enabled' : 'disabled',
    schedule: state.spec?.schedule,
    timezone: state.spec?.timezone,
    next: nextFire(state, now),
    last: await lastOutcome(store, jobId),
    runs: Object.values(state.openRuns).map(({ runId, attempt, phase, scheduledFor, pid, nodeId }) => ({
      runId,
      attempt,
      phase,
      scheduledFor,
      pid,
      nodeId,
    })),
    retries: Object.values(state.pendingRetries).map((retry) => ({ runId: retry.nextRunId, attempt: retry.nextAttempt, dueAt: retry.dueAt })),
    rejected: state.lastRejection,
  };
}

export async function readStatus(store: EventStore, now = new Date()): Promise<StatusReport> {
  const leader = await lastLeaderEvent(store);
  const jobs: JobStatus[] = [];
  for (const jobId of await listJobIds(store)) jobs.push(await jobStatus(store, jobId, now));
  return {
    at: now.toISOString(),
    leader: leader && {
      nodeId: leader.data.nodeId,
      epoch: leader.data.epoch,
      lease: leader.type === 'LeaseReleased' ? 'released' : 'held',
      lastEvent: leader.type,
      lastAt: leader.data.at,
    },
    jobs,
  };
}

export function printStatus(report: StatusReport, print: (line: string) => void): void {
  const { leader } = report;
  if (!leader) print('leader: none has ever run against this store');
  else print(`leader: ${leader.nodeId} (epoch ${leader.epoch}, lease ${leader.lease}, last ${leader.lastEvent} at ${leader.lastAt})`);
  print(`jobs: ${report.jobs.length}`);
  const width = Math.max(0, ...report.jobs.map((job) => job.jobId.length));
  for (const job of report.jobs) {
    const zone = job.timezone ? ` (${job.timezone})` : '';
    print(`  ${job.jobId.padEnd(width)}  ${job.status.padEnd(8)}  ${job.schedule ?? ''}${zone}${job.next ? `  next ${job.next}` : ''}`);
    for (const run of job.runs) {
      const where = run.pid === undefined ? '' : ` pid ${run.pid} on ${run.nodeId}`;
      print(`    run ${short(run.runId)} ${run.phase}, attempt ${run.attempt}, for ${run.scheduledFor}${where}`);
    }
    for (const retry of job.retries) print(`    retry ${short(retry.runId)} (attempt ${retry.attempt}) due ${retry.dueAt}`);
    if (job.last) print(`    last ${job.last.type} at ${job.last.at}  ${job.last.summary}`);
    if (job.rejected) print(`    rejected: ${job.rejected.message}`);
  }
}
