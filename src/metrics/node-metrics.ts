/**
 * The node's Prometheus metrics, in a registry of its own (several nodes may share a process in
 * tests). The numbers are fed where they arise: job events after they are stored, dispatcher
 * changes, store appends; leadership is read when scraped.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DispatcherLoad } from '../../actors/messages.js';
import type { JobEvent } from '../domain/events.js';

const RESULTS: Partial<Record<JobEvent['type'], string>> = {
  RunSucceeded: 'succeeded',
  RunFailed: 'failed',
  RunTimedOut: 'timed_out',
  RunAborted: 'aborted',
  RunAbandoned: 'abandoned',
  RunSkipped: 'skipped',
  RunMissed: 'missed',
};

export interface NodeMetricsOptions {
  /** Read at scrape time. */
  isLeader: () => boolean;
  /** Also export Node's process metrics (memory, CPU, event loop lag). @defaultValue true */
  processMetrics?: boolean;
}

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly runs: Counter<'result'>;
  private readonly fireLag: Histogram;
  private readonly queueDepth: Gauge;
  private readonly busySlots: Gauge;
  private readonly appendLatency: Histogram;
  private readonly launcherRestarts: Counter;
  readonly wsClients: Gauge;
  private jobCounts: () => { jobs: number; actors: number } = () => ({ jobs: 0, actors: 0 });

  constructor(options: NodeMetricsOptions) {
    const registers = [this.registry];
    this.runs = new Counter({
      name: 'timecloud_runs_total',
      help: 'Run attempts that ended, by result (skipped and missed count the ticks that did not run).',
      labelNames: ['result'],
      registers,
    });
    this.fireLag = new Histogram({
      name: 'timecloud_fire_lag_seconds',
      help: 'From a cron tick to its RunScheduled being stored.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.queueDepth = new Gauge({ name: 'timecloud_queue_depth', help: 'Runs waiting for a free slot on this node.', registers });
    this.busySlots = new Gauge({ name: 'timecloud_busy_slots', help: 'Slots of this node executing a run.', registers });
    new Gauge({
      name: 'timecloud_leader',
      help: '1 while this node holds the leader lease, else 0.',
      registers,
      collect() {
        this.set(options.isLeader() ? 1 : 0);
      },
    });
    this.appendLatency = new Histogram({
      name: 'timecloud_store_append_seconds',
      help: 'Latency of event store appends.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.launcherRestarts = new Counter({
      name: 'timecloud_launcher_restarts_total',
      help: 'New launcher processes started after the one before died under this node.',
      registers,
    });
    this.wsClients = new Gauge({ name: 'timecloud_ws_clients', help: 'Open dashboard WebSocket connections.', registers });
    const counts = () => this.jobCounts();
    new Gauge({
      name: 'timecloud_jobs',
      help: 'Jobs this node schedules (0 while it does not lead).',
      registers,
      collect() {
        this.set(counts().jobs);
      },
    });
    new Gauge({
      name: 'timecloud_job_actors',
      help: 'Jobs whose actor is running; an idle job has none until its next message.',
      registers,
      collect() {
        this.set(counts().actors);
      },
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'timecloud_' });
  }

  /** Job events just stored by this node, at `now` (ms). */
  onJobEvents(events: readonly JobEvent[], now: number): void {
    for (const event of events) {
      const result = RESULTS[event.type];
      if (result !== undefined) this.runs.inc({ result }, event.type === 'RunMissed' ? event.data.count : 1);
      if (event.type === 'RunScheduled' && (event.data.reason === 'cron' || event.data.reason === 'catch-up')) {
        this.fireLag.observe(Math.max(0, now - Date.parse(event.data.scheduledFor)) / 1000);
      }
    }
  }

  /** Where `timecloud_jobs` and `timecloud_job_actors` are read at scrape time. */
  countJobs(counts: () => { jobs: number; actors: number }): void {
    this.jobCounts = counts;
  }

  onDispatcherChange(load: DispatcherLoad): void {
    this.queueDepth.set(load.queued);
    this.busySlots.set(load.busy);
  }

  onLauncherRestart(): void {
    this.launcherRestarts.inc();
  }

  observeAppend(seconds: number): void {
    this.appendLatency.observe(seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
