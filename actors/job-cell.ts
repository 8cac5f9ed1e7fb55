/**
 * What a job actor shares with the tick batcher: the job's current live state and a turn that
 * only one of them holds at a time. The actor holds it for each live message it handles; the
 * batcher holds it from a tick's decision until the decision is stored and its effects are
 * done. So the job's stream still has one writer at a time, and each decision sees the state
 * the previous one left.
 */
import type { JobActorDeps } from './job-effects.js';
import type { JobActorState } from './job-record.js';
import type { JobMsg } from './messages.js';
import type { ActorRef } from './nact.js';

export class JobCell {
  /**
   * The state after the last live message or batched tick. Undefined until the actor has
   * handled its first live message (recovery is over), and again after a crash: the actor then
   * recovers from its stream and the batcher leaves the job to it.
   */
  state?: JobActorState;
  private held?: Promise<void>;
  private release?: () => void;

  /** The job actor; set once it is spawned. */
  self!: ActorRef<JobMsg>;

  constructor(
    readonly jobId: string,
    /** The job's stream, `job-<id>`. */
    readonly key: string,
    readonly deps: JobActorDeps,
  ) {}

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
