/**
 * Decides the cron ticks that fall due together in one pass. At a minute boundary thousands of
 * jobs are due at the same instant; a message to each job actor cost ~45 µs of the node's one
 * thread per job (mailbox, context, promise chain) before its decision was even stored, so the
 * last of 1,000 was durable 75 ms after its tick. Here every due job whose actor is idle is
 * decided by the same pure decider, in one loop, and the appends go to the store in parts
 * of that loop (each part one group commit), so the writer stores the first while the loop
 * decides the rest. A job whose actor is busy, or that has no live state yet, gets
 * the tick as a message instead and decides it after what it is doing.
 *
 * Only live, active job actors arm ticks, so nothing here runs during recovery.
 */
import type { JobEvent } from '../src/domain/events.js';
import type { JobCommand } from '../src/domain/job-commands.js';
import { decide } from '../src/domain/job-decider.js';
import type { StorePersistenceEngine } from '../src/store/nact-persistence.js';
import type { JobCell } from './job-cell.js';
import { foldStored, prepareEvents, type JobActorState, type Prepared } from './job-record.js';
import { dispatch } from './nact.js';

/**
 * Decisions go to the store in parts of this many while the pass goes on, so the writer
 * thread commits the first ones while this thread still decides the rest: both take
 * 15–40 µs a decision on a loaded 2-core machine, and their work now overlaps instead of
 * following one another.
 */
const STORE_EVERY = 128;

export interface TickBatcherOptions {
  /** Decisions per append while a pass goes on. @defaultValue 128 */
  storeEvery?: number;
}

interface Decided {
  cell: JobCell;
  state: JobActorState;
  command: JobCommand;
  prepared: Prepared;
}

export class TickBatcher {
  /** What the batcher did so far: passes, ticks decided in them, ticks handed to job actors. */
  readonly counts = { batches: 0, decided: 0, handedOver: 0 };
  private due: JobCell[] = [];
  private flushing = false;

  private readonly storeEvery: number;

  /** @param engine the persistence engine of every job actor whose ticks come here */
  constructor(
    private readonly engine: StorePersistenceEngine,
    options: TickBatcherOptions = {},
  ) {
    this.storeEvery = options.storeEvery ?? STORE_EVERY;
  }

  /**
   * The tick of `cell`'s job is due. The ticks the timer queue fires in one turn are decided
   * together, right after that turn's callbacks.
   */
  add(cell: JobCell): void {
    this.due.push(cell);
    if (this.flushing) return;
    this.flushing = true;
    queueMicrotask(() => {
      this.flushing = false;
      const cells = this.due;
      this.due = [];
      void this.decideAll(cells);
    });
  }

  private async decideAll(cells: readonly JobCell[]): Promise<void> {
    let decided: Decided[] = [];
    const stored: Promise<void>[] = [];
    // One instant for the whole pass: these ticks fell due together and are decided together.
    const now = cells[0] ? new Date(cells[0].deps.clock.now()).toISOString() : '';
    for (const cell of cells) {
      const state = cell.state;
      const effects = state?.effects;
      if (cell.busy || !state || !effects) {
        this.handOver(cell);
        continue;
      }
      if (!effects.active) continue; // a timer of a deactivated incarnation
      const command: JobCommand = { type: 'Tick', now, aheadMs: cell.deps.decideAheadMs ?? 0 };
      let events: JobEvent[];
      try {
        events = decide(command, state.job, cell.deps);
      } catch {
        this.handOver(cell); // the actor reports it its own way
        continue;
      }
      if (events.length === 0) {
        effects.armTick(state.job);
        continue;
      }
      if (!cell.deps.node.canWrite()) continue; // fenced: nothing is written, no tick re-armed
      cell.tryHold(); // free: checked above, in this same synchronous pass
      decided.push({ cell, state, command, prepared: prepareEvents(cell.deps, events) });
      this.counts.decided += 1;
      if (decided.length === this.storeEvery) {
        stored.push(this.store(decided));
        decided = [];
      }
    }
    this.counts.batches += 1;
    if (decided.length > 0) stored.push(this.store(decided));
    await Promise.all(stored);
  }

  /** Appends the decisions of part of a pass; each is folded in once stored. Never rejects. */
  private async store(decided: readonly Decided[]): Promise<void> {
    let results: PromiseSettledResult<bigint>[];
    try {
      results = await this.engine.persistMany(decided.map(({ cell, prepared }) => ({ key: cell.key, events: prepared.stored })));
    } catch (error) {
      results = decided.map(() => ({ status: 'rejected', reason: error }));
    }
    results.forEach((result, index) => this.complete(decided[index]!, result));
  }

  private handOver(cell: JobCell): void {
    this.counts.handedOver += 1;
    dispatch(cell.ref(), { type: 'TickDue' });
  }

  /** Folds one job's stored decision in and performs its effects, as the job actor would. */
  private complete({ cell, state, command, prepared }: Decided, result: PromiseSettledResult<bigint>): void {
    if (result.status === 'rejected') {
      // The store down, another writer: the actor meets the same error on the same decision
      // and handles it as it handles every other (retry later, recover from the stream).
      cell.free();
      this.handOver(cell);
      return;
    }
    let next: JobActorState;
    try {
      next = foldStored(cell.deps, cell.key, state, prepared, result.value);
    } catch (error) {
      // Stored but not folded in: like a crashed actor, the job must recover from its stream.
      // Forgetting its revision makes the actor's next write fail, which resets it.
      cell.deps.log.error({ err: error, jobId: cell.jobId }, 'a stored tick could not be folded into the job state');
      cell.state = undefined;
      cell.deps.engine.forget(cell.key);
      cell.free();
      return;
    }
    cell.state = next;
    try {
      next.effects?.afterEvents(next.job, prepared.events, command);
      next.effects?.armTick(next.job);
    } catch (error) {
      cell.deps.log.error({ err: error, jobId: cell.jobId }, 'effects of a tick failed');
    } finally {
      cell.free();
    }
  }
}
