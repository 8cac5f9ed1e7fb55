/**
 * The alert subscriber: reads run outcomes from `$all`, asks the alert decider what they mean,
 * records the decisions in `alert-<jobId>` and hands notices to one delivery worker per channel.
 * It runs on the leader only. A restart or a new leader picks up where the decisions stop:
 * outcomes already decided are skipped (each decision names its outcome's position), notices
 * not yet settled are delivered, and every event id is deterministic, so nothing is lost or
 * recorded twice.
 */
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { decideAlert, RUN_OUTCOME_TYPES, type RunOutcome } from '../domain/alert-decider.js';
import { resolveAlertPolicy } from '../domain/alert-policy.js';
import { alreadyHandled, type AlertState } from '../domain/alert-state.js';
import type { Logger } from '../log.js';
import type { EventMetadata, EventStore, StoredEvent, Subscription } from '../store/event-store.js';
import type { AlertsConfig } from './alert-config.js';
import { composeNotice } from './alert-message.js';
import { AlertStreams } from './alert-streams.js';
import { createChannel } from './channels/create-channel.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { DeliveryWorker } from './delivery-worker.js';
import { JobSpecs, retryFollows, stderrTail } from './outcome-context.js';
import { resolveRecipients } from './recipients.js';

export interface AlertingOptions {
  store: EventStore;
  config: AlertsConfig;
  log: Logger;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** Base of run links, used when the config sets no `dashboardUrl`. */
  dashboardUrl?: string;
  /** Stored with every decision. */
  metadata?: () => EventMetadata;
  /** Names the checkpoint stream, `alertcheckpoint-<name>`. @defaultValue 'alerts' */
  name?: string;
  /** Most milliseconds between checkpoints while outcomes come in. @defaultValue 1000 */
  checkpointEvery?: number;
  /** False while this node may not act on behalf of the cluster; nothing is sent then. @defaultValue always true */
  canSend?: () => boolean;
}

export interface Alerting {
  /** Resolves once the outcomes stored before the start have been handled. */
  readonly ready: Promise<void>;
  /** Stops reading and delivering; writes a last checkpoint. Safe to call twice. */
  stop(): Promise<void>;
}

const JOB_SPEC_TYPES = ['JobRegistered', 'JobUpdated'];
const STDERR_TAIL_BYTES = 2048;

/** Starts alerting. Errors reading the store are logged and retried; it never throws. */
export function startAlerting(options: AlertingOptions): Alerting {
  const { store, config, log } = options;
  const clock = options.clock ?? systemClock;
  const name = options.name ?? 'alerts';
  const metadata = options.metadata ?? (() => ({}));
  const dashboardUrl = (config.dashboardUrl ?? options.dashboardUrl)?.replace(/\/+$/, '');
  const context = { ...(dashboardUrl ? { dashboardUrl } : {}), ...(config.timezone ? { timezone: config.timezone } : {}) };
  const startedAt = clock.now();
  const specs = new JobSpecs(store);
  let stopped = false;
  let subscription: Subscription | undefined;
  let handled: bigint | undefined;
  let checkpointed: bigint | undefined;
  let checkpointTimer: TimerHandle | undefined;
  let wakeFromPause: (() => void) | undefined;

  const workers = new Map<string, DeliveryWorker>();
  const alertStreams: AlertStreams = new AlertStreams({ store, metadata, onChange: (jobId, state) => routeNotices(jobId, state) });
  for (const channelConfig of Object.values(config.channels)) {
    const channel = createChannel(channelConfig, { clock, timeoutMs: config.delivery.timeout });
    workers.set(
      channel.name,
      new DeliveryWorker({
        channel,
        streams: alertStreams,
        clock,
        log,
        delivery: config.delivery,
        ...(options.canSend ? { canSend: options.canSend } : {}),
        compose: (notice, state) => ({
          content: composeNotice(notice, state.open?.alertId === notice.alertId ? state.open.failures : undefined, context),
          recipients: resolveRecipients(notice.raised?.maintainers ?? notice.resolved?.maintainers ?? [], config.users),
        }),
      }),
    );
  }

  /** Wakes the workers of a job's pending channels; a channel that does not exist fails its notices. */
  function routeNotices(jobId: string, state: AlertState): void {
    for (const notice of state.notices) {
      for (const channel of notice.channels) {
        const worker = workers.get(channel);
        if (worker) {
          worker.wake(jobId);
          continue;
        }
        const at = new Date(clock.now()).toISOString();
        const message = `no alert channel named "${channel}" is configured (channels: ${[...workers.keys()].join(', ') || 'none'})`;
        alertStreams
          .decide(jobId, (current) =>
            decideAlert(
              { type: 'RecordDelivery', noticeId: notice.noticeId, channel, result: { ok: false, permanent: true, message, attempts: 0 }, at },
              current,
            ),
          )
          .catch((error: unknown) => log.warn({ err: error, jobId, channel }, 'could not record an undeliverable alert'));
      }
    }
  }

  async function handleOutcome(event: StoredEvent, firstStart: boolean): Promise<void> {
    const outcome = { type: event.type, data: event.data } as RunOutcome;
    const { jobId, runId, at } = outcome.data;
    // Switching alerts on for an old store must not page people about old failures.
    if (firstStart && Date.parse(at) < startedAt - config.firstStartWindow) return;
    if (alreadyHandled(await alertStreams.state(jobId), event.position)) return;
    const spec = await specs.get(jobId);
    const policy = resolveAlertPolicy(config.policy, spec?.alerts);
    const failure = outcome.type === 'RunFailed' || outcome.type === 'RunTimedOut' || outcome.type === 'RunAbandoned';
    const follows = failure && policy.enabled && policy.notifyOn === 'final-failure' ? await retryFollows(store, event) : false;
    const tail = outcome.type === 'RunTimedOut' && policy.enabled ? await stderrTail(store, runId, STDERR_TAIL_BYTES) : undefined;
    const decided = await alertStreams.decide(jobId, (state) =>
      decideAlert(
        {
          type: 'HandleOutcome',
          outcome,
          position: event.position,
          retryFollows: follows,
          maintainers: spec?.maintainers ?? [],
          policy,
          ...(tail === undefined ? {} : { stderrTail: tail }),
        },
        state,
      ),
    );
    for (const decision of decided) log.info({ jobId, runId, alertId: decision.data.alertId, event: decision.type }, 'alert decision');
  }

  async function checkpoint(): Promise<void> {
    if (handled === undefined || handled === checkpointed) return;
    const position = handled;
    await writeCheckpoint(store, name, { position, pendingJobs: await alertStreams.pendingJobs(), at: new Date(clock.now()).toISOString() }, metadata());
    checkpointed = position;
  }

  function scheduleCheckpoint(): void {
    if (checkpointTimer !== undefined || stopped) return;
    checkpointTimer = clock.setTimeout(() => {
      checkpointTimer = undefined;
      checkpoint().catch((error: unknown) => log.warn({ err: error }, 'alert checkpoint not written; the next one will cover it'));
    }, options.checkpointEvery ?? 1000);
  }

  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  /** Where `$all` ends now among the events we read: ready once handled up to there. */
  async function lastOutcomePosition(): Promise<bigint | undefined> {
    for await (const event of store.readAll({ direction: 'backwards', maxCount: 1, filter: { eventTypes: [...RUN_OUTCOME_TYPES, ...JOB_SPEC_TYPES] } })) {
      return event.position;
    }
    return undefined;
  }

  async function consume(): Promise<void> {
    const saved = await readCheckpoint(store, name);
    const firstStart = saved.position === undefined && handled === undefined;
    checkpointed ??= saved.position;
    for (const jobId of saved.pendingJobs) await alertStreams.state(jobId);
    const target = await lastOutcomePosition();
    const from = handled ?? saved.position;
    if (target === undefined || (from !== undefined && from >= target)) markReady();
    subscription = store.subscribeToAll({
      fromPosition: from ?? 'start',
      filter: { eventTypes: [...RUN_OUTCOME_TYPES, ...JOB_SPEC_TYPES] },
    });
    if (stopped) await subscription.close();
    for await (const event of subscription) {
      if (stopped) break;
      if (JOB_SPEC_TYPES.includes(event.type)) specs.apply(event);
      else await handleOutcome(event, firstStart);
      handled = event.position;
      if (target !== undefined && handled >= target) markReady();
      scheduleCheckpoint();
    }
  }

  const running = (async () => {
    for (const worker of workers.values()) {
      await worker.seedRateLimit(store).catch((error: unknown) => log.warn({ err: error, channel: worker.name }, 'could not read recent deliveries'));
      worker.start();
    }
    let delay = config.delivery.retryDelay;
    while (!stopped) {
      try {
        await consume();
        delay = config.delivery.retryDelay;
      } catch (error) {
        if (stopped) break;
        log.warn({ err: error }, 'alert subscriber failed; resuming after its last handled outcome');
      }
      if (stopped) break;
      // The subscription ended or failed: resume from the last outcome handled.
      await new Promise<void>((resolve) => {
        const timer = clock.setTimeout(resolve, delay);
        wakeFromPause = () => {
          clock.clearTimeout(timer);
          resolve();
        };
      });
      delay = Math.min(config.delivery.maxRetryDelay, delay * 2);
    }
  })();

  let stopping: Promise<void> | undefined;
  return {
    ready,
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        if (checkpointTimer !== undefined) clock.clearTimeout(checkpointTimer);
        wakeFromPause?.();
        await subscription?.close();
        await running;
        await Promise.all([...workers.values()].map((worker) => worker.stop()));
        await checkpoint().catch((error: unknown) => log.warn({ err: error }, 'last alert checkpoint not written'));
        markReady();
      })()),
  };
}
