/**
 * How stored events are printed by `timecloud history`: one readable line each, or with
 * `--json` one JSON object per line as DESIGN.md specifies, plus the event id (revisions and
 * positions as decimal strings, so no precision is lost).
 */
import { toEventJson } from '../http/event-json.js';
import type { StoredEvent } from '../store/event-store.js';

/** The same JSON form the API and the WebSocket use, one event per line. */
export function eventToJson(event: StoredEvent): string {
  return JSON.stringify(toEventJson(event));
}

/** The first 8 characters of an id, as the trail prints run ids. */
export const short = (id: unknown) => (typeof id === 'string' ? id.slice(0, 8) : String(id));

/** The few fields that say what happened, per event type (`exit=3 ms=12`); everything else is in --json. */
export function eventSummary(type: string, data: Record<string, unknown>): string {
  const parts: string[] = [];
  const add = (label: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== '') parts.push(`${label}=${String(value)}`);
  };
  if ('runId' in data) add('run', short(data.runId));
  if ('attempt' in data) add('attempt', data.attempt);
  switch (type) {
    case 'RunScheduled':
      add('reason', data.reason);
      add('for', data.scheduledFor);
      add('by', data.by);
      break;
    case 'RunStarted':
      add('pid', data.pid);
      add('slot', data.slot);
      add('node', data.nodeId);
      add('releases', data.releaseAt);
      break;
    case 'RunSkipped':
    case 'RunMissed':
      add('for', data.scheduledFor);
      add('count', data.count);
      add('reason', data.reason);
      break;
    case 'RunQueued':
      add('position', data.position);
      add('reason', data.reason);
      break;
    case 'RunSignalled':
      add('signal', data.signal);
      add('reason', data.reason);
      break;
    case 'RunFailed':
      add('exit', data.exitCode);
      add('signal', data.signal);
      add('ms', data.durationMs);
      break;
    case 'RunSucceeded':
    case 'RunTimedOut':
    case 'RunAborted':
      add('ms', data.durationMs);
      add('killed', data.killed);
      add('reason', data.reason);
      break;
    case 'RetryScheduled':
      add('next', short(data.nextRunId));
      add('delayMs', data.delayMs);
      break;
    case 'JobRejected':
      add('field', data.field);
      add('message', JSON.stringify(data.message));
      break;
    case 'JobUpdated':
      add('changed', (data.changed as string[] | undefined)?.join(','));
      break;
    case 'LeaseAcquired':
    case 'LeaseRenewed':
    case 'LeaseReleased':
      add('node', data.nodeId);
      add('epoch', data.epoch);
      break;
    case 'LogChunk':
      add('stream', data.stream);
      add('bytes', typeof data.text === 'string' ? Buffer.byteLength(data.text) : undefined);
      break;
    default:
      add('reason', data.reason);
  }
  return parts.join(' ');
}

export function eventToLine(event: StoredEvent): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const when = typeof data.at === 'string' ? data.at : event.created.toISOString();
  return `${when}  ${event.stream}#${event.revision}  ${event.type.padEnd(16)} ${eventSummary(event.type, data)}`.trimEnd();
}
