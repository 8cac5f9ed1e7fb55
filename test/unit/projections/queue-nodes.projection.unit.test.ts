import { describe, expect, it } from 'vitest';
import { nodesProjection, nodesView, type NodesState } from '../../../projections/nodes.projection.js';
import { queueProjection, queueView, type QueueState } from '../../../projections/queue.projection.js';
import type { TimecloudEvent } from '../../../src/domain/events.js';
import { at, ev, EventLog } from '../../support/projection-events.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function queue(events: TimecloudEvent[]): QueueState {
  const p = queueProjection();
  return new EventLog().add(...events).reduce((s, e) => p.evolve(s, e), p.initial());
}

function nodes(events: TimecloudEvent[]): NodesState {
  const p = nodesProjection();
  return new EventLog().add(...events).reduce((s, e) => p.evolve(s, e), p.initial());
}

describe('queue projection', () => {
  it('shows what runs where, what waits in order and why, and retries waiting for their delay', () => {
    const state = queue([
      ev.scheduled('a/one', id(1), 1),
      ev.started('a/one', id(1), 1),
      ev.scheduled('b/two', id(2), 2),
      ev.queued('b/two', id(2), 2, 'all 1 slot busy'),
      ev.scheduled('c/three', id(3), 3),
      ev.queued('c/three', id(3), 3, 'all 1 slot busy'),
      ev.scheduled('d/four', id(4), 4),
      ev.started('d/four', id(4), 4),
      ev.failed('d/four', id(4), 5),
      ev.retry('d/four', id(4), id(5), 5),
    ]);
    expect(queueView(state, 1)).toEqual({
      slots: 1,
      running: [{ runId: id(1), jobId: 'a/one', slot: 0, nodeId: 'n1', startedAt: at(1), attempt: 1 }],
      waiting: [
        { runId: id(2), jobId: 'b/two', attempt: 1, position: 1, reason: 'all 1 slot busy', since: at(2) },
        { runId: id(3), jobId: 'c/three', attempt: 1, position: 2, reason: 'all 1 slot busy', since: at(3) },
        { runId: id(5), jobId: 'd/four', attempt: 2, position: 3, reason: `retry after attempt 1 (run ${id(4)}) failed; due at ${at(5, 5)}`, since: at(5) },
      ],
    });
  });

  it('empties as runs finish, retries are scheduled or cancelled, and jobs are removed', () => {
    const state = queue([
      ev.scheduled('a/one', id(1), 1),
      ev.started('a/one', id(1), 1),
      ev.succeeded('a/one', id(1), 2),
      ev.scheduled('b/two', id(2), 2),
      ev.aborted('b/two', id(2), 2, 'aborted before it started'),
      ev.scheduled('c/x', id(3), 3),
      ev.started('c/x', id(3), 3),
      ev.failed('c/x', id(3), 3),
      ev.retry('c/x', id(3), id(4), 3),
      ev.scheduled('c/x', id(4), 4, { attempt: 2, rootRunId: id(3), reason: 'retry' }),
      ev.started('c/x', id(4), 4, 2),
      ev.failed('c/x', id(4), 4, 2),
      ev.retry('c/x', id(4), id(5), 4, 2, id(3)),
      { type: 'JobRemoved', data: { jobId: 'c/x', file: '/f', reason: 'gone', at: at(5) } },
    ]);
    expect(queueView(state, 2)).toEqual({ slots: 2, running: [], waiting: [] });
  });
});

describe('nodes projection', () => {
  const acquired = (nodeId: string, epoch: number, minute: number): TimecloudEvent => ({
    type: 'LeaseAcquired',
    data: { nodeId, epoch, url: `http://${nodeId}:19031`, ttl: 15_000, at: at(minute) },
  });

  it('names the leader and when each node was last heard of', () => {
    const state = nodes([
      acquired('n1', 1, 0),
      { type: 'LeaseRenewed', data: { nodeId: 'n1', epoch: 1, at: at(1) } },
      acquired('n2', 2, 2),
      { type: 'LeaseRenewed', data: { nodeId: 'n2', epoch: 2, at: at(3, 0) } },
    ]);
    const view = nodesView(state, { nodeId: 'n3', url: 'http://n3:19031', isLeader: false }, new Date(at(3, 5)));
    expect(view.leader).toEqual({ nodeId: 'n2', epoch: 2, url: 'http://n2:19031', since: at(2) });
    expect(view.nodes).toEqual([
      { nodeId: 'n1', url: 'http://n1:19031', role: 'gone', epoch: 1, lastSeen: at(1), self: false },
      { nodeId: 'n2', url: 'http://n2:19031', role: 'leader', epoch: 2, lastSeen: at(3), self: false },
      { nodeId: 'n3', url: 'http://n3:19031', role: 'standby', lastSeen: at(3, 5), self: true },
    ]);
  });

  it('has no leader after a release, or when the leader was not heard of for two lease times', () => {
    const released = nodes([acquired('n1', 1, 0), { type: 'LeaseReleased', data: { nodeId: 'n1', epoch: 1, at: at(1) } }]);
    const self = { nodeId: 'n1', url: 'http://n1:1', isLeader: false };
    expect(nodesView(released, self, new Date(at(1))).leader).toBeUndefined();
    const silent = nodes([acquired('n1', 1, 0)]);
    const other = { nodeId: 'n9', url: 'http://n9:1', isLeader: false };
    expect(nodesView(silent, other, new Date(at(0, 29))).leader?.nodeId).toBe('n1');
    const late = nodesView(silent, other, new Date(at(0, 31)));
    expect(late.leader).toBeUndefined();
    expect(late.nodes.find((n) => n.nodeId === 'n1')?.role).toBe('gone');
  });

  it('names the leader from its renewals when its acquisition was trimmed from the lease stream', () => {
    const renewed = (minute: number): TimecloudEvent => ({
      type: 'LeaseRenewed',
      data: { nodeId: 'n4', epoch: 7, url: 'http://n4:19031', ttl: 15_000, at: at(minute) },
    });
    const state = nodes([renewed(5), renewed(6)]);
    const view = nodesView(state, { nodeId: 'n5', url: 'http://n5:1', isLeader: false }, new Date(at(6, 5)));
    expect(view.leader).toEqual({ nodeId: 'n4', epoch: 7, url: 'http://n4:19031', since: at(5) });
    expect(view.nodes.find((n) => n.nodeId === 'n4')).toMatchObject({ role: 'leader', lastSeen: at(6) });
  });

  it('ignores a renewal of an older epoch', () => {
    const state = nodes([acquired('n1', 1, 0), acquired('n2', 2, 1), { type: 'LeaseRenewed', data: { nodeId: 'n1', epoch: 1, at: at(2) } }]);
    expect(state.leader).toMatchObject({ nodeId: 'n2', lastSeen: at(1) });
    expect(state.nodes.find((n) => n.nodeId === 'n1')?.lastSeen).toBe(at(2));
  });
});
