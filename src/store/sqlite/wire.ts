/**
 * A flat encoding of ops and results for the writer thread. Structured cloning an array of
 * objects repeats every key for every object; a flat array of strings, numbers and bigints
 * clones about four times faster (measured: 100 appends 261 → 69 µs, their results
 * 86 → 22 µs), and that copy sits on the commit path of every append.
 */
import type { ExpectedRevision } from '../event-store.js';
import type { Failure, OpResult, WriteOp } from './write-ops.js';

export type Wire = (string | number | bigint | null | Failure)[];

/** [kind, …fields] per op; an append carries its event count, then 4 strings per event. */
export function packOps(ops: readonly WriteOp[]): Wire {
  const wire: Wire = [];
  for (const op of ops) {
    switch (op.kind) {
      case 'append':
        wire.push('a', op.stream, op.expected, op.events.length);
        for (const event of op.events) wire.push(event.id, event.type, event.data, event.metadata);
        break;
      case 'metadata':
        wire.push('m', op.stream, op.maxAge, op.maxCount);
        break;
      case 'scavenge':
        wire.push('s', op.limit);
        break;
    }
  }
  return wire;
}

export function unpackOps(wire: Wire): WriteOp[] {
  const ops: WriteOp[] = [];
  let at = 0;
  const next = <T>(): T => wire[at++] as T;
  while (at < wire.length) {
    const kind = next<string>();
    if (kind === 'a') {
      const stream = next<string>();
      const expected = next<ExpectedRevision>();
      const count = next<number>();
      const events = [];
      for (let index = 0; index < count; index += 1) {
        events.push({ id: next<string>(), type: next<string>(), data: next<string>(), metadata: next<string>() });
      }
      ops.push({ kind: 'append', stream, expected, events });
    } else if (kind === 'm') {
      ops.push({ kind: 'metadata', stream: next<string>(), maxAge: next<number | null>(), maxCount: next<number | null>() });
    } else if (kind === 's') {
      ops.push({ kind: 'scavenge', limit: next<number>() });
    } else {
      throw new Error(`unknown op kind ${JSON.stringify(kind)} in a writer message`);
    }
  }
  return ops;
}

/** Four slots per result: [tag, a, b, c]; failures are rare and travel as objects. */
export function packResults(results: readonly OpResult[]): Wire {
  const wire: Wire = [];
  for (const result of results) {
    if (!result.ok) wire.push('f', result.failure, null, null);
    else if ('nextRevision' in result) wire.push('a', result.nextRevision, result.position, result.created ?? null);
    else if ('deleted' in result) wire.push('d', result.deleted, null, null);
    else wire.push('k', null, null, null);
  }
  return wire;
}

export function unpackResults(wire: Wire): OpResult[] {
  const results: OpResult[] = [];
  for (let at = 0; at < wire.length; at += 4) {
    const [tag, a, b, c] = [wire[at], wire[at + 1], wire[at + 2], wire[at + 3]];
    if (tag === 'f') results.push({ ok: false, failure: a as Failure });
    else if (tag === 'a') {
      results.push(
        c === null
          ? { ok: true, nextRevision: a as bigint, position: b as bigint }
          : { ok: true, nextRevision: a as bigint, position: b as bigint, created: c as number },
      );
    }
    else if (tag === 'd') results.push({ ok: true, deleted: a as number });
    else results.push({ ok: true });
  }
  return results;
}
