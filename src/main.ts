/**
 * The composition root: builds one timecloud node from its configuration — store, launcher,
 * actors, leader lease, jobs-folder watcher — and returns a handle to control and stop it.
 */
import { hostname } from 'node:os';
import { spawnDispatcher } from '../actors/dispatcher.actor.js';
import type { JobCell } from '../actors/job-cell.js';
import type { CommandReply, DispatcherInspection, JobInspection, JobMsg, SupervisorMsg } from '../actors/messages.js';
import { query, startSystem, stopActor, type ActorRef } from '../actors/nact.js';
import { spawnProcessSlot } from '../actors/process.actor.js';
import { spawnSupervisor } from '../actors/supervisor.actor.js';
import { TickBatcher } from '../actors/tick-batch.js';
import { loadAlertsConfig } from './alerts/alert-config.js';
import { attachAlerting } from './alerts/node-alerting.js';
import { systemClock, type Clock } from './clock.js';
import { JobStatesFollower } from './cluster/job-states-follower.js';
import { LeaderLease } from './cluster/leader-lease.js';
import { Leadership } from './cluster/leadership.js';
import { scheduleOfSpec } from './config/cron.js';
import type { NodeConfig } from './config/node-config.js';
import { ensureNodeId } from './config/node-id.js';
import type { JobCommand } from './domain/job-commands.js';
import { randomId } from './domain/ids.js';
import { startDashboard, type DashboardTuning, type NodeHttp } from './http/dashboard.js';
import { ConflictError, NotFoundError, TimecloudError, UnavailableError, ValidationError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { startSupervisedLauncher, type Runner } from './runner/runner.js';
import { LiveLogBus } from './runlog/run-log-writer.js';
import type { EventStore } from './store/event-store.js';
import { JOB_SNAPSHOT_VERSION } from './store/job-streams.js';
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
  /** Stop a job's actor after it has been idle this long (see `JobCell`). @defaultValue 30 s */
  idleActorMs?: number;
  /** Where alert channel secrets are read (`keyEnv`, `TIMECLOUD_WECOM_WEBHOOK`). @defaultValue process.env */
  env?: Record<string, string | undefined>;
  /** The admin token of the API (`TIMECLOUD_TOKEN`). @defaultValue `<data>/token`, generated at first start */
  token?: string;
  /** Dashboard and API settings (tests shrink them). */
  http?: DashboardTuning;
}

export interface TimecloudNode {
  readonly nodeId: string;
  readonly store: EventStore;
  readonly config: NodeConfig;
  readonly lease: LeaderLease;
  readonly live: LiveLogBus;
  readonly log: Logger;
  /** Resolves once this node leads and has applied its first scan of the jobs folder. */
  leading(): Promise<void>;
  /** The API and dashboard server, its projections and metrics. */
  readonly http: NodeHttp;
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

export async function startNode(options: StartNodeOptions): Promise<TimecloudNode> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger({ level: config.logLevel });
  // ---- alerts (issue 6): checked before anything starts ----
  const alertsConfig = loadAlertsConfig(config.alerts, {
    env: options.env ?? process.env,
    label: config.configFile ? `${config.configFile}: alerts` : 'alerts',
  });
  const nodeId = config.nodeId ?? ensureNodeId(config.data);
  const host = hostname();
  const opened = await openStore(config.store);
  // Listening before the lease starts, so the lease announces the real URL.
  const dashboard = await startDashboard({ config, nodeId, store: opened, log, clock, token: options.token, ...options.http }).catch(async (error: unknown) => {
    await opened.close();
    throw error;
  });
  const store = dashboard.store;
  const runner = options.runner ?? (await startSupervisedLauncher({ log, onRestart: () => dashboard.metrics.onLauncherRestart() }));
  const live = new LiveLogBus();
  const timers = new TimerQueue(clock);
  const lease = new LeaderLease({ store, nodeId, url: dashboard.url, ttlMs: config.leaseTtl, clock, log });
  const follower = new JobStatesFollower(store, log);
  await follower.start();
  const engine = new StorePersistenceEngine(store, { snapshotVersion: JOB_SNAPSHOT_VERSION, warm: (key) => follower.warm(key) });
  const system = startSystem(`timecloud-${nodeId.replace(/[^a-z0-9-]/gi, '-')}`, engine);
  const onCrash = (_m: unknown, error: unknown, ctx: { resetChild: symbol; reset: symbol }, child?: unknown) => {
    log.error({ err: error }, 'actor crashed; resetting it');
    return child ? ctx.resetChild : ctx.reset;
  };

  const jobActors = new Map<string, JobCell>();
  const recording = new Set<Promise<void>>();
  dashboard.metrics.countJobs(() => {
    let actors = 0;
    for (const cell of jobActors.values()) if (cell.hasActor) actors += 1;
    return { jobs: jobActors.size, actors };
  });
  const supervisor: ActorRef<SupervisorMsg> = spawnSupervisor(system, {
    directory: jobActors,
    store,
    log,
    spawnDispatcher: (parent) =>
      spawnDispatcher(parent, {
        slots: config.slots,
        log,
        onCrash,
        onChange: (state) => dashboard.metrics.onDispatcherChange(state),
        spawnSlot: (dispatcher, index) =>
          spawnProcessSlot(dispatcher, index, {
            runner,
            store,
            clock,
            log,
            live,
            logLimitBytes: config.logLimit,
            onCrash,
            recording,
            canWrite: () => lease.canWrite(),
          }),
      }),
    jobDeps: {
      engine,
      timers,
      ticks: new TickBatcher(engine),
      clock,
      log,
      node: { nodeId, host, epoch: () => lease.currentEpoch, canWrite: () => lease.canWrite() },
      scheduleOf: scheduleOfSpec,
      snapshotEvery: options.snapshotEvery ?? 200,
      ...(options.idleActorMs === undefined ? {} : { idleActorMs: options.idleActorMs }),
      decideAheadMs: config.decideAhead,
      leaseTtlMs: lease.ttlMs,
      onPersisted: (events) => dashboard.metrics.onJobEvents(events, clock.now()),
    },
  });

  const leadership = new Leadership({ lease, supervisor, runner, follower, jobsDir: config.jobs, clock, log });

  // ---- alerts (issue 6): the subscriber runs while this node holds the lease ----
  const alerting = attachAlerting({ store, lease, config: alertsConfig, log, clock, nodeId, dashboardUrl: dashboard.url });

  /** A job actor of this leader, addressed directly (see `SupervisorDeps.directory`). */
  async function jobActor(jobId: string): Promise<ActorRef<JobMsg>> {
    let cell = jobActors.get(jobId);
    if (!cell) {
      // A miss may be a `Lead` still in the supervisor's mailbox: look again once it was handled.
      await syncDirectory();
      cell = jobActors.get(jobId);
    }
    if (!cell) throw new NotFoundError(`no job "${jobId}"`);
    return cell.ref(); // an idle job's actor is started again (see `JobCell`)
  }
  const syncDirectory = () => query<SupervisorMsg, true>(supervisor, { type: 'Sync' }, QUERY_TIMEOUT_MS);

  async function command(jobId: string, cmd: JobCommand): Promise<CommandReply> {
    const answer = await query<JobMsg, CommandReply>(await jobActor(jobId), { type: 'Command', command: cmd }, QUERY_TIMEOUT_MS).catch(
      (error: Error): CommandReply => ({ ok: false, code: 'UNAVAILABLE', message: error.message }),
    );
    if (!answer.ok) throw (ERRORS[answer.code] ?? ((m: string) => new TimecloudError('STORE', m)))(answer.message);
    return answer;
  }
  const now = () => new Date(clock.now()).toISOString();

  let stopping: Promise<void> | undefined;
  async function stop(): Promise<void> {
    await dashboard.close();
    await leadership.quiesce();
    await runner.shutdown('shutdown');
    // Let the slots report the aborted runs so their retries are recorded before the lease goes.
    const deadline = clock.now() + 10_000;
    while (clock.now() < deadline) {
      const state = await inspectDispatcher().catch(() => undefined);
      if (!state || state.slots.every((slot) => slot === null)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // A freed slot's last result may still be on its way to the store.
    let cap: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(recording), new Promise((resolve) => (cap = setTimeout(resolve, Math.max(0, deadline - clock.now()))))]);
    clearTimeout(cap);
    await alerting.stop(); // alerts (issue 6)
    await lease.stop();
    await follower.stop();
    timers.close();
    stopActor(system);
    if (!options.runner) await runner.close();
    await dashboard.stop();
    await store.close();
  }

  let dispatcherRef: ActorRef<unknown> | undefined;
  async function inspectDispatcher(): Promise<DispatcherInspection> {
    dispatcherRef ??= await query<SupervisorMsg, ActorRef<unknown>>(supervisor, { type: 'Dispatcher' }, QUERY_TIMEOUT_MS);
    return query(dispatcherRef as ActorRef<{ type: 'Inspect' }>, { type: 'Inspect' }, QUERY_TIMEOUT_MS);
  }

  const node: TimecloudNode = {
    nodeId,
    store,
    config,
    lease,
    live,
    log,
    leading: () => leadership.leading(),
    http: dashboard,
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
      return query<JobMsg, JobInspection>(await jobActor(jobId), { type: 'Inspect' }, QUERY_TIMEOUT_MS);
    },
    inspectDispatcher,
    jobIds: async () => {
      await syncDirectory();
      return [...jobActors.keys()];
    },
    stop: () => (stopping ??= stop()),
  };
  dashboard.attachNode(node);
  await lease.start();
  return node;
}
