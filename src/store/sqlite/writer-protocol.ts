/** Messages between `WorkerWriter` and its worker thread (`writer.worker.ts`). */
import type { Wire } from './wire.js';

export interface WriterWorkerData {
  file: string;
  /** Most events the thread merges into one transaction. */
  maxBatchEvents: number;
}

/** `ops` and `results` use the flat encoding of `wire.ts`. */
export type WriterRequest = { kind: 'commit'; id: number; ops: Wire } | { kind: 'close' };

export type WriterReply =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'committed'; batches: { id: number; results: Wire }[] };
