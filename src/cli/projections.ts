/**
 * `timecloud projections rebuild`: builds the dashboard's projections from the whole store and
 * writes their checkpoint, so the next start of a node on this data folder uses it.
 */
import { join } from 'node:path';
import { checkpointText, storeKey, writeCheckpointFile } from '../../projections/checkpoint.js';
import { createProjections, rebuildProjections } from '../../projections/projection-runner.js';
import { CHECKPOINT_FILE } from '../http/dashboard.js';
import type { EventStore } from '../store/event-store.js';

export interface RebuildReport {
  file: string;
  events: number;
  jobs: number;
  runs: number;
  ms: number;
}

export async function rebuildCheckpoint(store: EventStore, dataDir: string): Promise<RebuildReport> {
  const started = performance.now();
  const result = await rebuildProjections(store);
  const file = join(dataDir, CHECKPOINT_FILE);
  const versions = Object.fromEntries(Object.entries(createProjections()).map(([name, p]) => [name, p.version]));
  const text = checkpointText({
    store: storeKey(store),
    versions,
    position: (result.position ?? 0n).toString(),
    ...(result.anchor ? { anchor: result.anchor } : {}),
    savedAt: new Date().toISOString(),
    states: result.encoded,
  });
  await writeCheckpointFile(file, text);
  return {
    file,
    events: result.events,
    jobs: Object.keys(result.states.jobs.jobs).length,
    runs: result.states.runs.count,
    ms: Math.round(performance.now() - started),
  };
}
