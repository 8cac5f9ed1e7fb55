import { expect, it } from 'vitest';
import { jobListProjection } from '../../../projections/job-list.projection.js';
import { specInterner } from '../../../projections/spec-interner.js';
import { jobSpec } from '../../support/job-spec.js';
import { at } from '../../support/projection-events.js';

const decoded = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

it('gives back the same definition, field for field, and never changes the one it was given', () => {
  const shared = specInterner();
  const spec = decoded(jobSpec({ package: 'demo', name: 'update', timezone: 'Europe/Berlin' }));
  const before = decoded(spec);
  expect(shared(spec)).toEqual(before);
  expect(spec).toEqual(before);
  const untimed = decoded(jobSpec({ package: 'demo', name: 'plain' }));
  expect(shared(untimed)).not.toHaveProperty('timezone');
});

it('loses nothing when its table is full and starts over', () => {
  const shared = specInterner(2);
  const specs = ['a', 'b', 'c', 'd'].map((name) => decoded(jobSpec({ package: `pkg-${name}`, name, schedule: `${name.charCodeAt(0) % 60} * * * * *` })));
  for (let round = 0; round < 2; round++) {
    for (const spec of specs) expect(shared(spec)).toEqual(spec);
  }
});

it('a checkpoint of the job list decodes to the state it encoded', () => {
  const projection = jobListProjection();
  const spec = jobSpec({ package: 'demo', name: 'update', schedule: '0 30 2 * * *' });
  const stored = { type: 'JobRegistered', data: { jobId: spec.id, spec, at: at(0) }, metadata: {}, streamId: `job-${spec.id}`, revision: 0n, position: 1n, id: 'x', created: at(0) };
  const state = projection.evolve(projection.initial(), stored as never);
  const checkpoint = decoded(state);
  expect(projection.decode!(decoded(checkpoint))).toEqual(checkpoint);
});
