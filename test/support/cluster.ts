/**
 * Several timecloud node processes on one store, for failover tests: start, kill, pause and
 * restart them by node id, and ask the store who leads.
 */
import { join } from 'node:path';
import type { LeaseAcquired } from '../../src/domain/events.js';
import type { EventStore, StoredEvent } from '../../src/store/event-store.js';
import { eventually } from './eventually.js';
import { startNodeProcess, type NodeProcess } from './node-process.js';

export interface ClusterOptions {
  /** Where the nodes' data folders go. */
  dir: string;
  jobs: string;
  /** Store URL or file shared by every node. */
  store: string;
  nodeIds: string[];
  leaseTtl?: number;
  slots?: number;
}

export class Cluster {
  readonly processes = new Map<string, NodeProcess>();

  constructor(
    private readonly options: ClusterOptions,
    /** The test's own connection to the same store. */
    readonly store: EventStore,
  ) {}

  start(nodeId: string): NodeProcess {
    const node = startNodeProcess({
      jobs: this.options.jobs,
      data: join(this.options.dir, `data-${nodeId}`),
      store: this.options.store,
      nodeId,
      leaseTtl: this.options.leaseTtl ?? 1000,
      slots: this.options.slots ?? 4,
    });
    this.processes.set(nodeId, node);
    return node;
  }

  startAll(): void {
    for (const nodeId of this.options.nodeIds) this.start(nodeId);
  }

  async kill(nodeId: string): Promise<void> {
    const node = this.processes.get(nodeId);
    if (!node) return;
    node.child.kill('SIGKILL');
    await node.exited;
    this.processes.delete(nodeId);
  }

  signal(nodeId: string, signal: NodeJS.Signals): void {
    this.processes.get(nodeId)?.child.kill(signal);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.processes.values()].map((node) => node.stop()));
    this.processes.clear();
  }

  async leaseEvents(): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    for await (const event of this.store.readStream('leader')) events.push(event);
    return events;
  }

  /** The node holding the newest `LeaseAcquired`, with its epoch and position. */
  async leader(): Promise<{ nodeId: string; epoch: number; position: bigint } | undefined> {
    for await (const event of this.store.readStream('leader', { direction: 'backwards' })) {
      if (event.type === 'LeaseAcquired') {
        const data = event.data as LeaseAcquired['data'];
        return { nodeId: data.nodeId, epoch: data.epoch, position: event.position };
      }
    }
    return undefined;
  }

  /** Waits until a node other than `previous` (and with a higher epoch) has acquired the lease. */
  async nextLeader(previousEpoch: number, timeout = 30_000): Promise<{ nodeId: string; epoch: number; position: bigint }> {
    return eventually(async () => {
      const leader = await this.leader();
      return leader && leader.epoch > previousEpoch ? leader : undefined;
    }, { timeout, message: `a leader after epoch ${previousEpoch}` });
  }

  output(nodeId: string): string {
    return this.processes.get(nodeId)?.output() ?? '';
  }
}
