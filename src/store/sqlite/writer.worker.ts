/**
 * The worker thread that owns the write connection: it commits batches sent by
 * `WorkerWriter`, so fsyncs, checkpoints and lock waits happen off the caller's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BatchCommitter } from './commit-batch.js';
import { openConnection } from './connection.js';
import type { WriterReply, WriterRequest, WriterWorkerData } from './writer-protocol.js';

const port = parentPort;
if (!port) throw new Error('writer.worker.ts must run as a worker thread');
const { file } = workerData as WriterWorkerData;
const reply = (message: WriterReply): void => port.postMessage(message);

try {
  const db = openConnection(file);
  const committer = new BatchCommitter(db);
  port.on('message', (request: WriterRequest) => {
    if (request.kind === 'commit') {
      reply({ kind: 'committed', id: request.id, results: committer.commit(request.ops) });
    } else {
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
