/**
 * The `alert-<jobId>` streams as the subscriber sees them: each job's alert state, loaded once
 * and kept current, and one way to change it — decide against the state, append at the
 * stream's expected revision, evolve. Decisions of one job run one at a time; a conflict (a
 * second subscriber wrote meanwhile) reloads the stream and decides again, and deterministic
 * event ids make a repeated decision a no-op in the store.
 */
import { alertEventId } from '../domain/alert-decider.js';
import { evolveAlert, initialAlertState, type AlertState } from '../domain/alert-state.js';
import { streams, type AlertEvent } from '../domain/events.js';
import { WrongExpectedVersion } from '../errors.js';
import type { EventMetadata, EventStore } from '../store/event-store.js';

const ALERT_EVENT_TYPES = new Set<string>(['AlertRaised', 'AlertSuppressed', 'AlertResolved', 'AlertNotified', 'AlertDeliveryFailed']);

interface Entry {
  state: AlertState;
  /** Revision of the stream's last event; `undefined` when the stream has none. */
  revision?: bigint;
  /** The tail of this job's queue of decisions. */
  queue: Promise<unknown>;
}

export interface AlertStreamsOptions {
  store: EventStore;
  /** Metadata stored with every decision (node id, leader epoch). */
  metadata?: () => EventMetadata;
  /** Called after a job's state was loaded or changed. */
  onChange?: (jobId: string, state: AlertState) => void;
  /** Conflicts tolerated in a row before a decision gives up. @defaultValue 5 */
  maxConflicts?: number;
}

/** Reads a job's alert stream into its state. */
export async function loadAlertState(store: EventStore, jobId: string): Promise<{ state: AlertState; revision?: bigint }> {
  let state = initialAlertState(jobId);
  let revision: bigint | undefined;
  for await (const event of store.readStream(streams.alert(jobId))) {
    revision = event.revision;
    if (ALERT_EVENT_TYPES.has(event.type)) state = evolveAlert(state, { type: event.type, data: event.data } as AlertEvent);
  }
  return { state, ...(revision === undefined ? {} : { revision }) };
}

export class AlertStreams {
  private readonly entries = new Map<string, Promise<Entry>>();

  constructor(private readonly options: AlertStreamsOptions) {}

  /** The job's state, loading it on first use. */
  async state(jobId: string): Promise<AlertState> {
    return (await this.entry(jobId)).state;
  }

  /** The state as last known, without loading; `undefined` for a job not loaded yet. */
  async known(jobId: string): Promise<AlertState | undefined> {
    return this.entries.has(jobId) ? this.state(jobId) : undefined;
  }

  /** Jobs with notices not settled on every channel. */
  async pendingJobs(): Promise<string[]> {
    const entries = await Promise.all([...this.entries.values()].map((entry) => entry.catch(() => undefined)));
    return entries.filter((entry) => entry && entry.state.notices.length > 0).map((entry) => entry!.state.jobId);
  }

  /**
   * Decides against the current state and records what was decided. Runs after the job's
   * earlier decisions; returns the events stored (none when the decision was empty).
   */
  decide(jobId: string, decision: (state: AlertState) => AlertEvent[]): Promise<AlertEvent[]> {
    return this.serialized(jobId, async (entry) => {
      const maxConflicts = this.options.maxConflicts ?? 5;
      for (let conflicts = 0; ; conflicts++) {
        const events = decision(entry.state);
        if (events.length === 0) return [];
        try {
          const result = await this.options.store.append(
            streams.alert(jobId),
            events.map((event) => ({ id: alertEventId(event), type: event.type, data: event.data, metadata: this.options.metadata?.() ?? {} })),
            entry.revision ?? 'no_stream',
          );
          entry.revision = result.nextRevision;
          entry.state = events.reduce(evolveAlert, entry.state);
          this.options.onChange?.(jobId, entry.state);
          return events;
        } catch (error) {
          if (!(error instanceof WrongExpectedVersion) || conflicts >= maxConflicts) throw error;
          await this.reload(entry, jobId);
        }
      }
    });
  }

  /** Re-reads the stream when it moved since we last saw it (another node wrote to it). */
  refresh(jobId: string): Promise<AlertState> {
    return this.serialized(jobId, async (entry) => {
      const revision = await this.options.store.streamRevision(streams.alert(jobId));
      if (revision !== entry.revision) await this.reload(entry, jobId);
      return entry.state;
    });
  }

  private async reload(entry: Entry, jobId: string): Promise<void> {
    const loaded = await loadAlertState(this.options.store, jobId);
    entry.state = loaded.state;
    entry.revision = loaded.revision;
    this.options.onChange?.(jobId, entry.state);
  }

  private entry(jobId: string): Promise<Entry> {
    let entry = this.entries.get(jobId);
    if (!entry) {
      entry = loadAlertState(this.options.store, jobId).then((loaded) => {
        const created: Entry = { ...loaded, queue: Promise.resolve() };
        this.options.onChange?.(jobId, created.state);
        return created;
      });
      // A failed load is retried on next use rather than remembered.
      entry.catch(() => this.entries.delete(jobId));
      this.entries.set(jobId, entry);
    }
    return entry;
  }

  private async serialized<T>(jobId: string, work: (entry: Entry) => Promise<T>): Promise<T> {
    const entry = await this.entry(jobId);
    const run = entry.queue.then(() => work(entry));
    entry.queue = run.catch(() => undefined);
    return run;
  }
}
