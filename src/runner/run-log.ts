/**
 * One run's output: bytes from the job's pipes become whole lines, batched, up to a byte
 * cap; past the cap bytes and lines are only counted. Memory stays flat however much a job
 * prints: at most one long line per stream, one batch and the stderr tail are held.
 */

import type { RunLogLine as LogLine } from './runner.js';

/** Options of {@link RunLog}. */
export interface RunLogOptions {
  /** Bytes of output forwarded per run (newlines included); the rest is counted and dropped. */
  limitBytes: number;
  /**
   * Longer lines are forwarded in pieces of at most this many bytes.
   * @defaultValue 16384
   */
  maxLineBytes?: number;
  /**
   * A batch is sent once it holds this many bytes...
   * @defaultValue 32768
   */
  batchBytes?: number;
  /**
   * ...or this long after its first line.
   * @defaultValue 50
   */
  batchMs?: number;
  /**
   * Bytes of stderr kept for the outcome's `stderrTail`, whatever the cap.
   * @defaultValue 2048
   */
  tailBytes?: number;
  /** Receives each batch of lines, in order. */
  onBatch(batch: LogLine[]): void;
}

interface StreamState {
  pending: Buffer[];
  pendingBytes: number;
  /** Past the cap: whether the last byte counted left a line open. */
  open: boolean;
}

const NEWLINE = 0x0a;

export class RunLog {
  readonly #limit: number;
  readonly #maxLine: number;
  readonly #batchLimit: number;
  readonly #batchMs: number;
  readonly #tailBytes: number;
  readonly #onBatch: (batch: LogLine[]) => void;
  readonly #streams: Record<LogLine['stream'], StreamState> = {
    stdout: { pending: [], pendingBytes: 0, open: false },
    stderr: { pending: [], pendingBytes: 0, open: false },
  };
  #batch: LogLine[] = [];
  #batchSize = 0;
  #timer: NodeJS.Timeout | undefined;
  #tail = Buffer.alloc(0);
  #capped = false;
  loggedBytes = 0;
  droppedBytes = 0;
  droppedLines = 0;

  constructor(options: RunLogOptions) {
    this.#limit = options.limitBytes;
    this.#maxLine = options.maxLineBytes ?? 16_384;
    this.#batchLimit = options.batchBytes ?? 32_768;
    this.#batchMs = options.batchMs ?? 50;
    this.#tailBytes = options.tailBytes ?? 2048;
    this.#onBatch = options.onBatch;
  }

  /** The last bytes of stderr as text (a character cut at the start is left out). */
  get stderrTail(): string {
    let start = 0;
    while (start < this.#tail.length && (this.#tail[start]! & 0xc0) === 0x80) start++;
    return this.#tail.subarray(start).toString('utf8');
  }

  /** Takes one chunk read from a pipe. */
  write(stream: LogLine['stream'], chunk: Buffer): void {
    if (stream === 'stderr') this.#keepTail(chunk);
    const state = this.#streams[stream];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#capped) {
        this.#count(state, chunk, pos);
        return;
      }
      const newline = chunk.indexOf(NEWLINE, pos);
      const contentEnd = newline === -1 ? chunk.length : newline;
      const room = this.#maxLine - state.pendingBytes;
      if (contentEnd - pos > room) {
        let cut = utf8Boundary(chunk, pos, pos + room);
        // Nothing fits before a whole character: send what is held, or split it if nothing is.
        if (cut === pos && state.pendingBytes === 0) cut = pos + room;
        this.#hold(state, chunk.subarray(pos, cut));
        this.#emit(stream, state, 0, false);
        pos = cut;
        continue;
      }
      this.#hold(state, chunk.subarray(pos, contentEnd));
      if (newline === -1) return;
      this.#emit(stream, state, 1, true);
      pos = newline + 1;
    }
  }

  /** The pipe of `stream` has ended: an unterminated last line is a line too. */
  end(stream: LogLine['stream']): void {
    const state = this.#streams[stream];
    if (state.pendingBytes > 0) this.#emit(stream, state, 0, true);
    if (state.open) this.droppedLines++;
    state.open = false;
  }

  /** Sends the pending batch now (before an outcome is reported, say). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    this.#batchSize = 0;
    this.#onBatch(batch);
  }

  #hold(state: StreamState, bytes: Buffer): void {
    if (bytes.length === 0) return;
    state.pending.push(bytes);
    state.pendingBytes += bytes.length;
  }

  /** Forwards or drops the held bytes as one line piece; `extra` counts its newline. */
  #emit(stream: LogLine['stream'], state: StreamState, extra: number, endsLine: boolean): void {
    const raw = state.pendingBytes + extra;
    const pending = state.pending;
    state.pending = [];
    state.pendingBytes = 0;
    if (this.loggedBytes + raw > this.#limit) {
      this.#cap();
      this.droppedBytes += raw;
      if (endsLine) this.droppedLines++;
      else state.open = true;
      return;
    }
    const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    let text = bytes.toString('utf8');
    if (endsLine && text.endsWith('\r')) text = text.slice(0, -1);
    this.loggedBytes += raw;
    this.#batch.push({ stream, text });
    this.#batchSize += raw;
    if (this.#batchSize >= this.#batchLimit) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#batchMs);
  }

  /** The cap is reached: what either stream holds is dropped, and so is all that follows. */
  #cap(): void {
    if (this.#capped) return;
    this.#capped = true;
    for (const state of Object.values(this.#streams)) {
      this.droppedBytes += state.pendingBytes;
      state.open = state.pendingBytes > 0;
      state.pending = [];
      state.pendingBytes = 0;
    }
  }

  /** Past the cap: count bytes and line ends from `pos` without keeping anything. */
  #count(state: StreamState, chunk: Buffer, pos: number): void {
    this.droppedBytes += chunk.length - pos;
    let lines = 0;
    for (let i = chunk.indexOf(NEWLINE, pos); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) lines++;
    this.droppedLines += lines;
    state.open = chunk[chunk.length - 1] !== NEWLINE;
  }

  #keepTail(chunk: Buffer): void {
    const recent = chunk.length > this.#tailBytes ? chunk.subarray(chunk.length - this.#tailBytes) : chunk;
    const joined = Buffer.concat([this.#tail, recent]);
    this.#tail = joined.length > this.#tailBytes ? joined.subarray(joined.length - this.#tailBytes) : joined;
  }
}

/** `end`, moved back (not past `start`) so that it does not split a UTF-8 character. */
function utf8Boundary(bytes: Buffer, start: number, end: number): number {
  let cut = end;
  while (cut > start && cut > end - 4 && (bytes[cut]! & 0xc0) === 0x80) cut--;
  return cut;
}
