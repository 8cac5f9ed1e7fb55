/**
 * The supervisor: owns the dispatcher and one job actor per job. It turns what the scanner finds
 * into job commands, lists its job actors in a directory through which the API addresses them,
 * starts and stops scheduling with leadership, and decides what happens when a child crashes (a
 * job actor is reset: it recovers from its stream and, when this node leads, is activated again).
 */
import { createHash } from 'node:crypto';
import { streams } from '../src/domain/events.js';
import { decisionEventId } from '../src/domain/ids.js';
import type { EventStore } from '../src/store/event-store.js';
import type { Logger } from '../src/log.js';
import type { JobActorSpawner, JobCell } from './job-cell.js';
import { jobActorSpawner, startJob, type JobActorDeps } from './job.actor.js';
import type { ConfigChange, DispatcherMsg, JobMsg, SupervisorMsg } from './messages.js';
import { dispatch, reply, spawnActor, type ActorRef, type CrashPolicy } from './nact.js';

export interface SupervisorDeps {
  store: EventStore;
  log: Logger;
  /** Builds the dispatcher (and its slots) as a child of the supervisor. */
  spawnDispatcher(parent: ActorRef<SupervisorMsg>): ActorRef<DispatcherMsg>;
  /** Everything a job actor needs but the dispatcher, which the supervisor creates. */
  jobDeps: Omit<JobActorDeps, 'dispatcher'>;
  /**
   * Where the supervisor lists its live job actors, for callers outside the actor system (the API)
   * to address a job actor directly. Only the supervisor writes it. Asking the supervisor instead
   * costs a copy of its 10,000 children per message (nact copies them into every context).
   */
  directory?: Map<string, JobCell>;
}

interface SupervisorState {
  jobs: Map<string, JobCell>;
  leader: boolean;
  dispatcher?: ActorRef<DispatcherMsg>;
  jobDeps?: JobActorDeps;
  spawner?: JobActorSpawner;
}

/** A valid nact actor name for a job id, unique per id. */
export function actorNameFor(jobId: string): string {
  const readable = jobId.replace(/[^a-z0-9-_.]/gi, '_').slice(0, 60);
  const hash = createHash('sha1').update(jobId).digest('hex').slice(0, 8);
  return `job-${readable}-${hash}`;
}

export function spawnSupervisor(parent: ActorRef<unknown>, deps: SupervisorDeps): ActorRef<SupervisorMsg> {
  const log = deps.log;

  function ensureJob(state: SupervisorState, jobId: string): ActorRef<JobMsg> {
    let cell = state.jobs.get(jobId);
    if (!cell) {
      cell = startJob(jobId, state.jobDeps!, state.spawner!);
      state.jobs.set(jobId, cell);
      if (state.leader) dispatch(cell.ref(), { type: 'Activate' });
    }
    return cell.ref();
  }

  async function applyConfig(state: SupervisorState, change: ConfigChange): Promise<void> {
    const at = new Date(deps.jobDeps.clock.now()).toISOString();
    const command = (jobId: string, cmd: Extract<JobMsg, { type: 'Command' }>['command']) =>
      dispatch(ensureJob(state, jobId), { type: 'Command', command: cmd });

    for (const spec of change.upserted) command(spec.id, { type: 'Register', spec, at });
    for (const rejection of change.rejected) {
      if (rejection.jobId) {
        command(rejection.jobId, { type: 'Reject', file: rejection.file, job: rejection.job, field: rejection.field, message: rejection.message, at });
      } else {
        await recordFileRejection(rejection, at);
      }
    }
    for (const removal of change.removed) {
      if (state.jobs.has(removal.jobId)) command(removal.jobId, { type: 'Remove', file: removal.file, reason: removal.reason, at });
    }
  }

  /** A file that is not even JSON belongs to no job: its rejection goes to the package's config stream. */
  async function recordFileRejection(rejection: ConfigChange['rejected'][number], at: string): Promise<void> {
    const pkg = rejection.file.split('/').slice(-2, -1)[0] ?? 'unknown';
    const id = decisionEventId('JobRejected', rejection.file, rejection.message);
    await deps.store.append(streams.config(pkg), [
      { id, type: 'JobRejected', data: { file: rejection.file, field: rejection.field, message: rejection.message, keptPrevious: true, at } },
    ]);
  }

  // A crashed job actor is reset: it recovers from its stream and, while this node leads, is
  // activated again (the Activate waits in its mailbox until recovery is over).
  let leading = false;
  const onCrash: CrashPolicy = (_message, error, ctx, child) => {
    if (!child) {
      log.error({ err: error }, 'supervisor failed to handle a message; it carries on');
      return ctx.resume;
    }
    if (leading) dispatch(child as ActorRef<JobMsg>, { type: 'Activate' });
    return ctx.resetChild;
  };

  return spawnActor<SupervisorState, SupervisorMsg>(
    parent,
    async (state, message, ctx) => {
      if (!state.dispatcher) {
        state.dispatcher = deps.spawnDispatcher(ctx.self);
        state.jobDeps = { ...deps.jobDeps, dispatcher: state.dispatcher };
        state.spawner = jobActorSpawner(ctx.self, actorNameFor);
      }
      switch (message.type) {
        case 'Config':
          if (!state.leader) return state; // only a leader's watcher reports; a late report is moot
          try {
            await applyConfig(state, message.change);
          } catch (error) {
            log.error({ err: error }, 'could not apply the jobs folder changes');
          }
          return state;
        case 'Lead':
          state.leader = leading = true;
          for (const jobId of message.jobIds) ensureJob(state, jobId);
          reply(ctx, true);
          return state;
        case 'Follow':
          state.leader = leading = false;
          for (const cell of state.jobs.values()) cell.retire();
          state.jobs.clear();
          dispatch(state.dispatcher, { type: 'Clear' });
          reply(ctx, true);
          return state;
        case 'Quiesce':
          state.leader = leading = false;
          for (const cell of state.jobs.values()) cell.deactivate();
          // The stop takes the running jobs down, which frees their slots: a waiting run must not
          // take one. It stays open in its job's stream, for the next leader to run.
          dispatch(state.dispatcher, { type: 'Clear' });
          reply(ctx, true);
          return state;
        case 'Sync':
          reply(ctx, true);
          return state;
        case 'Dispatcher':
          reply(ctx, state.dispatcher);
          return state;
        default: {
          const unknown: never = message;
          return unknown;
        }
      }
    },
    'supervisor',
    {
      initialState: { jobs: deps.directory ?? new Map(), leader: false },
      onCrash,
    },
  );
}
