/**
 * One job of a leading node, for as long as the node knows the job: its live state, its
 * effects (timers, runs handed out) and its actor. Two things act on a job: its actor, which
 * handles its messages, and the tick batcher, which decides its cron ticks (see `TickBatcher`).
 * Only one of them holds the job's turn at a time, so the job's stream keeps one writer and each
 * decision sees the state the previous one left.
 *
 * A job's actor exists while the job has something going on. Most jobs of a big node are idle
 * most of the time — between two ticks that need nothing but the batcher — and an actor is the
 * larger part of an idle job's memory (~1.3 KiB: nact's actor, mailbox, references, timers). So
 * an actor idle for a while is stopped (passivated), and the next message for the job starts a
 * new one from the state kept here, without reading the store. Its stream, state, timers and
 * identity are the job's, not the incarnation's: nothing else tells the difference.
 */
import type { JobActorDeps } from './job-effects.js';
import type { JobActorState } from './job-record.js';
import type { JobMsg } from './messages.js';
import { dispatch, stopActor, type ActorRef } from './nact.js';

/** The timer that looks whether a job's actor has been idle long enough to stop. */
export const idleTimerKey = (jobId: string) => `idle:${jobId}`;

/** Starts an incarnation of a job's actor. */
export type JobActorSpawner = (cell: JobCell) => ActorRef<JobMsg>;

export class JobCell {
  /**
   * The state after the last live message or batched tick. Undefined until the actor has
   * handled its first live message (recovery is over), and again after a crash: the actor then
   * recovers from its stream and the batcher leaves the job to it.
   */
  state?: JobActorState;
  private held?: Promise<void>;
  private release?: () => void;
  /** When the job's actor last handled a message (clock ms). */
  lastActive = 0;
  /** The job's actor: the current incarnation, or the last one while the job has none. */
  private actor!: ActorRef<JobMsg>;
  /** True while `actor` runs. */
  private running = false;
  /** Let go by the node (it stopped leading): no actor is started for it any more. */
  private retired = false;

  constructor(
    readonly jobId: string,
    /** The job's stream, `job-<id>`. */
    readonly key: string,
    readonly deps: JobActorDeps,
    private readonly spawn: JobActorSpawner,
  ) {}

  /**
   * The job's actor, started (from the state kept here) if it has none. A retired job gets its
   * last actor, which is stopped: what is sent to it is dropped, as it was before passivation
   * existed (a late timer of a node that no longer leads must not bring a job back to life).
   */
  ref(): ActorRef<JobMsg> {
    if (!this.running && !this.retired) {
      if (this.state !== undefined) this.deps.engine.resume(this.key, this.state.job);
      this.actor = this.spawn(this);
      this.running = true;
    }
    return this.actor;
  }

  /** True while an incarnation of the actor runs. */
  get hasActor(): boolean {
    return this.running;
  }

  /** The actor `ref` stops for being idle: the next message starts a new one. */
  passivated(ref: ActorRef<JobMsg>): void {
    if (this.actor === ref) this.running = false;
  }

  /** Stops scheduling the job (this node stops leading or shuts down); the actor stays. */
  deactivate(): void {
    if (this.running) dispatch(this.actor, { type: 'Deactivate' });
    else this.state?.effects?.deactivate();
  }

  /** Lets the job go: its actor is stopped, its timers cancelled, and no actor starts again. */
  retire(): void {
    this.retired = true;
    if (this.running) stopActor(this.actor); // which deactivates the job's effects
    else this.state?.effects?.deactivate();
    this.running = false;
    this.deps.timers.cancel(idleTimerKey(this.jobId));
    // Whoever leads this job next recovers it from the store, never from what is kept here.
    this.deps.engine.forget(this.key);
  }

  get busy(): boolean {
    return this.held !== undefined;
  }

  /** Takes the turn now if nobody holds it; true when taken. */
  tryHold(): boolean {
    if (this.held) return false;
    this.held = new Promise((resolve) => (this.release = resolve));
    return true;
  }

  /** Takes the turn once nobody holds it (the check and the taking happen in one step). */
  async acquire(): Promise<void> {
    while (this.held) await this.held;
    this.tryHold();
  }

  free(): void {
    const release = this.release;
    this.held = this.release = undefined;
    release?.();
  }
}
