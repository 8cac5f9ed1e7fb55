/** What the HTTP routes and the WebSocket hub need of the node they serve. */
import type { ProjectionRunner } from '../../projections/projection-runner.js';
import type { LeaseHolder } from '../cluster/leader-lease.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { LiveLogBus } from '../runlog/run-log-writer.js';
import type { EventStore } from '../store/event-store.js';
import type { Auth } from './auth.js';

/** The parts of a started node the API drives; `TimecloudNode` is one. */
export interface NodeControl {
  readonly lease: { readonly isLeader: boolean; readonly currentHolder: LeaseHolder | undefined };
  readonly live: LiveLogBus;
  trigger(jobId: string, by?: string): Promise<{ runId: string }>;
  abort(jobId: string, runId: string, by?: string): Promise<void>;
  enable(jobId: string, by?: string): Promise<void>;
  disable(jobId: string, by?: string): Promise<void>;
}

export interface HttpDeps {
  nodeId: string;
  store: EventStore;
  projections: ProjectionRunner;
  metrics: NodeMetrics;
  auth: Auth;
  log: Logger;
  /** Slots of this node, shown with the queue. */
  slots: number;
  /** timecloud's version, for /healthz. */
  version: string;
  /** The zone of jobs that name none. */
  nodeZone: string;
  /** The built dashboard (`ui/dist`); absent or missing: `/` says how to build it. */
  uiDir?: string;
  /** Milliseconds since the epoch. */
  now(): number;
  /** This server's base URL (known once it listens). */
  url(): string;
  /** The node once it is built; undefined while it starts. */
  node(): NodeControl | undefined;
}

/** True when this node leads (a node still starting does not). */
export function isLeader(deps: HttpDeps): boolean {
  return deps.node()?.lease.isLeader ?? false;
}
