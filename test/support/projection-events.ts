/** Stored events for projection unit tests: positions and revisions as a store would give them. */
import type { TimecloudEvent } from '../../src/domain/events.js';
import type { StoredEvent } from '../../src/store/event-store.js';
import { streams } from '../../src/domain/events.js';

/** The stream an event belongs in. */
function streamOf(event: TimecloudEvent): string {
  if (event.type.startsWith('Lease')) return streams.leader;
  if (event.type === 'LogChunk' || event.type === 'LogTruncated') return streams.runLog((event.data as { runId: string }).runId);
  if (event.type.startsWith('Alert')) return streams.alert((event.data as { jobId: string }).jobId);
  const jobId = (event.data as { jobId?: string }).jobId;
  return jobId === undefined ? streams.config('pkg') : streams.job(jobId);
}

/** Turns domain events into stored ones, numbering them like a store. */
export class EventLog {
  private position = 0n;
  private readonly revisions = new Map<string, bigint>();
  readonly stored: StoredEvent[] = [];

  add(...events: TimecloudEvent[]): StoredEvent[] {
    return events.map((event) => {
      const stream = streamOf(event);
      const revision = this.revisions.get(stream) ?? 0n;
      this.revisions.set(stream, revision + 1n);
      this.position += 1n;
      const stored: StoredEvent = {
        id: `00000000-0000-4000-8000-${this.position.toString().padStart(12, '0')}`,
        stream,
        revision,
        position: this.position,
        type: event.type,
        data: event.data,
        metadata: {},
        created: new Date(0),
      };
      this.stored.push(stored);
      return stored;
    });
  }
}

/** Short builders of job events for projection tests; times are minutes after 2026-01-01T00:00Z. */
export const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 0, 1, 0, minute, second)).toISOString();

export const ev = {
  scheduled(jobId: string, runId: string, minute: number, extra: { attempt?: number; rootRunId?: string; reason?: 'cron' | 'manual' | 'retry'; by?: string } = {}): TimecloudEvent {
    return {
      type: 'RunScheduled',
      data: { jobId, runId, rootRunId: extra.rootRunId ?? runId, attempt: extra.attempt ?? 1, scheduledFor: at(minute), reason: extra.reason ?? 'cron', at: at(minute), ...(extra.by ? { by: extra.by } : {}) },
    };
  },
  queued(jobId: string, runId: string, minute: number, reason = 'all 1 slot busy', attempt = 1): TimecloudEvent {
    return { type: 'RunQueued', data: { jobId, runId, attempt, position: 1, reason, at: at(minute) } };
  },
  started(jobId: string, runId: string, minute: number, attempt = 1): TimecloudEvent {
    return { type: 'RunStarted', data: { jobId, runId, attempt, pid: 4242, slot: 0, nodeId: 'n1', host: 'h1', at: at(minute) } };
  },
  succeeded(jobId: string, runId: string, minute: number, durationMs = 1000, attempt = 1): TimecloudEvent {
    return { type: 'RunSucceeded', data: { jobId, runId, attempt, exitCode: 0, durationMs, at: at(minute) } };
  },
  failed(jobId: string, runId: string, minute: number, attempt = 1): TimecloudEvent {
    return { type: 'RunFailed', data: { jobId, runId, attempt, exitCode: 1, signal: null, durationMs: 500, stderrTail: 'boom', at: at(minute) } };
  },
  retry(jobId: string, runId: string, nextRunId: string, minute: number, attempt = 1, rootRunId = runId): TimecloudEvent {
    return {
      type: 'RetryScheduled',
      data: { jobId, runId, attempt, rootRunId, scheduledFor: at(0), nextRunId, nextAttempt: attempt + 1, delayMs: 5000, dueAt: at(minute, 5), at: at(minute) },
    };
  },
  aborted(jobId: string, runId: string, minute: number, reason = 'aborted on request', attempt = 1): TimecloudEvent {
    return { type: 'RunAborted', data: { jobId, runId, attempt, by: 'alice', reason, durationMs: 0, killed: false, at: at(minute) } };
  },
};
