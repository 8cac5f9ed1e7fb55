import { describe, expect, it } from 'vitest';
import { applyEvent, createProjections } from '../../../projections/projection-runner.js';
import type { StoredEvent } from '../../../src/store/event-store.js';

let position = 0n;
function stored(stream: string, type: string, data: unknown): StoredEvent {
  position += 1n;
  return { id: `e${position}`, stream, revision: 0n, position, type, data, metadata: {}, created: new Date(0) };
}

describe('applyEvent', () => {
  it('skips an event a projection cannot fold, for that projection only, and reports it', () => {
    const projections = createProjections();
    const states = Object.fromEntries(Object.entries(projections).map(([name, p]) => [name, p.initial()]));
    const failures: string[] = [];
    // An AlertRaised without the fields the alerts projection needs: a poison event for it.
    applyEvent(projections, states, stored('alert-a/b', 'AlertRaised', { alertId: 'x', jobId: 'a/b' }), (name) => failures.push(name));
    expect(failures).toEqual(['alerts']);
    // The other projections, and later events, go on.
    const at = '2026-01-01T00:00:00.000Z';
    const spec = { id: 'a/b', package: 'a', name: 'b', schedule: '0 0 0 1 1 *', maintainers: [], enabled: true, cronDialect: 'croner', file: '/f', dir: '/d' };
    applyEvent(projections, states, stored('job-a/b', 'JobRegistered', { jobId: 'a/b', spec, at }), (name) => failures.push(name));
    expect(failures).toEqual(['alerts']);
    expect(Object.keys((states.jobs as { jobs: Record<string, unknown> }).jobs)).toEqual(['a/b']);
  });
});
