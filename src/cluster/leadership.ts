/**
 * What a node does when it gains or loses the leader lease. Gaining it: let the launcher run jobs
 * until the lease's deadline, spawn the job actors from their warm states, and start watching the
 * jobs folder (compared with what the store knows). Losing it: fence the launcher at once (its
 * runs get the SIGUSR2 ladder; the next leader retries them), stop the job actors and the
 * watcher. Transitions run one at a time, in the order the lease reports them.
 */
import type { SupervisorMsg } from '../../actors/messages.js';
import { dispatch, query, type ActorRef } from '../../actors/nact.js';
import type { Clock } from '../clock.js';
import { watchJobsFolder, type JobsDiff, type JobsWatcher } from '../config/watcher.js';
import type { Logger } from '../log.js';
import type { Runner } from '../runner/runner.js';
import type { JobStatesFollower } from './job-states-follower.js';
import type { LeaderLease } from './leader-lease.js';

export interface LeadershipDeps {
  lease: LeaderLease;
  supervisor: ActorRef<SupervisorMsg>;
  runner: Runner;
  follower: JobStatesFollower;
  jobsDir: string;
  clock: Clock;
  log: Logger;
  /** Called after this node started or stopped leading (alerting, metrics). */
  onChange?(leading: boolean): void | Promise<void>;
}

const QUERY_TIMEOUT_MS = 60_000;

function toChange(diff: JobsDiff) {
  return {
    upserted: [...diff.registered, ...diff.updated.map((u) => u.spec)],
    removed: diff.removed,
    rejected: diff.rejected,
  };
}

export class Leadership {
  private watcher?: JobsWatcher;
  private transitions: Promise<void> = Promise.resolve();
  private firstScan?: Promise<void>;

  constructor(private readonly deps: LeadershipDeps) {
    const { lease, runner, clock } = deps;
    lease.on('acquired', ({ validUntil }) => {
      runner.fenceAt(new Date(validUntil));
      this.enqueue(() => this.lead());
    });
    lease.on('renewed', ({ validUntil }) => runner.fenceAt(new Date(validUntil)));
    lease.on('lost', () => {
      runner.fenceAt(new Date(clock.now())); // at once: another node may retry these runs soon
      this.enqueue(() => this.follow());
    });
  }

  /** Resolves once this node leads and its first scan of the jobs folder reached the supervisor. */
  async leading(): Promise<void> {
    await this.transitions;
    await this.firstScan;
  }

  /** Graceful stop: no new ticks, while results of running jobs are still recorded. */
  async quiesce(): Promise<void> {
    await this.transitions;
    await this.watcher?.close();
    this.watcher = undefined;
    await query(this.deps.supervisor, { type: 'Quiesce' }, QUERY_TIMEOUT_MS);
  }

  private enqueue(step: () => Promise<void>): void {
    this.transitions = this.transitions.then(step).catch((error: unknown) => {
      this.deps.log.error({ err: error }, 'leadership change failed');
    });
  }

  private async lead(): Promise<void> {
    const { supervisor, follower, jobsDir, log } = this.deps;
    if (!this.deps.lease.isLeader) return; // lost again before we got here
    // One snapshot of the states for the actors and for the watcher to compare with; the
    // actors read whatever came after it from their streams.
    const jobIds = follower.activeJobIds();
    const initial = follower.specs();
    const stopped = follower.handOver(jobIds);
    await query(supervisor, { type: 'Lead', jobIds }, QUERY_TIMEOUT_MS);
    await stopped;
    this.watcher = watchJobsFolder(jobsDir, (diff) => dispatch(supervisor, { type: 'Config', change: toChange(diff) }), {
      initial,
      onError: (error) => log.error({ err: error }, 'jobs folder watcher failed'),
    });
    this.firstScan = this.watcher.ready;
    await this.deps.onChange?.(true);
  }

  private async follow(): Promise<void> {
    await this.watcher?.close();
    this.watcher = undefined;
    await query(this.deps.supervisor, { type: 'Follow' }, QUERY_TIMEOUT_MS);
    // Warm again for the next takeover: every job loaded afresh, then followed.
    await this.deps.follower.start().catch((error: unknown) => {
      this.deps.log.warn({ err: error }, 'cannot follow the job states again; a takeover will replay from snapshots');
    });
    await this.deps.onChange?.(false);
  }
}
