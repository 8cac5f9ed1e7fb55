/**
 * The composition root: builds one timecloud node from its configuration — store, launcher,
 * actors, leader lease, jobs-folder watcher — and returns a handle to control and stop it.
 */
import { hostname } from 'node:os';
import { spawnDispatcher } from '../actors/dispatcher.actor.js';
import type { CommandReply, DispatcherInspection, JobInspection, JobMsg, SupervisorMsg } from '../actors/messages.js';
import { dispatch, query, startSystem, stopActor, type ActorRef } from '../actors/nact.js';
import { spawnProcessSlot } from '../actors/process.actor.js';
import { spawnSupervisor } from '../actors/supervisor.actor.js';
import { systemClock, type Clock } from './clock.js';
import { LeaderLease } from './cluster/leader-lease.js';
import { compileSchedule } from './config/cron.js';
import type { NodeConfig } from './config/node-config.js';
import { ensureNodeId } from './config/node-id.js';
import { watchJobsFolder, type JobsDiff, type JobsWatcher } from './config/watcher.js';
import type { JobCommand } from './domain/job-commands.js';
import type { JobSpec } from './domain/job-spec.js';
import { randomId } from './domain/ids.js';
import { ConflictError, NotFoundError, TimecloudError, UnavailableError, ValidationError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { startLauncher, type Runner } from './runner/runner.js';
import { LiveLogBus } from './runlog/run-log-writer.js';
import type { EventStore } from './store/event-store.js';
import { JOB_SNAPSHOT_VERSION, listJobIds, loadJobState } from './store/job-streams.js';
import { StorePersistenceEngine } from './store/nact-persistence.js';
import { openStore } from './store/open-store.js';
import { TimerQueue } from './timer-queue.js';

export interface StartNodeOptions {
  config: NodeConfig;
  clock?: Clock;
  log?: Logger;
  /** Executes runs; by default a launcher process is started (and closed with the node). */
  runner?: Runner;
  /** Snapshot a job's state after this many events. @defaultValue 200 */
  snapshotEvery?: number;
}

export interface TimecloudNode {
  readonly nodeId: string;
  readonly store: EventStore;
  readonly config: NodeConfig;
  readonly lease: LeaderLease;
  readonly live: LiveLogBus;
  readonly log: Logger;
  /** Resolves once the first scan of the jobs folder reached the job actors. */
  readonly ready: Promise<void>;
  trigger(jobId: string, by?: string, runId?: string): Promise<{ runId: string }>;
  abort(jobId: string, runId: string, by?: string): Promise<void>;
  enable(jobId: string, by?: string): Promise<void>;
  disable(jobId: string, by?: string): Promise<void>;
  inspectJob(jobId: string): Promise<JobInspection>;
  inspectDispatcher(): Promise<DispatcherInspection>;
  jobIds(): Promise<string[]>;
  /** Stops scheduling, aborts running jobs (their retries are recorded), releases the lease. */
  stop(): Promise<void>;
}

const QUERY_TIMEOUT_MS = 30_000;

const ERRORS: Record<string, (message: string) => TimecloudError> = {
  NOT_FOUND: (m) => new NotFoundError(m),
  CONFLICT: (m) => new ConflictError(m),
  VALIDATION: (m) => new ValidationError(m),
  UNAVAILABLE: (m) => new UnavailableError(m),
};

function toChange(diff: JobsDiff) {
  return {
    upserted: [...diff.registered, ...diff.updated.map((u) => u.spec)],
    removed: diff.removed,
    rejected: diff.rejected,
  };
}

/** Specs of the jobs the store knows and has not removed: what the first scan is compared with. */
async function storedSpecs(store: EventStore): Promise<JobSpec[]> {
  const specs: JobSpec[] = [];
  for (const jobId of await listJobIds(store)) {
    const { state } = await loadJobState(store, jobId);
    if (state.spec && state.registered && !state.removed) specs.push(state.spec);
  }
  return specs;
}

export async function startNode(options: StartNodeOptions): Promise<TimecloudNode> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger({ level: config.logLevel });
  const nodeId = config.nodeId ?? ensureNodeId(config.data);
  const host = hostname();
  const store = await openStore(config.store);
  const runner = options.runner ?? (await startLauncher());
  const live = new LiveLogBus();
  const timers = new TimerQueue(clock);
  const lease = new LeaderLease({ store, nodeId, url: `http://${config.host}:${config.port}`, ttlMs: config.leaseTtl, clock, log });
  const engine = new StorePersistenceEngine(store, { snapshotVersion: JOB_SNAPSHOT_VERSION });
  const system = startSystem(`timecloud-${nodeId.replace(/[^a-z0-9-]/gi, '-')}`, engine);
  const onCrash = (_m: unknown, error: unknown, ctx: { resetChild: symbol; reset: symbol }, child?: unknown) => {
    log.error({ err: error }, 'actor crashed; resetting it');
    return child ? ctx.resetChild : ctx.reset;
  };

  const supervisor: ActorRef<SupervisorMsg> = spawnSupervisor(system, {
    store,
    log,
    spawnDispatcher: (parent) =>
      spawnDispatcher(parent, {
        slots: config.slots,
        log,
        onCrash,
        spawnSlot: (dispatcher, index) =>
          spawnProcessSlot(dispatcher, index, { runner, store, clock, log, live, logLimitBytes: config.logLimit, onCrash }),
      }),
    jobDeps: {
      engine,
      timers,
      clock,
      log,
      node: { nodeId, host, epoch: () => lease.currentEpoch },
      scheduleOf: (spec) => compileSchedule(spec),
      snapshotEvery: options.snapshotEvery ?? 200,
      leaseTtlMs: lease.ttlMs,
    },
  });

  lease.on('acquired', ({ validUntil }) => {
    runner.fenceAt(new Date(validUntil));
    dispatch(supervisor, { type: 'SetLeader', leader: true });
  });
  lease.on('renewed', ({ validUntil }) => runner.fenceAt(new Date(validUntil)));
  lease.on('lost', () => {
    dispatch(supervisor, { type: 'SetLeader', leader: false });
    runner.fenceAt(new Date(clock.now())); // abort our runs now: another node may retry them
  });

  let watcher: JobsWatcher | undefined;
  const ready = (async () => {
    const initial = await storedSpecs(store);
    // The watcher reports only what differs from the stored jobs, so those get their actors
    // here (re-registering an unchanged spec decides no event); otherwise a restarted node
    // would never fire them again.
    dispatch(supervisor, { type: 'Config', change: { upserted: initial, removed: [], rejected: [] } });
    watcher = watchJobsFolder(config.jobs, (diff) => dispatch(supervisor, { type: 'Config', change: toChange(diff) }), {
      initial,
      onError: (error) => log.error({ err: error }, 'jobs folder watcher failed'),
    });
    await watcher.ready;
  })();
  await ready;
  await lease.start();

  async function command(jobId: string, cmd: JobCommand): Promise<CommandReply> {
    const answer = await query<SupervisorMsg, CommandReply>(supervisor, { type: 'JobCommand', jobId, command: cmd }, QUERY_TIMEOUT_MS);
    if (!answer.ok) throw (ERRORS[answer.code] ?? ((m: string) => new TimecloudError('STORE', m)))(answer.message);
    return answer;
  }
  const now = () => new Date(clock.now()).toISOString();

  let stopping: Promise<void> | undefined;
  async function stop(): Promise<void> {
    await watcher?.close();
    dispatch(supervisor, { type: 'SetLeader', leader: false });
    await runner.shutdown('shutdown');
    // Let the slots report the aborted runs so their retries are recorded before the lease goes.
    const deadline = clock.now() + 10_000;
    while (clock.now() < deadline) {
      const state = await inspectDispatcher().catch(() => undefined);
      if (!state || state.slots.every((slot) => slot === null)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await lease.stop();
    timers.close();
    stopActor(system);
    if (!options.runner) await runner.close();
    await store.close();
  }

  let dispatcherRef: ActorRef<unknown> | undefined;
  async function inspectDispatcher(): Promise<DispatcherInspection> {
    dispatcherRef ??= await query<SupervisorMsg, ActorRef<unknown>>(supervisor, { type: 'Dispatcher' }, QUERY_TIMEOUT_MS);
    return query(dispatcherRef as ActorRef<{ type: 'Inspect' }>, { type: 'Inspect' }, QUERY_TIMEOUT_MS);
  }

  return {
    nodeId,
    store,
    config,
    lease,
    live,
    log,
    ready,
    async trigger(jobId, by = 'api', runId = randomId()) {
      await command(jobId, { type: 'Trigger', runId, by, at: now() });
      return { runId };
    },
    async abort(jobId, runId, by = 'api') {
      await command(jobId, { type: 'Abort', runId, by, at: now() });
    },
    async enable(jobId, by = 'api') {
      await command(jobId, { type: 'Enable', by, at: now() });
    },
    async disable(jobId, by = 'api') {
      await command(jobId, { type: 'Disable', by, at: now() });
    },
    async inspectJob(jobId) {
      const ref = await query<SupervisorMsg, ActorRef<JobMsg> | undefined>(supervisor, { type: 'JobRef', jobId }, QUERY_TIMEOUT_MS);
      if (!ref) throw new NotFoundError(`no job "${jobId}"`);
      return query<JobMsg, JobInspection>(ref, { type: 'Inspect' }, QUERY_TIMEOUT_MS);
    },
    inspectDispatcher,
    jobIds: () => query<SupervisorMsg, string[]>(supervisor, { type: 'ListJobs' }, QUERY_TIMEOUT_MS),
    stop: () => (stopping ??= stop()),
  };
}
