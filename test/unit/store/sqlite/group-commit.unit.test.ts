import { describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../../../src/store/sqlite/group-commit.js';
import type { AppendOp, OpResult, WriteOp } from '../../../../src/store/sqlite/write-ops.js';
import type { Writer } from '../../../../src/store/sqlite/writer.js';

/** A writer whose commits finish only when the test says so, recording each batch. */
class ManualWriter implements Writer {
  constructor(
    readonly maxInFlight = 1,
    readonly handOffEvents?: number,
  ) {}
  batches: WriteOp[][] = [];
  private finish: (() => void)[] = [];

  commit(ops: readonly WriteOp[]): Promise<OpResult[]> {
    this.batches.push([...ops]);
    return new Promise((resolve) => {
      this.finish.push(() => resolve(ops.map((_, index) => ({ ok: true, nextRevision: BigInt(index), position: 1n }))));
    });
  }

  finishNext(): void {
    this.finish.shift()?.();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function append(stream: string, events = 1): AppendOp {
  return {
    kind: 'append',
    stream,
    expected: 'any',
    events: Array.from({ length: events }, (_, index) => ({ id: `${stream}-${index}`, type: 'T', data: '{}', metadata: '{}' })),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommitter', () => {
  it('commits the appends that queued up during a commit together, in submission order', async () => {
    const writer = new ManualWriter();
    let commits = 0;
    const committer = new GroupCommitter(writer, 1000, () => (commits += 1));
    const first = committer.submit(append('a'));
    await tick();
    expect(writer.batches.map((batch) => batch.length)).toEqual([1]);
    const queued = ['b', 'c', 'd'].map((stream) => committer.submit(append(stream)));
    await tick();
    expect(writer.batches).toHaveLength(1);
    writer.finishNext();
    await first;
    await tick();
    expect(writer.batches[1]?.map((op) => (op as AppendOp).stream)).toEqual(['b', 'c', 'd']);
    writer.finishNext();
    expect((await Promise.all(queued)).map((result) => ('nextRevision' in result ? result.nextRevision : -1n))).toEqual([
      0n,
      1n,
      2n,
    ]);
    expect(commits).toBe(2);
  });

  it('caps a batch at maxBatchEvents but never splits an append', async () => {
    const writer = new ManualWriter();
    const committer = new GroupCommitter(writer, 10, () => undefined);
    const results = [committer.submit(append('a', 4)), committer.submit(append('b', 4)), committer.submit(append('c', 4)), committer.submit(append('d', 30))];
    for (let batch = 1; batch <= 3; batch += 1) {
      while (writer.batches.length < batch) await tick();
      writer.finishNext();
    }
    await Promise.all(results);
    expect(writer.batches.map((batch) => batch.map((op) => (op as AppendOp).stream))).toEqual([['a', 'b'], ['c'], ['d']]);
  });

  it('sends the next batch without waiting when the writer takes several at once', async () => {
    const writer = new ManualWriter(2);
    const committer = new GroupCommitter(writer, 1000, () => undefined);
    const results = [committer.submit(append('a'))];
    await tick();
    results.push(committer.submit(append('b')), committer.submit(append('c')));
    await tick();
    results.push(committer.submit(append('d')));
    await tick();
    expect(writer.batches.map((batch) => batch.map((op) => (op as AppendOp).stream))).toEqual([['a'], ['b', 'c']]);
    writer.finishNext();
    while (writer.batches.length < 3) await tick();
    expect(writer.batches[2]?.map((op) => (op as AppendOp).stream)).toEqual(['d']);
    writer.finishNext();
    writer.finishNext();
    await Promise.all(results);
  });

  it('hands a batch to a writer that asks for it as soon as enough events are queued, within the turn', async () => {
    const writer = new ManualWriter(4, 3);
    const committer = new GroupCommitter(writer, 1000, () => undefined);
    const results = ['a', 'b', 'c', 'd'].map((stream) => committer.submit(append(stream)));
    // No turn of the event loop has passed: only the hand-off can have sent anything.
    expect(writer.batches.map((batch) => batch.map((op) => (op as AppendOp).stream))).toEqual([['a', 'b', 'c']]);
    expect(committer.busy).toBe(true);
    writer.finishNext();
    while (writer.batches.length < 2) await tick();
    writer.finishNext();
    await Promise.all(results);
  });

  it('sends what is left of a turn after the hand-offs at the end of the turn', async () => {
    const writer = new ManualWriter(4, 2);
    const committer = new GroupCommitter(writer, 1000, () => undefined);
    const results = ['a', 'b', 'c', 'd', 'e'].map((stream) => committer.submit(append(stream)));
    await tick();
    expect(writer.batches.map((batch) => batch.map((op) => (op as AppendOp).stream))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    writer.finishNext();
    writer.finishNext();
    writer.finishNext();
    await Promise.all(results);
    await committer.drain();
    expect(committer.busy).toBe(false);
  });

  it('submitMany sends everything within the turn, hands off as it goes, and answers in order', async () => {
    const writer = new ManualWriter(4, 2);
    const committer = new GroupCommitter(writer, 1000, () => undefined);
    const all = committer.submitMany(['a', 'b', 'c', 'd', 'e'].map((stream) => append(stream)));
    // No turn has passed: the hand-offs took two each, the rest went at the end of the call.
    expect(writer.batches.map((batch) => batch.map((op) => (op as AppendOp).stream))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    for (let batch = 0; batch < 3; batch++) writer.finishNext();
    const results = await all;
    // ManualWriter numbers results within each batch: the order shows each came back in place.
    expect(results.map((result) => ('nextRevision' in result ? result.nextRevision : undefined))).toEqual([0n, 1n, 0n, 1n, 0n]);
    expect(committer.busy).toBe(false);
    expect(await committer.submitMany([])).toEqual([]);
  });

  it('submitMany leaves to the next turn what a writer with no room left cannot take', async () => {
    const writer = new ManualWriter(1);
    const committer = new GroupCommitter(writer, 2, () => undefined);
    const all = committer.submitMany(['a', 'b', 'c'].map((stream) => append(stream)));
    expect(writer.batches.map((batch) => batch.map((op) => (op as AppendOp).stream))).toEqual([['a', 'b']]);
    writer.finishNext();
    while (writer.batches.length < 2) await tick();
    expect(writer.batches[1]?.map((op) => (op as AppendOp).stream)).toEqual(['c']);
    writer.finishNext();
    expect(await all).toHaveLength(3);
  });

  it('settles: at idle, or at the timeout, leaving no waiter behind when it times out', async () => {
    const writer = new ManualWriter();
    const committer = new GroupCommitter(writer, 1000, () => undefined);
    await committer.settled(10_000); // idle: at once
    const result = committer.submit(append('a'));
    await tick();
    const began = performance.now();
    await committer.settled(20);
    expect(performance.now() - began).toBeGreaterThanOrEqual(15);
    expect(committer.busy).toBe(true);
    let settled = false;
    const waiting = committer.settled(10_000).then(() => (settled = true));
    writer.finishNext();
    await result;
    await waiting;
    expect(settled).toBe(true);
    expect((committer as unknown as { idle: unknown[] }).idle).toEqual([]);
  });

  it('drains: resolves once everything submitted so far is committed', async () => {
    const writer = new ManualWriter();
    const committer = new GroupCommitter(writer, 1000, () => undefined);
    await committer.drain();
    void committer.submit(append('a'));
    let drained = false;
    const draining = committer.drain().then(() => (drained = true));
    await tick();
    expect(drained).toBe(false);
    writer.finishNext();
    await draining;
    expect(drained).toBe(true);
  });
});
