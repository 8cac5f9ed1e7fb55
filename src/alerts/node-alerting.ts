/**
 * Alerting on the leader only: starts the subscriber when this node acquires the lease and stops
 * it when the lease is lost, so exactly one node decides and delivers at a time.
 */
import type { Clock } from '../clock.js';
import type { LeaderLease } from '../cluster/leader-lease.js';
import type { Logger } from '../log.js';
import type { EventStore } from '../store/event-store.js';
import type { AlertsConfig } from './alert-config.js';
import { startAlerting, type Alerting } from './alert-subscriber.js';

export interface NodeAlertingOptions {
  store: EventStore;
  lease: LeaderLease;
  config: AlertsConfig;
  log: Logger;
  clock: Clock;
  nodeId: string;
  /** Base of run links when the config sets no `dashboardUrl`. */
  dashboardUrl?: string;
}

export interface NodeAlerting {
  /** The running subscriber while this node leads. */
  readonly current: Alerting | undefined;
  stop(): Promise<void>;
}

export function attachAlerting(options: NodeAlertingOptions): NodeAlerting {
  const { lease, log, config } = options;
  let current: Alerting | undefined;
  const stopping = new Set<Promise<void>>();
  if (Object.keys(config.channels).length === 0) {
    log.info('alerts: no channel configured (set TIMECLOUD_WECOM_WEBHOOK or alerts.channels in the config file)');
    return { current: undefined, stop: async () => undefined };
  }
  const stopCurrent = () => {
    const alerting = current;
    current = undefined;
    if (!alerting) return;
    const done = alerting.stop().finally(() => stopping.delete(done));
    stopping.add(done);
  };
  const start = () =>
    startAlerting({
      store: options.store,
      config,
      log,
      clock: options.clock,
      ...(options.dashboardUrl ? { dashboardUrl: options.dashboardUrl } : {}),
      metadata: () => ({ nodeId: options.nodeId, epoch: lease.currentEpoch }),
      canSend: () => lease.canWrite(),
    });
  const onAcquired = () => {
    if (current) return;
    if (stopping.size === 0) {
      current = start();
      return;
    }
    // A new term waits for this node's previous subscriber to finish.
    void Promise.all(stopping).then(() => {
      if (lease.isLeader && !current) current = start();
    });
  };
  lease.on('acquired', onAcquired);
  lease.on('lost', stopCurrent);
  return {
    get current() {
      return current;
    },
    async stop() {
      lease.off('acquired', onAcquired);
      lease.off('lost', stopCurrent);
      stopCurrent();
      await Promise.all(stopping);
    },
  };
}
