/** Messages between `WorkerWriter` and its worker thread (`writer.worker.ts`). */
import type { OpResult, WriteOp } from './write-ops.js';

export interface WriterWorkerData {
  file: string;
}

export type WriterRequest = { kind: 'commit'; id: number; ops: readonly WriteOp[] } | { kind: 'close' };

export type WriterReply =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'committed'; id: number; results: OpResult[] };
