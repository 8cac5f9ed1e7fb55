/**
 * Nodes, from the `leader` stream: who holds the lease under which epoch, and when each node
 * that ever led was last heard of. Standbys write nothing to that stream, so a standby appears
 * only as the node answering (`self`) or once it has led.
 */
import type { NodeInfo, NodesResponse } from '../src/http/api-types.js';
import type { StoredEvent } from '../src/store/event-store.js';
import { domainEvent, type Projection } from './projection.js';

export interface KnownNode {
  nodeId: string;
  url: string;
  epoch: number;
  ttl: number;
  /** Event time of the node's last lease event. */
  lastSeen: string;
}

export interface NodesState {
  leader?: { nodeId: string; epoch: number; url: string; ttl: number; since: string; lastSeen: string; released: boolean };
  /** A list, not a record: node ids are free text, and a handful of nodes is quick to search. */
  nodes: KnownNode[];
}

/** Nodes remembered; the ones heard of longest ago are forgotten first. */
const MAX_NODES = 100;

function forgetOldest(state: NodesState): void {
  if (state.nodes.length <= MAX_NODES) return;
  state.nodes.sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0));
  state.nodes.length = MAX_NODES;
}

const findNode = (state: NodesState, nodeId: string) => state.nodes.find((node) => node.nodeId === nodeId);

export function nodesProjection(): Projection<NodesState> {
  return {
    name: 'nodes',
    version: 1,
    initial: () => ({ nodes: [] }),
    evolve(state: NodesState, stored: StoredEvent): NodesState {
      const event = domainEvent(stored);
      switch (event.type) {
        case 'LeaseAcquired': {
          const { nodeId, epoch, url, ttl, at } = event.data;
          state.leader = { nodeId, epoch, url, ttl, since: at, lastSeen: at, released: false };
          const known = { nodeId, url, epoch, ttl, lastSeen: at };
          const index = state.nodes.findIndex((node) => node.nodeId === nodeId);
          if (index === -1) state.nodes.push(known);
          else state.nodes[index] = known;
          forgetOldest(state);
          break;
        }
        case 'LeaseRenewed':
        case 'LeaseReleased': {
          const { nodeId, epoch, at } = event.data;
          const node = findNode(state, nodeId);
          if (node) node.lastSeen = at;
          // The lease stream is trimmed: a leader's acquisition may be gone; its renewals still tell.
          if (event.type === 'LeaseRenewed' && (!state.leader || epoch > state.leader.epoch)) {
            const url = event.data.url ?? node?.url ?? '';
            const ttl = event.data.ttl ?? node?.ttl ?? 0;
            state.leader = { nodeId, epoch, url, ttl, since: at, lastSeen: at, released: false };
            if (!node) state.nodes.push({ nodeId, url, epoch, ttl, lastSeen: at });
          }
          if (state.leader?.epoch === epoch && state.leader.nodeId === nodeId) {
            state.leader.lastSeen = at;
            if (event.type === 'LeaseReleased') state.leader.released = true;
          }
          break;
        }
        default:
          break;
      }
      return state;
    },
  };
}

// ---- queries --------------------------------------------------------------------------------

export interface SelfNode {
  nodeId: string;
  url: string;
  isLeader: boolean;
}

/**
 * The leader (unless it released the lease or was not heard of for two lease times: clocks of
 * different machines may differ a little) and every known node, the answering one included.
 */
export function nodesView(state: NodesState, self: SelfNode, now: Date): NodesResponse {
  const lead = state.leader;
  const alive = lead !== undefined && !lead.released && now.getTime() - Date.parse(lead.lastSeen) <= 2 * lead.ttl;
  const nodes: NodeInfo[] = state.nodes.map((node) => {
    const role: NodeInfo['role'] = node.nodeId === self.nodeId
      ? (self.isLeader ? 'leader' : 'standby')
      : alive && node.nodeId === lead.nodeId ? 'leader' : 'gone';
    return { nodeId: node.nodeId, url: node.nodeId === self.nodeId ? self.url : node.url, role, epoch: node.epoch, lastSeen: node.lastSeen, self: node.nodeId === self.nodeId };
  });
  if (!findNode(state, self.nodeId)) {
    nodes.push({ nodeId: self.nodeId, url: self.url, role: self.isLeader ? 'leader' : 'standby', lastSeen: now.toISOString(), self: true });
  }
  nodes.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  return {
    ...(alive ? { leader: { nodeId: lead.nodeId, epoch: lead.epoch, url: lead.url, since: lead.since } } : {}),
    nodes,
  };
}
