/**
 * Deterministic identifiers. The same decision taken twice — by a retried append, a restarted
 * node or a deposed leader — produces the same run id and event id, so the store keeps it once
 * or rejects the second writer.
 */
import { parse, v4 as uuidv4, v5 as uuidv5, validate } from 'uuid';

/** Namespace for every timecloud v5 UUID. Never change it: stored ids depend on it. */
const NAMESPACE = '6f1c0b0e-3f7d-4f5e-9a51-7c4d2b8e9a10';
/** Parsed once: uuid parses a string namespace on every call (a third of each id's cost). */
const NAMESPACE_BYTES = parse(NAMESPACE);

/** Run id of a cron tick (or catch-up of a tick): one per job and tick time. */
export function tickRunId(jobId: string, scheduledFor: string): string {
  return uuidv5(`tick|${jobId}|${scheduledFor}`, NAMESPACE_BYTES);
}

/** Run id of attempt `attempt` (≥ 2) of the run family started by `rootRunId`. */
export function retryRunId(rootRunId: string, attempt: number): string {
  return uuidv5(`retry|${rootRunId}|${attempt}`, NAMESPACE_BYTES);
}

/** Event id of a decision: the event type plus whatever makes the decision unique. */
export function decisionEventId(type: string, ...key: (string | number)[]): string {
  return uuidv5(`${type}|${key.join('|')}`, NAMESPACE_BYTES);
}

export function randomId(): string {
  return uuidv4();
}

export function isUuid(value: string): boolean {
  return validate(value);
}
