/**
 * The worker thread that owns the write connection, so fsyncs, checkpoints and lock waits
 * happen off the caller's event loop. Requests that arrive while a commit runs queue up in
 * the port; the thread then merges them into the next transaction (group commit on this
 * side too), so it never sits idle waiting for a round trip to the caller.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BatchCommitter } from './commit-batch.js';
import { openConnection } from './connection.js';
import { packResults, unpackOps } from './wire.js';
import type { WriteOp } from './write-ops.js';
import type { WriterReply, WriterRequest, WriterWorkerData } from './writer-protocol.js';

const port = parentPort;
if (!port) throw new Error('writer.worker.ts must run as a worker thread');
const { file, maxBatchEvents } = workerData as WriterWorkerData;
const reply = (message: WriterReply): void => port.postMessage(message);

interface CommitRequest {
  id: number;
  ops: WriteOp[];
}

function weight(ops: readonly WriteOp[]): number {
  return ops.reduce((sum, op) => sum + (op.kind === 'append' ? op.events.length : 1), 0);
}

try {
  const db = openConnection(file);
  const committer = new BatchCommitter(db);
  const queue: CommitRequest[] = [];
  let scheduled = false;

  const commitQueued = (): void => {
    scheduled = false;
    let events = 0;
    let count = 0;
    while (count < queue.length) {
      const next = weight((queue[count] as CommitRequest).ops);
      if (count > 0 && events + next > maxBatchEvents) break;
      events += next;
      count += 1;
    }
    const requests = queue.splice(0, count);
    const results = committer.commit(requests.flatMap((request) => request.ops));
    let offset = 0;
    const batches = requests.map((request) => {
      const slice = results.slice(offset, offset + request.ops.length);
      offset += request.ops.length;
      return { id: request.id, results: packResults(slice) };
    });
    reply({ kind: 'committed', batches });
    if (queue.length > 0) schedule();
  };
  // setImmediate runs after the port has delivered every message already waiting.
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(commitQueued);
  };

  port.on('message', (request: WriterRequest) => {
    if (request.kind === 'commit') {
      queue.push({ id: request.id, ops: unpackOps(request.ops) });
      schedule();
    } else {
      if (queue.length > 0) commitQueued();
      db.close();
      // Ends this thread only; a loader registered in it could otherwise keep it alive.
      process.exit(0);
    }
  });
  reply({ kind: 'ready' });
} catch (error) {
  reply({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
