/**
 * One persistent actor per job, the only writer of its `job-<id>` stream (with the tick
 * batcher, in turns). It asks the pure decider what happens, persists the events at the
 * stream's expected revision, then performs what they imply: arm the next tick, hand runs to
 * the dispatcher, arm retries. During recovery it only evolves state: no timer, no dispatch,
 * no process. An idle job's actor stops and a new one starts when needed (see `JobCell`).
 */
import { FencedError, UnavailableError, type TimecloudError } from '../src/errors.js';
import type { JobEvent } from '../src/domain/events.js';
import type { JobCommand } from '../src/domain/job-commands.js';
import { decide } from '../src/domain/job-decider.js';
import { evolve, initialJobState, type JobState } from '../src/domain/job-state.js';
import type { RecoveredMessage } from '../src/store/nact-persistence.js';
import { idleTimerKey, JobCell, type JobActorSpawner } from './job-cell.js';
import { JobEffects, type JobActorDeps } from './job-effects.js';
import { recordEvents, type JobActorState } from './job-record.js';
import type { CommandReply, JobInspection, JobMsg } from './messages.js';
import { dispatch, reply, spawnPersistentActor, stopActor, waitingMessages, type ActorRef, type PersistentContext } from './nact.js';

export type { JobActorDeps } from './job-effects.js';
export type { JobActorState } from './job-record.js';

/** How long an internal message waits before it is tried again when the store is unavailable. */
const STORE_RETRY_MS = 500;

/** How long a job's actor may sit idle before it is stopped (see `JobCell`). */
export const IDLE_ACTOR_MS = 30_000;

export const jobStream = (jobId: string) => `job-${jobId}`;

function isRecovered(message: JobMsg | RecoveredMessage, ctx: PersistentContext<JobMsg>): message is RecoveredMessage {
  return ctx.recovering;
}

/** What a fresh job actor starts from, before its stream is replayed. */
function initialState(jobId: string): JobActorState {
  return { job: initialJobState(jobId), sinceSnapshot: 0 };
}

const decodeSnapshot = (data: unknown): JobActorState => ({ job: data as JobState, sinceSnapshot: 0 });

/**
 * The behaviour of one job actor. A class rather than closures: a node holds one per job, and
 * the dozen closures (with their contexts) each actor had were ~900 bytes of heap per job.
 */
class JobActor {
  private retrySeq = 0;
  /** Set when this incarnation stops for being idle, not because the job is let go. */
  private passivating = false;

  constructor(
    private readonly cell: JobCell,
    private readonly deps: JobActorDeps,
  ) {}

  /** Stopped: a job let go cancels its timers; a passivated one keeps them in its cell. */
  afterStop(state: JobActorState): void {
    if (!this.passivating) (this.cell.state ?? state).effects?.deactivate();
  }

  /**
   * Notes the activity and makes sure a timer will look at the job once it has been idle for
   * `idleActorMs`. One timer per job at a time: a busy job's messages only move its
   * `lastActive`, and the timer, when it fires early, waits for the rest.
   */
  private noteActivity(): void {
    const { deps, cell } = this;
    const after = deps.idleActorMs ?? IDLE_ACTOR_MS;
    if (this.passivating || !Number.isFinite(after)) return;
    cell.lastActive = deps.clock.now();
    const key = idleTimerKey(cell.jobId);
    if (deps.timers.has(key)) return;
    // The job's timer, not this incarnation's: whichever actor the job has when it fires is asked.
    const check = (): void => {
      if (!cell.hasActor) return;
      const due = cell.lastActive + after;
      if (deps.clock.now() < due) deps.timers.schedule(key, due, check);
      else dispatch(cell.ref(), { type: 'Passivate' });
    };
    deps.timers.schedule(key, cell.lastActive + after, check);
  }

  private passivate(state: JobActorState, ctx: PersistentContext<JobMsg>): void {
    const effects = state.effects;
    if (!effects?.active || !effects.idle(state.job)) return;
    // A message already waiting would be lost with this actor (stopping drops the mailbox),
    // or reach the next one after messages sent later. The check and the stop are one step.
    if (waitingMessages(ctx.self) > 0) return;
    this.passivating = true;
    this.cell.passivated(ctx.self);
    stopActor(ctx.self);
  }

  receive(state: JobActorState, message: JobMsg | RecoveredMessage, ctx: PersistentContext<JobMsg>): JobActorState | Promise<JobActorState> {
    if (isRecovered(message, ctx)) {
      const job = evolve(state.job, message as unknown as JobEvent, { epoch: message.metadata.epoch });
      return { ...state, job, sinceSnapshot: state.sinceSnapshot + 1 };
    }
    return this.live(state, message, ctx);
  }

  private persist(state: JobActorState, events: JobEvent[]): Promise<JobActorState> {
    return recordEvents(this.deps, this.cell.key, state, events);
  }

  /** Decides, persists, performs. Errors of the decision go back to the asker, not up. */
  private async execute(state: JobActorState, command: JobCommand, ctx: PersistentContext<JobMsg>): Promise<JobActorState> {
    let events: JobEvent[];
    try {
      events = decide(command, state.job, this.deps);
    } catch (error) {
      const err = error as TimecloudError;
      reply<CommandReply>(ctx, { ok: false, code: err.code ?? 'INTERNAL', message: err.message });
      return state;
    }
    const next = await this.persist(state, events);
    reply<CommandReply>(ctx, { ok: true, events });
    next.effects?.afterEvents(next.job, events, command);
    return next;
  }

  private async handle(state: JobActorState, message: JobMsg, ctx: PersistentContext<JobMsg>): Promise<JobActorState> {
    const { deps, cell } = this;
    const effects = state.effects ?? new JobEffects(cell.jobId, cell, deps, () => deps.ticks.add(cell));
    state = state.effects ? state : { ...state, effects };
    const now = () => new Date(deps.clock.now()).toISOString();
    switch (message.type) {
      case 'Command':
        if (message.command.type === 'Abort') effects.abortRunning(state.job, message.command.runId, message.command.by);
        return this.execute(state, message.command, ctx);
      case 'Activate':
        effects.activate(state.job);
        reply(ctx, true);
        return state;
      case 'Deactivate':
        effects.deactivate();
        reply(ctx, true);
        return state;
      case 'TickDue': {
        if (!effects.active) return state; // a timer of a deactivated (or reset) incarnation
        const next = await this.execute(state, { type: 'Tick', now: now(), aheadMs: deps.decideAheadMs ?? 0 }, ctx);
        effects.armTick(next.job);
        return next;
      }
      case 'Started': {
        const { runId, pid, slot, process, releaseAt } = message;
        const command: JobCommand = {
          type: 'RecordStarted',
          runId,
          pid,
          slot,
          nodeId: deps.node.nodeId,
          host: deps.node.host,
          at: now(),
          ...(releaseAt === undefined ? {} : { releaseAt }),
        };
        let events: JobEvent[];
        try {
          events = decide(command, state.job, deps);
        } catch (error) {
          reply(ctx, { go: false, reason: (error as Error).message });
          return state;
        }
        const next = await this.persist(state, events);
        effects.started(runId, process);
        reply(ctx, { go: true });
        return next;
      }
      case 'Queued':
        return this.execute(state, { type: 'RecordQueued', runId: message.runId, position: message.position, reason: message.reason, at: now() }, ctx);
      case 'Signalled':
        return this.execute(state, { type: 'RecordSignalled', runId: message.runId, signal: message.signal, reason: message.reason, at: now() }, ctx);
      case 'Finished': {
        const { runId, outcome } = message;
        if (outcome.result === 'cancelled') {
          if (outcome.refused) {
            deps.log.info({ runId, reason: outcome.refused }, 'run not started: the runner takes no new runs; it stays open');
            effects.refused(runId);
          } else effects.finished(state.job, runId);
          reply(ctx, true);
          return state;
        }
        const by = effects.abortedBy(runId);
        const next = await this.execute(state, { type: 'RecordResult', runId, outcome, by, at: now() }, ctx);
        effects.finished(next.job, runId);
        return next;
      }
      case 'Inspect':
        reply<JobInspection>(ctx, { state: state.job, active: effects.active, inFlight: effects.inFlightIds() });
        return state;
      case 'Passivate':
        this.passivate(state, ctx);
        return state;
      default: {
        const unknown: never = message;
        return unknown;
      }
    }
  }

  /** A live message, handled while this actor holds the job's turn (see `JobCell`). */
  private async live(state: JobActorState, message: JobMsg, ctx: PersistentContext<JobMsg>): Promise<JobActorState> {
    const { cell } = this;
    await cell.acquire();
    try {
      const next = await this.guarded(cell.state ?? state, message, ctx);
      cell.state = next;
      return next;
    } catch (error) {
      cell.state = undefined; // the actor recovers from its stream; so must whoever reads the cell
      throw error;
    } finally {
      cell.free();
      this.noteActivity();
    }
  }

  private async guarded(state: JobActorState, message: JobMsg, ctx: PersistentContext<JobMsg>): Promise<JobActorState> {
    const { deps } = this;
    const { jobId } = this.cell;
    try {
      return await this.handle(state, message, ctx);
    } catch (error) {
      const err = error as TimecloudError;
      reply<CommandReply>(ctx, { ok: false, code: err.code ?? 'INTERNAL', message: err.message });
      if (!(error instanceof UnavailableError)) throw error; // e.g. another writer: recover from the stream
      // Fenced: the next leader rebuilds this job from the store; nothing here may be written.
      if (error instanceof FencedError) return state;
      // The store is down: internal messages are tried again later, so no run's result is lost.
      if (message.type !== 'Command' && message.type !== 'Inspect') {
        deps.log.warn({ jobId, message: message.type }, 'store unavailable; retrying the message');
        deps.timers.schedule(`store-retry:${jobId}:${this.retrySeq++}`, deps.clock.now() + STORE_RETRY_MS, () =>
          dispatch(this.cell.ref(), message),
        );
      }
      return state;
    }
  }
}

/**
 * Starts incarnations of job actors under `parent` (see `JobCell`): each job's actor is named
 * `nameOf(jobId)` whichever incarnation it is, so a reference to it stays good across them.
 */
export function jobActorSpawner(parent: ActorRef<unknown>, nameOf: (jobId: string) => string): JobActorSpawner {
  return (cell) => {
    const { deps, jobId, key } = cell;
    const actor = new JobActor(cell, deps);
    return spawnPersistentActor<JobActorState, JobMsg>(parent, (state, message, ctx) => actor.receive(state, message, ctx), key, nameOf(jobId), {
      initialState: initialState(jobId),
      childless: true,
      snapshotDecoder: decodeSnapshot,
      onCrash: (_message, error, ctx) => {
        deps.log.error({ err: error, jobId }, 'job actor crashed; it recovers from its stream');
        deps.engine.forget(key);
        return ctx.escalate;
      },
      afterStop: (state) => actor.afterStop(state),
    });
  };
}

/** A job of this node, with its actor started: it recovers the job from its stream. */
export function startJob(jobId: string, deps: JobActorDeps, spawner: JobActorSpawner): JobCell {
  const cell = new JobCell(jobId, jobStream(jobId), deps, spawner);
  cell.ref();
  return cell;
}
