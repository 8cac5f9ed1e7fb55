import { describe, expect, it } from 'vitest';
import { packOps, packResults, unpackOps, unpackResults } from '../../../../src/store/sqlite/wire.js';
import type { OpResult, WriteOp } from '../../../../src/store/sqlite/write-ops.js';

describe('the writer thread wire format', () => {
  it('carries every kind of op through a structured clone unchanged', () => {
    const ops: WriteOp[] = [
      {
        kind: 'append',
        stream: 'job-a',
        expected: 41n,
        events: [
          { id: '00000000-0000-4000-8000-000000000001', type: 'A', data: '{"x":1}', metadata: '{}' },
          { id: '00000000-0000-4000-8000-000000000002', type: 'B', data: '"text"', metadata: '{"nodeId":"n"}' },
        ],
      },
      { kind: 'append', stream: 'job-b', expected: 'no_stream', events: [{ id: 'i', type: 'C', data: 'null', metadata: '{}' }] },
      { kind: 'metadata', stream: 'runlog-1', maxAge: 3600, maxCount: null },
      { kind: 'scavenge', limit: 5000 },
      { kind: 'append', stream: 'job-c', expected: 'stream_exists', events: [] },
    ];
    expect(unpackOps(structuredClone(packOps(ops)))).toEqual(ops);
  });

  it('carries every kind of result through a structured clone unchanged', () => {
    const results: OpResult[] = [
      { ok: true, nextRevision: 2n ** 60n, position: 7n },
      { ok: true, nextRevision: 0n, position: 8n, created: 1_764_000_000_123 },
      { ok: false, failure: { kind: 'wrong_expected_version', stream: 's', expected: 3n, actual: undefined } },
      { ok: false, failure: { kind: 'conflict', message: 'ids clash' } },
      { ok: true, deleted: 12 },
      { ok: true },
    ];
    expect(unpackResults(structuredClone(packResults(results)))).toEqual(results);
  });

  it('refuses an op kind it does not know', () => {
    expect(() => unpackOps(['x', 1])).toThrow(/unknown op kind "x"/);
  });
});
