/**
 * Event ids of job decisions. Decisions that must happen at most once get an id derived from
 * what makes them unique, so a retried append is stored once and a second decider's copy is
 * recognised; the rest get random ids.
 */
import type { JobEvent } from './events.js';
import { decisionEventId, randomId } from './ids.js';

export function eventIdFor(event: JobEvent): string {
  switch (event.type) {
    case 'RunScheduled':
    case 'RunStarted':
    case 'RunSucceeded':
    case 'RunFailed':
    case 'RunTimedOut':
    case 'RunAborted':
    case 'RunAbandoned':
      return decisionEventId(event.type, event.data.jobId, event.data.runId);
    case 'RetryScheduled':
      return decisionEventId(event.type, event.data.jobId, event.data.nextRunId);
    case 'RunSkipped':
    case 'RunMissed':
      return decisionEventId(event.type, event.data.jobId, event.data.scheduledFor);
    default:
      return randomId();
  }
}
