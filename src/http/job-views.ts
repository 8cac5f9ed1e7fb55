/**
 * Job summaries and details as the API returns them, put together from the job list and the run
 * history. Fire times are cached per job until the first of them passes: croner takes tens of
 * microseconds per fire time, which adds up over a thousand jobs on every `GET /api/jobs`.
 */
import {
  jobStatus,
  nextFireTimes,
  openCounts,
  type JobEntry,
} from '../../projections/job-list.projection.js';
import type { ProjectionStates } from '../../projections/projection-runner.js';
import { durationPercentiles, findRun, recentRuns, toSummary } from '../../projections/run-history.queries.js';
import type { FireTime, JobDetail, JobSummary } from './api-types.js';

interface CachedFires {
  key: string;
  fires: FireTime[];
  /** The cache holds until this instant (ms): the first fire time. */
  until: number;
}

const SUMMARY_FIRES = 3;
const DETAIL_FIRES = 10;
const DETAIL_RUNS = 20;

export class JobViews {
  private readonly fires = new Map<string, CachedFires>();

  constructor(private readonly nodeZone: string) {}

  private nextFires(entry: JobEntry, now: number, count: number): FireTime[] {
    const { spec } = entry;
    const key = `${count}|${spec.schedule}|${spec.timezone ?? ''}|${spec.cronDialect}|${entry.enabled}|${entry.removed}`;
    const cacheKey = `${entry.jobId}|${count}`;
    const cached = this.fires.get(cacheKey);
    if (cached && cached.key === key && now < cached.until) return cached.fires;
    const fires = nextFireTimes(entry, new Date(now), count, this.nodeZone);
    this.fires.set(cacheKey, { key, fires, until: fires[0] ? Date.parse(fires[0].at) : now + 60_000 });
    return fires;
  }

  summary(entry: JobEntry, states: ProjectionStates, now: number): JobSummary {
    const { spec } = entry;
    const last = entry.lastRunId === undefined ? undefined : findRun(states.runs, entry.lastRunId);
    const open = openCounts(entry);
    return {
      id: entry.jobId,
      package: spec.package,
      name: spec.name,
      schedule: spec.schedule,
      cronDialect: spec.cronDialect,
      timezone: spec.timezone ?? this.nodeZone,
      maintainers: spec.maintainers,
      enabled: entry.enabled,
      removed: entry.removed,
      status: jobStatus(entry),
      nextFires: this.nextFires(entry, now, SUMMARY_FIRES),
      ...(last ? { lastRun: toSummary(last) } : {}),
      runningRuns: open.running,
      queuedRuns: open.queued,
      consecutiveFailures: entry.consecutiveFailures,
      ...(entry.rejection ? { rejection: entry.rejection } : {}),
      file: spec.file,
    };
  }

  detail(entry: JobEntry, states: ProjectionStates, now: number): JobDetail {
    const { p50, p95 } = durationPercentiles(states.runs, entry.jobId);
    return {
      ...this.summary(entry, states, now),
      spec: entry.spec,
      nextFires: this.nextFires(entry, now, DETAIL_FIRES),
      recentRuns: recentRuns(states.runs, entry.jobId, DETAIL_RUNS),
      stats: {
        ...entry.totals,
        ...(p50 === undefined ? {} : { p50DurationMs: p50 }),
        ...(p95 === undefined ? {} : { p95DurationMs: p95 }),
      },
    };
  }

}
