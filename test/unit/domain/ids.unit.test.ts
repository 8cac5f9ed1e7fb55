import { v5 } from 'uuid';
import { expect, it } from 'vitest';
import { decisionEventId, retryRunId, tickRunId } from '../../../src/domain/ids.js';

// Stored run and event ids depend on these: they must never change between versions.
const NAMESPACE = '6f1c0b0e-3f7d-4f5e-9a51-7c4d2b8e9a10';

it('derives the same v5 ids as the string namespace always did', () => {
  expect(tickRunId('pkg/job', '2026-01-01T00:00:00.000Z')).toBe(v5('tick|pkg/job|2026-01-01T00:00:00.000Z', NAMESPACE));
  expect(retryRunId('r-1', 2)).toBe(v5('retry|r-1|2', NAMESPACE));
  expect(decisionEventId('RunSkipped', 'pkg/job', 'x')).toBe(v5('RunSkipped|pkg/job|x', NAMESPACE));
  expect(tickRunId('pkg/job', 'a')).not.toBe(tickRunId('pkg/job', 'b'));
  // Names beyond ASCII are hashed as UTF-8, as uuid does.
  expect(tickRunId('paquet/tâche-日本', 'x')).toBe(v5('tick|paquet/tâche-日本|x', NAMESPACE));
  expect(decisionEventId('RunSkipped', 'emoji/🚀', 1)).toBe(v5('RunSkipped|emoji/🚀|1', NAMESPACE));
});
