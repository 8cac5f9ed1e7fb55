/**
 * Everything a node serves to people, started in one call from `startNode`: the metrics (and the
 * timed store they need), the projections with their checkpoint, the admin token, and the HTTP
 * server with the WebSocket hub.
 */
import { join } from 'node:path';
import { ProjectionRunner } from '../../projections/projection-runner.js';
import type { RunHistoryOptions } from '../../projections/run-history.projection.js';
import type { Clock } from '../clock.js';
import type { NodeConfig } from '../config/node-config.js';
import { localTimeZone } from '../config/timezone.js';
import type { Logger } from '../log.js';
import { NodeMetrics } from '../metrics/node-metrics.js';
import { timeAppends } from '../metrics/timed-store.js';
import type { EventStore } from '../store/event-store.js';
import { Auth, resolveToken } from './auth.js';
import type { NodeControl } from './http-deps.js';
import { packageRoot } from './package-root.js';
import { startHttpServer } from './server.js';
import type { WsHub, WsHubOptions } from './ws-hub.js';

export const CHECKPOINT_FILE = 'projections.checkpoint.json';

/** Knobs of the dashboard side of a node; the defaults suit production. */
export interface DashboardTuning {
  /** The built dashboard. @defaultValue `<package>/ui/dist` */
  uiDir?: string;
  ws?: WsHubOptions;
  /** How often the projections' checkpoint is written while events arrive. @defaultValue 30000 */
  checkpointEveryMs?: number;
  runHistory?: RunHistoryOptions;
}

export interface DashboardOptions extends DashboardTuning {
  config: Pick<NodeConfig, 'data' | 'host' | 'port' | 'slots'>;
  nodeId: string;
  store: EventStore;
  log: Logger;
  clock: Clock;
  /** The admin token (`TIMECLOUD_TOKEN`); without it `<data>/token` is used or generated. */
  token?: string;
}

/** What `node.http` offers. */
export interface NodeHttp {
  readonly url: string;
  /** Set when this start generated the token: `timecloud start` prints it once. */
  readonly generatedToken?: string;
  readonly projections: ProjectionRunner;
  readonly hub: WsHub;
  readonly metrics: NodeMetrics;
  /** Stops taking requests and closes WebSockets (the projections keep running). */
  close(): Promise<void>;
}

export interface Dashboard extends NodeHttp {
  /** The store with timed appends: the node uses this one. */
  readonly store: EventStore;
  attachNode(node: NodeControl): void;
  /** Closes the server, lets the projections see the last events, writes their checkpoint. */
  stop(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { config, log, clock } = options;
  let node: NodeControl | undefined;
  const metrics = new NodeMetrics({ isLeader: () => node?.lease.isLeader ?? false });
  const store = timeAppends(options.store, (seconds) => metrics.observeAppend(seconds));
  const { token, generated } = await resolveToken(config.data, options.token);
  const projections = new ProjectionRunner({
    store,
    log,
    checkpointFile: join(config.data, CHECKPOINT_FILE),
    ...(options.checkpointEveryMs === undefined ? {} : { checkpointEveryMs: options.checkpointEveryMs }),
    ...(options.runHistory ? { runHistory: options.runHistory } : {}),
  });
  await projections.start();
  const root = packageRoot();
  let server;
  try {
    server = await startHttpServer(
      {
        nodeId: options.nodeId,
        store,
        projections,
        metrics,
        auth: new Auth(token),
        log,
        slots: config.slots,
        version: root.version,
        nodeZone: localTimeZone(),
        uiDir: options.uiDir ?? join(root.dir, 'ui', 'dist'),
        now: () => clock.now(),
        node: () => node,
      },
      { host: config.host, port: config.port, ...(options.ws ? { ws: options.ws } : {}) },
    );
  } catch (error) {
    await projections.stop();
    throw error;
  }
  log.info({ url: server.url }, 'dashboard and API listening');
  const http = server;
  return {
    url: http.url,
    ...(generated ? { generatedToken: token } : {}),
    projections,
    hub: http.hub,
    metrics,
    store,
    attachNode(control) {
      node = control;
      http.attachNode(control);
    },
    close: () => http.close(),
    async stop() {
      await http.close();
      await projections.settle(2000);
      await projections.stop();
    },
  };
}
