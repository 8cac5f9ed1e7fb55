/**
 * The end of a run's stored log, line by line with the stream each line came on: read backwards
 * from its `runlog-<runId>` stream through the events API, as the plain-text log endpoint does
 * not say which lines were stderr.
 */
import type { StoredEventJson } from '../../../src/http/api-types.js';
import type { LogLine } from '../composables/useEventFeed.js';
import { api } from './client.js';

/** Events a page; a chunk holds up to 64 KiB, so a page is bounded. */
const PAGE = 50;

interface ChunkData {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** The last `maxLines` stored lines of a run (fewer when it printed fewer), oldest first. */
export async function readStoredLog(runId: string, maxLines: number): Promise<LogLine[]> {
  const chunks: StoredEventJson[] = [];
  let lines = 0;
  let from: string | undefined;
  do {
    const page = await api.events({ stream: `runlog-${runId}`, direction: 'backwards', limit: PAGE, from });
    for (const event of page.events) {
      if (event.type !== 'LogChunk') continue;
      chunks.push(event);
      lines += (event.data as ChunkData).text.split('\n').length;
    }
    from = page.next;
  } while (from && lines < maxLines);
  const all = chunks.reverse().flatMap((event) => {
    const { stream, text } = event.data as ChunkData;
    return text.split('\n').map((line) => ({ stream, text: line }));
  });
  return all.slice(Math.max(0, all.length - maxLines));
}
