/**
 * The job list: each job's last valid definition, whether it is enabled or removed, its file's
 * last problem, its open runs, its last result and how many attempts in a row failed; plus the
 * files and jobs that could not be read at all. Fire times are computed at query time
 * (`nextFireTimes`), as they depend on the clock.
 */
import { compileSchedule } from '../src/config/cron.js';
import { formatInZone } from '../src/config/time-format.js';
import type { JobSpec } from '../src/domain/job-spec.js';
import type { ConfigProblem, FireTime, JobStatus } from '../src/http/api-types.js';
import type { StoredEvent } from '../src/store/event-store.js';
import { domainEvent, type Projection } from './projection.js';
import { specInterner } from './spec-interner.js';

export type OpenPhase = 'scheduled' | 'queued' | 'running';

export interface JobEntry {
  jobId: string;
  spec: JobSpec;
  removed: boolean;
  enabled: boolean;
  rejection?: { message: string; field?: string; at: string };
  /** Attempts not finished yet, by run id. */
  open: Record<string, OpenPhase>;
  /** The attempt that finished last. */
  lastRunId?: string;
  consecutiveFailures: number;
  totals: { runs: number; succeeded: number; failed: number };
}

export interface JobListState {
  jobs: Record<string, JobEntry>;
  /** Problems without a valid definition to fall back on, by `file` or `file + jobId`. */
  problems: Record<string, ConfigProblem>;
}

const problemKey = (file: string, jobId?: string) => (jobId === undefined ? file : `${file}\u0000${jobId}`);

function clearProblems(state: JobListState, file: string, jobId?: string): void {
  delete state.problems[problemKey(file)];
  if (jobId !== undefined) {
    for (const [key, problem] of Object.entries(state.problems)) {
      if (problem.jobId === jobId) delete state.problems[key];
    }
  }
}

function finish(entry: JobEntry | undefined, runId: string, outcome: 'succeeded' | 'failed' | 'neutral'): void {
  if (!entry) return;
  delete entry.open[runId];
  entry.lastRunId = runId;
  entry.totals.runs += 1;
  if (outcome === 'succeeded') {
    entry.totals.succeeded += 1;
    entry.consecutiveFailures = 0;
  } else if (outcome === 'failed') {
    entry.totals.failed += 1;
    entry.consecutiveFailures += 1;
  }
}

export function jobListProjection(): Projection<JobListState> {
  const shared = specInterner();
  return {
    name: 'jobs',
    version: 1,
    initial: () => ({ jobs: {}, problems: {} }),
    decode(data: unknown): JobListState {
      // A checkpoint's specs are decoded afresh too: share their strings as `evolve` does.
      const state = data as JobListState;
      for (const entry of Object.values(state.jobs)) entry.spec = shared(entry.spec);
      return state;
    },
    evolve(state: JobListState, stored: StoredEvent): JobListState {
      const event = domainEvent(stored);
      const jobId = (event.data as { jobId?: string }).jobId;
      const entry = jobId === undefined ? undefined : state.jobs[jobId];
      switch (event.type) {
        case 'JobRegistered': {
          const spec = shared(event.data.spec);
          clearProblems(state, spec.file, spec.id);
          state.jobs[spec.id] = {
            jobId: spec.id,
            spec,
            removed: false,
            enabled: spec.enabled,
            open: entry?.open ?? {},
            consecutiveFailures: entry?.consecutiveFailures ?? 0,
            totals: entry?.totals ?? { runs: 0, succeeded: 0, failed: 0 },
            ...(entry?.lastRunId === undefined ? {} : { lastRunId: entry.lastRunId }),
          };
          break;
        }
        case 'JobUpdated':
          if (entry) {
            clearProblems(state, event.data.spec.file, entry.jobId);
            entry.spec = shared(event.data.spec);
            if (event.data.changed.includes('enabled')) entry.enabled = event.data.spec.enabled;
            delete entry.rejection;
          }
          break;
        case 'JobRemoved':
          clearProblems(state, event.data.file, jobId);
          if (entry) entry.removed = true;
          break;
        case 'JobRejected': {
          const { file, field, message, at } = event.data;
          if (entry && !entry.removed) {
            entry.rejection = { message, at, ...(field === undefined ? {} : { field }) };
          } else {
            state.problems[problemKey(file, jobId)] = { file, message, at, ...(jobId === undefined ? {} : { jobId }), ...(field === undefined ? {} : { field }) };
          }
          break;
        }
        case 'JobEnabled':
          if (entry) entry.enabled = true;
          break;
        case 'JobDisabled':
          if (entry) entry.enabled = false;
          break;
        case 'RunScheduled':
          if (entry) entry.open[event.data.runId] = 'scheduled';
          break;
        case 'RunQueued':
          if (entry?.open[event.data.runId] === 'scheduled') entry.open[event.data.runId] = 'queued';
          break;
        case 'RunStarted':
          if (entry && entry.open[event.data.runId] !== undefined) entry.open[event.data.runId] = 'running';
          break;
        case 'RunSucceeded':
          finish(entry, event.data.runId, 'succeeded');
          break;
        case 'RunFailed':
        case 'RunTimedOut':
        case 'RunAbandoned':
          finish(entry, event.data.runId, 'failed');
          break;
        case 'RunAborted':
          // Somebody stopped it, or the node went away: not the job's failure.
          if (entry?.open[event.data.runId] !== undefined) finish(entry, event.data.runId, 'neutral');
          break;
        default:
          break;
      }
      return state;
    },
  };
}

// ---- queries --------------------------------------------------------------------------------

export function jobStatus(entry: JobEntry): JobStatus {
  if (entry.removed) return 'removed';
  const phases = Object.values(entry.open);
  if (phases.includes('running')) return 'running';
  if (phases.length > 0) return 'queued';
  if (!entry.enabled) return 'disabled';
  return entry.consecutiveFailures > 0 ? 'failing' : 'idle';
}

export function openCounts(entry: JobEntry): { running: number; queued: number } {
  let running = 0;
  let queued = 0;
  for (const phase of Object.values(entry.open)) {
    if (phase === 'running') running += 1;
    else queued += 1;
  }
  return { running, queued };
}

/** Jobs sorted by id. */
export function listJobs(state: JobListState): JobEntry[] {
  return Object.values(state.jobs).sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
}

export function listProblems(state: JobListState): ConfigProblem[] {
  return Object.values(state.problems).sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

/** One instant as the dashboard shows it: UTC, wall clock in `zone`, and the offset there. */
export function fireTime(date: Date, zone: string): FireTime {
  const [day, time, offset] = formatInZone(date, zone).split(' ');
  return { at: date.toISOString(), local: `${day} ${time}`, utcOffset: offset! };
}

/**
 * The next `count` fire times after `now` in the job's zone (`nodeZone` when it sets none);
 * none for a disabled or removed job, or one whose schedule no longer compiles here.
 */
export function nextFireTimes(entry: JobEntry, now: Date, count: number, nodeZone: string): FireTime[] {
  if (entry.removed || !entry.enabled) return [];
  const zone = entry.spec.timezone ?? nodeZone;
  try {
    return compileSchedule(entry.spec).next(count, now).map((date) => fireTime(date, zone));
  } catch {
    return [];
  }
}
