/** Messages between `WorkerWriter` and its worker thread (`writer.worker.ts`). */
import type { OpResult, WriteOp } from './write-ops.js';

export interface WriterWorkerData {
  file: string;
  /** Most events the thread merges into one transaction. */
  maxBatchEvents: number;
}

export type WriterRequest = { kind: 'commit'; id: number; ops: readonly WriteOp[] } | { kind: 'close' };

export type WriterReply =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'committed'; batches: { id: number; results: OpResult[] }[] };
