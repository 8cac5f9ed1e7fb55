/**
 * Writes one run's output to its `runlog-<runId>` stream as `LogChunk` events, batched (a chunk
 * every `flushMs` or `maxChunkBytes`), and passes each line to live followers at once. The
 * runner already caps what a run may log; this only groups and stores it, so memory per run is
 * bounded by one chunk plus what waits while the store is slow.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.js';
import { decisionEventId } from '../domain/ids.js';
import { streams, type LogChunk, type LogTruncated } from '../domain/events.js';
import type { Logger } from '../log.js';
import type { EventStore } from '../store/event-store.js';

export interface LiveLogLine {
  runId: string;
  jobId: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Live output of the runs this node executes, for WebSocket followers. */
export class LiveLogBus extends EventEmitter<{ line: [LiveLogLine] }> {}

export interface RunLogWriterOptions {
  store: EventStore;
  clock: Clock;
  log: Logger;
  live?: LiveLogBus;
  /** @defaultValue 200 */
  flushMs?: number;
  /** @defaultValue 65536 */
  maxChunkBytes?: number;
  /** Seconds a run's log is kept (stream `maxAge`); 0 keeps it forever. @defaultValue 30 days */
  retentionSeconds?: number;
  /** False when this node may not write (lost lease): output is then only passed to live followers. */
  canWrite?: () => boolean;
}

export interface LogTotals {
  droppedBytes: number;
  droppedLines: number;
  loggedBytes: number;
}

interface Pending {
  stream: 'stdout' | 'stderr';
  lines: string[];
  bytes: number;
}

export class RunLogWriter {
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private seq = 0;
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private metadataSet = false;
  private readonly stream: string;

  constructor(
    private readonly runId: string,
    private readonly jobId: string,
    private readonly options: RunLogWriterOptions,
  ) {
    this.stream = streams.runLog(runId);
  }

  /** Lines from the runner; one entry per line. */
  add(lines: { stream: 'stdout' | 'stderr'; text: string }[]): void {
    for (const line of lines) {
      this.options.live?.emit('line', { runId: this.runId, jobId: this.jobId, stream: line.stream, text: line.text });
      const last = this.pending[this.pending.length - 1];
      const bytes = Buffer.byteLength(line.text) + 1;
      if (last && last.stream === line.stream) {
        last.lines.push(line.text);
        last.bytes += bytes;
      } else {
        this.pending.push({ stream: line.stream, lines: [line.text], bytes });
      }
      this.pendingBytes += bytes;
    }
    if (this.pendingBytes >= (this.options.maxChunkBytes ?? 65_536)) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.flushMs ?? 200);
  }

  /** Stores what is pending, then `LogTruncated` when the runner dropped output. */
  async finish(totals: LogTotals): Promise<void> {
    this.flush();
    await this.writing;
    if (totals.droppedBytes > 0) {
      const truncated: LogTruncated = {
        type: 'LogTruncated',
        data: {
          runId: this.runId,
          jobId: this.jobId,
          keptBytes: totals.loggedBytes,
          droppedBytes: totals.droppedBytes,
          droppedLines: totals.droppedLines,
          at: this.now(),
        },
      };
      await this.append([{ id: decisionEventId('LogTruncated', this.runId), ...truncated }]);
    }
  }

  private now(): string {
    return new Date(this.options.clock.now()).toISOString();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const chunks: LogChunk[] = this.pending.map((p) => ({
      type: 'LogChunk',
      data: { runId: this.runId, jobId: this.jobId, stream: p.stream, text: p.lines.join('\n'), seq: this.seq++, at: this.now() },
    }));
    this.pending = [];
    this.pendingBytes = 0;
    const events = chunks.map((chunk) => ({ id: decisionEventId('LogChunk', this.runId, chunk.data.seq), ...chunk }));
    this.writing = this.writing.then(() => this.append(events));
  }

  private async append(events: { id: string; type: string; data: unknown }[]): Promise<void> {
    if (this.options.canWrite && !this.options.canWrite()) return;
    try {
      await this.options.store.append(this.stream, events, 'any');
      if (!this.metadataSet) {
        this.metadataSet = true;
        const retention = this.options.retentionSeconds ?? 30 * 86_400;
        if (retention > 0) await this.options.store.setStreamMetadata(this.stream, { maxAge: retention });
      }
    } catch (error) {
      // A run's log is worth less than the run: note the loss and keep going.
      this.options.log.warn({ err: error, runId: this.runId }, 'could not store part of a run log');
    }
  }
}
