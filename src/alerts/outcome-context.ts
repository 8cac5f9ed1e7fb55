/**
 * What the alert decider needs to know about a run outcome beyond the event itself, read from
 * the store: the job's spec (maintainers, its `alerts` settings), whether a retry follows the
 * failure, and the end of the run's stderr when the outcome does not carry it.
 */
import type { JobRegistered, JobUpdated, LogChunk, RetryScheduled } from '../domain/events.js';
import { streams } from '../domain/events.js';
import type { JobSpec } from '../domain/job-spec.js';
import type { EventStore, StoredEvent } from '../store/event-store.js';
import { loadJobState } from '../store/job-streams.js';
import { tailUtf8 } from './utf8.js';

/** Job specs by id, from the subscription's JobRegistered/JobUpdated or loaded on first need. */
export class JobSpecs {
  private readonly specs = new Map<string, { spec?: JobSpec; revision: bigint }>();

  constructor(private readonly store: EventStore) {}

  /** Takes a newer definition seen in the subscription. */
  apply(event: StoredEvent): void {
    if (event.type !== 'JobRegistered' && event.type !== 'JobUpdated') return;
    const { jobId, spec } = (event as unknown as JobRegistered | JobUpdated).data;
    const known = this.specs.get(jobId);
    if (!known || known.revision < event.revision) this.specs.set(jobId, { spec, revision: event.revision });
  }

  async get(jobId: string): Promise<JobSpec | undefined> {
    const known = this.specs.get(jobId);
    if (known) return known.spec;
    const { state, revision } = await loadJobState(this.store, jobId);
    this.specs.set(jobId, { ...(state.spec ? { spec: state.spec } : {}), revision: revision ?? -1n });
    return state.spec;
  }
}

/**
 * True when the job decided a retry of this attempt. The job actor appends a failure and its
 * `RetryScheduled` in one append, so once the failure can be read, so can the retry.
 */
export async function retryFollows(store: EventStore, outcome: StoredEvent): Promise<boolean> {
  const { jobId, runId } = outcome.data as { jobId: string; runId: string };
  for await (const next of store.readStream(streams.job(jobId), { fromRevision: outcome.revision + 1n, maxCount: 1 })) {
    return next.type === 'RetryScheduled' && (next.data as RetryScheduled['data']).runId === runId;
  }
  return false;
}

/** The last `maxBytes` of what a run wrote to stderr, from its run log; `undefined` if none. */
export async function stderrTail(store: EventStore, runId: string, maxBytes: number, maxChunks = 50): Promise<string | undefined> {
  const parts: string[] = [];
  let size = 0;
  let read = 0;
  for await (const event of store.readStream(streams.runLog(runId), { direction: 'backwards' })) {
    if (++read > maxChunks) break;
    if (event.type !== 'LogChunk') continue;
    const chunk = (event as unknown as LogChunk).data;
    if (chunk.stream !== 'stderr') continue;
    parts.unshift(chunk.text);
    size += Buffer.byteLength(chunk.text);
    if (size >= maxBytes) break;
  }
  return parts.length ? tailUtf8(parts.join('\n'), maxBytes) : undefined;
}
