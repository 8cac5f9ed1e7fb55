/**
 * A run's output as text, read from its `runlog-<runId>` stream: all of it as a stream of
 * chunks, or only the last lines (read backwards, so a long log is not read whole).
 */
import type { LogChunk, LogTruncated } from '../domain/events.js';
import { streams } from '../domain/events.js';
import type { EventStore } from '../store/event-store.js';

function truncationNote(data: LogTruncated['data']): string {
  return `[timecloud: output truncated — kept ${data.keptBytes} bytes, dropped ${data.droppedBytes} bytes in ${data.droppedLines} lines]\n`;
}

/** The whole log, chunk by chunk, each ending in a newline. */
export async function* wholeLog(store: EventStore, runId: string): AsyncGenerator<string> {
  for await (const event of store.readStream(streams.runLog(runId))) {
    if (event.type === 'LogChunk') yield `${(event.data as LogChunk['data']).text}\n`;
    else if (event.type === 'LogTruncated') yield truncationNote(event.data as LogTruncated['data']);
  }
}

/** The last `lines` lines (and the truncation note, when output was dropped). */
export async function tailLog(store: EventStore, runId: string, lines: number): Promise<string> {
  const texts: string[] = [];
  let count = 0;
  let note = '';
  for await (const event of store.readStream(streams.runLog(runId), { direction: 'backwards' })) {
    if (event.type === 'LogTruncated') {
      note = truncationNote(event.data as LogTruncated['data']);
      continue;
    }
    if (event.type !== 'LogChunk') continue;
    const text = (event.data as LogChunk['data']).text;
    texts.push(text);
    count += text.split('\n').length;
    if (count >= lines) break;
  }
  const all = texts.reverse().join('\n').split('\n');
  const kept = all.slice(Math.max(0, all.length - lines));
  return (kept.length > 0 && texts.length > 0 ? `${kept.join('\n')}\n` : '') + note;
}
