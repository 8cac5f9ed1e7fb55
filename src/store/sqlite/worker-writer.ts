/**
 * Runs the write connection on a worker thread. The caller's loop only posts a batch and
 * receives the results, so it stays responsive while SQLite fsyncs, checkpoints the WAL or
 * waits up to `busy_timeout` for another process's write lock.
 */
import { Worker } from 'node:worker_threads';
import { StoreError } from '../../errors.js';
import { packOps, unpackResults } from './wire.js';
import type { OpResult, WriteOp } from './write-ops.js';
import type { Writer } from './writer.js';
import type { WriterReply, WriterRequest, WriterWorkerData } from './writer-protocol.js';

/**
 * The worker's entry. Running from TypeScript sources (tests, `node --import tsx`), the
 * thread does not inherit the parent's loader, so it registers tsx itself first.
 */
function spawnWorker(data: WriterWorkerData): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './writer.worker.ts' : './writer.worker.js', import.meta.url);
  if (!fromSource) return new Worker(entry, { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

export class WorkerWriter implements Writer {
  /** The thread merges whatever queued while it committed; the cap only bounds memory. */
  readonly maxInFlight = 64;
  /** Small enough that the thread starts early, large enough that a post carries many appends. */
  readonly handOffEvents = 128;
  private readonly pending = new Map<number, { resolve: (results: OpResult[]) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    private readonly file: string,
  ) {
    worker.on('message', (reply: WriterReply) => {
      if (reply.kind !== 'committed') return;
      for (const { id, results } of reply.batches) {
        const waiter = this.pending.get(id);
        this.pending.delete(id);
        waiter?.resolve(unpackResults(results));
      }
      if (this.pending.size === 0) worker.unref();
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      this.exited = true;
      if (!this.closing) this.fail(new Error(`the writer thread exited with code ${code}`));
    });
    // Idle, the thread must not keep the process alive; `commit` refs it while waiting.
    worker.unref();
  }

  /** Starts the thread and waits until it has opened its connection. */
  static async start(file: string, maxBatchEvents: number): Promise<WorkerWriter> {
    const worker = spawnWorker({ file, maxBatchEvents });
    let stopListening = (): void => undefined;
    const first = await new Promise<WriterReply>((resolve, reject) => {
      const onExit = (code: number): void => reject(new Error(`the writer thread exited with code ${code} while starting`));
      worker.once('message', resolve).once('error', reject).once('exit', onExit);
      stopListening = () => worker.off('message', resolve).off('error', reject).off('exit', onExit);
    }).catch((error: unknown) => ({ kind: 'failed' as const, message: (error as Error).message }));
    stopListening();
    if (first.kind !== 'ready') {
      await worker.terminate();
      const message = first.kind === 'failed' ? first.message : 'unexpected first message';
      throw new StoreError(`cannot start the writer thread for "${file}": ${message}`);
    }
    return new WorkerWriter(worker, file);
  }

  commit(ops: readonly WriteOp[]): Promise<OpResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.post({ kind: 'commit', id, ops: packOps(ops) });
    });
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      this.worker.once('exit', () => resolve());
      this.worker.ref();
      this.post({ kind: 'close' });
    });
    return this.closing;
  }

  private post(request: WriterRequest): void {
    this.worker.postMessage(request);
  }

  private fail(cause: unknown): void {
    this.failure ??= new StoreError(`the writer thread of "${this.file}" failed: ${(cause as Error).message ?? String(cause)}`, {
      cause,
    });
    for (const waiter of this.pending.values()) waiter.reject(this.failure);
    this.pending.clear();
  }
}
