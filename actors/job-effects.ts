/**
 * The effects of a job actor: timers for ticks, retries and abandonment, and runs handed to the
 * dispatcher. Only live, leading job actors perform them; recovery never reaches this class.
 */
import type { Clock } from '../src/clock.js';
import type { JobCommand } from '../src/domain/job-commands.js';
import type { DecideContext } from '../src/domain/job-decider.js';
import type { JobEvent } from '../src/domain/events.js';
import { activeRunIds, dispatchable, type JobState, type OpenRun } from '../src/domain/job-state.js';
import type { Logger } from '../src/log.js';
import type { StorePersistenceEngine } from '../src/store/nact-persistence.js';
import type { TimerQueue } from '../src/timer-queue.js';
import type { DispatcherMsg, JobMsg, ProcessMsg, RunOrder } from './messages.js';
import type { TickBatcher } from './tick-batch.js';
import { dispatch, type ActorRef } from './nact.js';

export interface NodeIdentity {
  nodeId: string;
  host: string;
  /** The current leader term of this node. */
  epoch(): number;
  /** False when this node may not write (its lease is lost or lapsed): nothing is persisted then. */
  canWrite(): boolean;
}

export interface JobActorDeps extends DecideContext {
  engine: StorePersistenceEngine;
  timers: TimerQueue;
  /** Decides the ticks that fall due together in one pass. */
  ticks: TickBatcher;
  clock: Clock;
  dispatcher: ActorRef<DispatcherMsg>;
  node: NodeIdentity;
  log: Logger;
  /** Take a snapshot of the job's state after this many events. */
  snapshotEvery: number;
  /**
   * The leader lease's time to live. A run started under an earlier leader is declared abandoned
   * `ttl + grace + ABANDON_MARGIN_MS` after this node takes over: by then that leader has fenced
   * itself (or died) and its launcher has taken the process group down.
   */
  leaseTtlMs: number;
  /**
   * How long a job's actor may sit idle before it is stopped; the job keeps its state, timers
   * and ticks (see `JobCell`). @defaultValue `IDLE_ACTOR_MS`
   */
  idleActorMs?: number;
  /**
   * Decide a tick this long before it is due, so that its `RunScheduled` is durable and its
   * shell spawned held by then; the process slot releases the script at the tick, not before.
   * Only jobs without a run open decide ahead: whether a run still going blocks a tick is
   * known only at the tick. @defaultValue 0
   */
  decideAheadMs?: number;
  /** Told about events once they are stored (metrics). */
  onPersisted?(events: readonly JobEvent[]): void;
}

/** Slack for clocks and schedulers on top of `ttl + grace` before a run is declared abandoned. */
export const ABANDON_MARGIN_MS = 1000;

/** How long a run the runner refused waits before it is handed out again. */
export const REFUSED_PAUSE_MS = 1000;

export function orderFor(state: JobState, run: OpenRun): RunOrder | undefined {
  const spec = state.spec;
  if (!spec) return undefined;
  return {
    runId: run.runId,
    jobId: state.jobId,
    attempt: run.attempt,
    scheduledFor: run.scheduledFor,
    script: spec.script,
    cwd: spec.dir,
    env: spec.env,
    timeoutMs: spec.timeout,
    graceMs: spec.grace,
  };
}

/** What an idle job reads instead of a collection of its own. */
const NONE: ReadonlySet<string> = new Set();

/**
 * Most of a node's jobs are idle most of the time: their run collections are made on first use
 * (five empty collections per job were ~7 MiB of heap at 10,000 jobs), and the tick's timer,
 * which every active job has, is tracked apart from the rest.
 */
export class JobEffects {
  active = false;
  private inFlight?: Set<string>;
  private announced?: Set<string>;
  private processes?: Map<string, ActorRef<ProcessMsg>>;
  private aborts?: Map<string, string>;
  /** Timers other than the tick's: retries and abandonments. */
  private timerKeys?: Set<string>;
  private readonly tickKey: string;

  constructor(
    private readonly jobId: string,
    /** The job's actor, started when a message must reach it (see `JobCell`). */
    private readonly job: { ref(): ActorRef<JobMsg> },
    private readonly deps: JobActorDeps,
    /** Called when the job's next tick is due. */
    private readonly onTickDue: () => void,
  ) {
    this.tickKey = `tick:${jobId}`;
  }

  activate(job: JobState): void {
    this.active = true;
    this.armTick(job);
    for (const retry of Object.values(job.pendingRetries)) this.armRetry(retry.nextRunId, retry.dueAt);
    for (const run of Object.values(job.openRuns)) {
      // Runs of this node's current term are still held by a process slot (this actor may have
      // been reset); only runs of an earlier term or another node can have lost their process.
      const ours = run.nodeId === this.deps.node.nodeId && run.epoch === this.deps.node.epoch();
      if (run.phase === 'running' && !ours) this.armAbandon(run, job.spec?.grace ?? 0);
    }
    this.dispatchReady(job);
  }

  deactivate(): void {
    this.active = false;
    this.deps.timers.cancel(this.tickKey);
    for (const key of this.timerKeys ?? NONE) this.deps.timers.cancel(key);
    this.timerKeys = undefined;
    this.inFlight = undefined;
    this.announced = undefined;
  }

  armTick(job: JobState): void {
    const key = this.tickKey;
    if (!this.active || !job.spec || !job.registered || job.removed || !job.enabled) {
      this.cancelTimer(key);
      return;
    }
    const cursor = new Date(job.tickCursor ?? this.deps.clock.now());
    const next = this.deps.scheduleOf(job.spec).nextAfter(cursor);
    if (!next) {
      this.cancelTimer(key);
      return;
    }
    const ahead = activeRunIds(job).length === 0 ? (this.deps.decideAheadMs ?? 0) : 0;
    this.setTimer(key, next.getTime() - ahead, this.onTickDue);
  }

  afterEvents(job: JobState, events: readonly JobEvent[], _command: JobCommand): void {
    if (!this.active) return;
    for (const event of events) {
      switch (event.type) {
        case 'JobRegistered':
        case 'JobUpdated':
        case 'JobEnabled':
        case 'JobDisabled':
        case 'JobRemoved':
          this.armTick(job);
          break;
        case 'RetryScheduled':
          this.armRetry(event.data.nextRunId, event.data.dueAt);
          break;
        case 'RunAborted':
          this.cancelTimer(`retry:${this.jobId}:${event.data.runId}`);
          if (this.inFlight?.delete(event.data.runId)) {
            dispatch(this.deps.dispatcher, { type: 'Dequeue', runId: event.data.runId });
          }
          break;
        case 'RunAbandoned':
          this.cancelTimer(`abandon:${this.jobId}:${event.data.runId}`);
          break;
        default:
          break;
      }
    }
    this.dispatchReady(job);
  }

  started(runId: string, process: ActorRef<ProcessMsg>): void {
    (this.processes ??= new Map()).set(runId, process);
  }

  finished(job: JobState, runId: string): void {
    this.inFlight?.delete(runId);
    this.announced?.delete(runId);
    this.processes?.delete(runId);
    this.aborts?.delete(runId);
    this.dispatchReady(job);
    // The tick was armed for its own time while this run was open: now it may be decided ahead.
    if (this.deps.decideAheadMs) this.armTick(job);
  }

  /**
   * The runner refused the run (the node is stopping or fenced): it stays open and handed out,
   * and is offered again after a pause. A job still active while its runner refuses (the lease
   * was just lost) would otherwise hand it straight back, in a loop, until it is retired.
   */
  refused(runId: string): void {
    this.processes?.delete(runId);
    if (!this.active) return; // stopping or following: the restart or the next leader runs it
    this.setTimer(`refused:${this.jobId}:${runId}`, this.deps.clock.now() + REFUSED_PAUSE_MS, () =>
      dispatch(this.job.ref(), { type: 'Finished', runId, outcome: { result: 'cancelled', durationMs: 0 } }),
    );
  }

  /** Sends the SIGUSR2 ladder to a running attempt; remembers who asked for the record. */
  abortRunning(job: JobState, runId: string, by: string): void {
    const process = this.processes?.get(runId);
    if (job.openRuns[runId]?.phase !== 'running' || !process) return;
    (this.aborts ??= new Map()).set(runId, by);
    dispatch(process, { type: 'Abort', runId, reason: 'abort' });
  }

  abortedBy(runId: string): string | undefined {
    return this.aborts?.get(runId);
  }

  /**
   * Nothing but the next tick is going on: no run of the job is open, handed out or held back,
   * no retry or abandonment is pending. Then the job needs no actor until its next message.
   */
  idle(job: JobState): boolean {
    return (
      !this.inFlight?.size &&
      !this.announced?.size &&
      !this.processes?.size &&
      !this.aborts?.size &&
      !this.timerKeys?.size &&
      Object.keys(job.openRuns).length === 0 &&
      Object.keys(job.pendingRetries).length === 0
    );
  }

  inFlightIds(): string[] {
    return [...(this.inFlight ?? NONE)];
  }

  private dispatchReady(job: JobState): void {
    if (!this.active) return;
    for (const run of dispatchable(job, this.inFlight ?? NONE)) {
      const order = orderFor(job, run);
      if (!order) continue;
      (this.inFlight ??= new Set()).add(run.runId);
      dispatch(this.deps.dispatcher, { type: 'Enqueue', order, job: this.job.ref() });
    }
    this.announceWaiting(job);
  }

  /** Runs held back by the job's own overlap policy say why they wait, once. */
  private announceWaiting(job: JobState): void {
    const inFlight = this.inFlight ?? NONE;
    const busy = Object.values(job.openRuns).find((run) => run.phase === 'running' || inFlight.has(run.runId));
    if (!busy) return;
    for (const run of Object.values(job.openRuns)) {
      if (run.phase !== 'scheduled' || inFlight.has(run.runId) || this.announced?.has(run.runId)) continue;
      (this.announced ??= new Set()).add(run.runId);
      const reason = `waiting for run ${busy.runId} of this job to finish (overlap: ${job.spec?.overlap ?? 'skip'})`;
      dispatch(this.job.ref(), { type: 'Queued', runId: run.runId, position: 1, reason });
    }
  }

  private armRetry(nextRunId: string, dueAt: string): void {
    if (!this.active) return;
    this.setTimer(`retry:${this.jobId}:${nextRunId}`, Date.parse(dueAt), () =>
      dispatch(this.job.ref(), {
        type: 'Command',
        command: { type: 'RetryDue', nextRunId, at: new Date(this.deps.clock.now()).toISOString() },
      }),
    );
  }

  private armAbandon(run: OpenRun, graceMs: number): void {
    const reason = `node ${run.nodeId ?? 'unknown'} (epoch ${run.epoch ?? '?'}) stopped before the run finished`;
    this.setTimer(`abandon:${this.jobId}:${run.runId}`, this.deps.clock.now() + this.deps.leaseTtlMs + graceMs + ABANDON_MARGIN_MS, () =>
      dispatch(this.job.ref(), {
        type: 'Command',
        command: {
          type: 'Abandon',
          runId: run.runId,
          nodeId: run.nodeId ?? 'unknown',
          epoch: run.epoch ?? 0,
          reason,
          at: new Date(this.deps.clock.now()).toISOString(),
        },
      }),
    );
  }

  private setTimer(key: string, at: number, callback: () => void): void {
    if (key === this.tickKey) {
      this.deps.timers.schedule(key, at, callback);
      return;
    }
    (this.timerKeys ??= new Set()).add(key);
    this.deps.timers.schedule(key, at, () => {
      this.timerKeys?.delete(key);
      callback();
    });
  }

  private cancelTimer(key: string): void {
    this.timerKeys?.delete(key);
    this.deps.timers.cancel(key);
  }
}
