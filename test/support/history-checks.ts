/**
 * Checks a cluster's history from the event trail alone (job streams and the leader stream, in
 * `$all` order):
 * - every tick of every job was accounted for at most once (no duplicate `RunScheduled`);
 * - every tick between a job's first and last accounted tick was fired, skipped or missed: no hole;
 * - no run has `RunStarted` twice (so never on two nodes);
 * - attempts of one run never overlapped: attempt k+1 started after attempt k's final event;
 * - every run reached a final state;
 * - every job event was written under the leader epoch current at its position (no deposed leader
 *   wrote anything).
 */
import type { StoredEvent } from '../../src/store/event-store.js';

export interface HistoryReport {
  jobs: number;
  ticks: number;
  fired: number;
  skipped: number;
  missed: number;
  runs: number;
  retries: number;
  abandoned: number;
  leaders: number;
  violations: string[];
}

const FINAL = new Set(['RunSucceeded', 'RunFailed', 'RunTimedOut', 'RunAborted', 'RunAbandoned']);

interface RunInfo {
  jobId: string;
  rootRunId: string;
  attempt: number;
  started: bigint[];
  final?: bigint;
}

type Data = Record<string, unknown> & { jobId?: string; runId?: string; scheduledFor?: string };

/** @param stepMs per job id, the interval of its every-N-seconds schedule */
export function checkHistory(events: StoredEvent[], stepMs: ReadonlyMap<string, number>): HistoryReport {
  const violations: string[] = [];
  const ticks = new Map<string, Map<number, string[]>>();
  const runs = new Map<string, RunInfo>();
  let epoch = 0;
  let leaders = 0;
  let fired = 0;
  let skipped = 0;
  let missed = 0;
  let retries = 0;
  let abandoned = 0;

  const account = (jobId: string, at: number, how: string) => {
    const perJob = ticks.get(jobId) ?? new Map<number, string[]>();
    ticks.set(jobId, perJob);
    perJob.set(at, [...(perJob.get(at) ?? []), how]);
  };

  for (const event of events) {
    const data = event.data as Data;
    if (event.stream === 'leader') {
      if (event.type === 'LeaseAcquired') {
        epoch = data.epoch as number;
        leaders += 1;
      }
      continue;
    }
    if (!event.stream.startsWith('job-')) continue;
    const written = event.metadata.epoch;
    if (written !== undefined && written !== epoch) {
      violations.push(`${event.type} at ${event.position} written under epoch ${String(written)} while epoch ${epoch} led`);
    }
    const jobId = data.jobId as string;
    switch (event.type) {
      case 'RunScheduled': {
        const attempt = data.attempt as number;
        runs.set(data.runId!, { jobId, rootRunId: data.rootRunId as string, attempt, started: [] });
        if (attempt === 1 && (data.reason === 'cron' || data.reason === 'catch-up')) {
          account(jobId, Date.parse(data.scheduledFor!), `scheduled ${data.runId}`);
          fired += 1;
        }
        break;
      }
      case 'RunSkipped':
        account(jobId, Date.parse(data.scheduledFor!), 'skipped');
        skipped += 1;
        break;
      case 'RunMissed': {
        const step = stepMs.get(jobId) ?? 1000;
        const count = data.count as number;
        for (let i = 0, t = Date.parse(data.scheduledFor!); i < count; i++, t += step) account(jobId, t, 'missed');
        missed += count;
        break;
      }
      case 'RunStarted':
        runs.get(data.runId!)?.started.push(event.position);
        break;
      case 'RetryScheduled':
        retries += 1;
        break;
      default:
        if (FINAL.has(event.type)) {
          const run = runs.get(data.runId!);
          if (run && run.final === undefined) run.final = event.position;
          else if (run) violations.push(`run ${data.runId} ended twice (${event.type})`);
          if (event.type === 'RunAbandoned') abandoned += 1;
        }
    }
  }

  for (const [jobId, perJob] of ticks) {
    for (const [at, how] of perJob) {
      if (how.length > 1) violations.push(`tick ${new Date(at).toISOString()} of ${jobId} accounted ${how.length} times: ${how.join(', ')}`);
    }
    const step = stepMs.get(jobId);
    if (!step) continue;
    const times = [...perJob.keys()].sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) {
      if (times[i]! - times[i - 1]! !== step) {
        violations.push(`${jobId}: no record of the ticks between ${new Date(times[i - 1]!).toISOString()} and ${new Date(times[i]!).toISOString()}`);
      }
    }
  }

  const families = new Map<string, RunInfo[]>();
  for (const [runId, run] of runs) {
    if (run.started.length > 1) violations.push(`run ${runId} started ${run.started.length} times`);
    if (run.final === undefined) violations.push(`run ${runId} of ${run.jobId} (attempt ${run.attempt}) never reached a final state`);
    families.set(run.rootRunId, [...(families.get(run.rootRunId) ?? []), run]);
  }
  for (const [root, attempts] of families) {
    attempts.sort((a, b) => a.attempt - b.attempt);
    for (let i = 1; i < attempts.length; i++) {
      const previous = attempts[i - 1]!;
      const next = attempts[i]!;
      if (next.started[0] !== undefined && (previous.final === undefined || next.started[0] < previous.final)) {
        violations.push(`run ${root}: attempt ${next.attempt} started before attempt ${previous.attempt} ended`);
      }
    }
  }

  const tickCount = [...ticks.values()].reduce((sum, perJob) => sum + perJob.size, 0);
  return { jobs: ticks.size, ticks: tickCount, fired, skipped, missed, runs: runs.size, retries, abandoned, leaders, violations };
}
