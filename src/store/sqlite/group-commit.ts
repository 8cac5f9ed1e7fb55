/**
 * Group commit: ops submitted in the same turn of the event loop, or while the writer has
 * as many commits outstanding as it takes (`Writer.maxInFlight`), wait in a queue and go to
 * the writer together, so many small appends share one transaction and one fsync. Each op
 * still gets its own result (the writer applies each in its own savepoint). A writer on
 * another thread may ask for batches as soon as enough is queued (`Writer.handOffEvents`).
 */
import type { OpResult, WriteOp } from './write-ops.js';
import type { Writer } from './writer.js';

interface Queued {
  op: WriteOp;
  resolve: (result: OpResult) => void;
}

function weight(op: WriteOp): number {
  return op.kind === 'append' ? op.events.length : 1;
}

export class GroupCommitter {
  private queue: Queued[] = [];
  private queuedEvents = 0;
  private inFlight = 0;
  private scheduled = false;
  private idle: (() => void)[] = [];

  /**
   * @param onCommitted called after every batch that committed anything, with the batch's ops
   *   and results, so subscribers in this process wake at once instead of waiting for the
   *   change poller, and may take the events from there.
   */
  constructor(
    private readonly writer: Writer,
    private readonly maxBatchEvents: number,
    private readonly onCommitted: (ops: readonly WriteOp[], results: readonly OpResult[]) => void,
  ) {}

  submit(op: WriteOp): Promise<OpResult> {
    return new Promise((resolve) => {
      this.enqueue({ op, resolve });
      if (!this.handOffIfDue()) this.schedule();
    });
  }

  /**
   * Submits `ops` together: one promise for all, results in order. They go to the writer at
   * once, not at the end of the turn: the caller already gathered everything it had to write.
   */
  submitMany(ops: readonly WriteOp[]): Promise<OpResult[]> {
    if (ops.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const results = new Array<OpResult>(ops.length);
      let left = ops.length;
      ops.forEach((op, index) => {
        this.enqueue({
          op,
          resolve: (result) => {
            results[index] = result;
            if (--left === 0) resolve(results);
          },
        });
        this.handOffIfDue();
      });
      while (this.queue.length > 0 && this.inFlight < this.writer.maxInFlight) void this.flush();
      this.schedule(); // whatever the writer could not take yet
    });
  }

  private enqueue(entry: Queued): void {
    this.queue.push(entry);
    this.queuedEvents += weight(entry.op);
  }

  /** A writer on another thread takes a batch as soon as enough is queued; true when it did. */
  private handOffIfDue(): boolean {
    const handOff = this.writer.handOffEvents;
    if (handOff === undefined || this.queuedEvents < handOff || this.inFlight >= this.writer.maxInFlight) return false;
    void this.flush();
    return true;
  }

  /** True while ops are queued or being committed. */
  get busy(): boolean {
    return this.inFlight > 0 || this.queue.length > 0;
  }

  /**
   * Resolves once the committer is idle, or after `timeoutMs`, whichever comes first. A wait
   * that times out leaves nothing behind, however long the committer then stays busy.
   */
  settled(timeoutMs: number): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.idle = this.idle.filter((waiter) => waiter !== done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.idle.push(done);
    });
  }

  /** Resolves once every op submitted so far has been committed (or has failed). */
  drain(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.writer.maxInFlight) return;
    this.scheduled = true;
    // setImmediate, not a microtask: callers whose appends were just acknowledged append
    // again from their continuations, and those should join this batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private takeBatch(): Queued[] {
    let events = 0;
    let count = 0;
    while (count < this.queue.length) {
      const next = weight((this.queue[count] as Queued).op);
      if (count > 0 && events + next > this.maxBatchEvents) break;
      events += next;
      count += 1;
    }
    this.queuedEvents -= events;
    return this.queue.splice(0, count);
  }

  private async flush(): Promise<void> {
    if (this.queue.length === 0 || this.inFlight >= this.writer.maxInFlight) return;
    this.inFlight += 1;
    const batch = this.takeBatch();
    let results: OpResult[];
    try {
      results = await this.writer.commit(batch.map((entry) => entry.op));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results = batch.map(() => ({ ok: false, failure: { kind: 'store', message } }));
    }
    this.inFlight -= 1;
    batch.forEach((entry, index) => entry.resolve(results[index] as OpResult));
    if (results.some((result) => result.ok)) {
      this.onCommitted(
        batch.map((entry) => entry.op),
        results,
      );
    }
    if (this.queue.length > 0) {
      this.schedule();
    } else if (this.inFlight === 0) {
      for (const resolve of this.idle.splice(0)) resolve();
    }
  }
}
