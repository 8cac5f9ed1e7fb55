// One line that says what a stored event means, for the audit table.
import type { StoredEventJson } from '../../../../src/http/api-types.js';

export const EVENT_TYPES = [
  'JobRegistered', 'JobUpdated', 'JobRemoved', 'JobRejected', 'JobEnabled', 'JobDisabled',
  'RunScheduled', 'RunSkipped', 'RunMissed', 'RunQueued', 'RunStarted', 'RunSignalled',
  'RunSucceeded', 'RunFailed', 'RunTimedOut', 'RunAborted', 'RunAbandoned', 'RetryScheduled',
  'LogChunk', 'LogTruncated', 'LeaseAcquired', 'LeaseRenewed', 'LeaseReleased',
  'AlertRaised', 'AlertNotified', 'AlertSuppressed', 'AlertDeliveryFailed', 'AlertResolved',
];

const KEYS = ['jobId', 'runId', 'attempt', 'reason', 'by', 'signal', 'exitCode', 'durationMs', 'slot', 'pid', 'nodeId', 'epoch', 'message', 'field', 'channel', 'outcome', 'failures'];

export function summarize(event: StoredEventJson): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of KEYS) {
    const value = data[key];
    if (value === undefined || value === null || value === '') continue;
    parts.push(`${key}=${typeof value === 'string' && key === 'runId' ? value.slice(0, 8) : String(value)}`);
  }
  if (event.type === 'LogChunk' && typeof data.text === 'string') parts.push(JSON.stringify(data.text.slice(0, 80)));
  return parts.join('  ');
}
