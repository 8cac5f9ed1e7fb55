/**
 * Sorting the client's errors into what the adapter does about them. The client throws its own
 * `CommandError` classes (with a `type` string) on most paths, but a raw gRPC `ServiceError`
 * (with a numeric `code`) on some — an append while the server is down is one — so both are read.
 */
import { StoreError, TimecloudError, UnavailableError } from '../../errors.js';

export type FailureKind =
  /** The server could not be reached or dropped the call: the operation may be retried. */
  | 'transient'
  /** A follower answered; the client has already reconnected to the leader it named. */
  | 'not-leader'
  | 'wrong-expected-version'
  | 'stream-not-found'
  /** Retrying cannot help (access denied, deleted stream, bad argument, anything unknown). */
  | 'permanent';

const TRANSIENT_TYPES = new Set(['unavailable', 'cancelled', 'deadline-exceeded', 'timeout']);
/** UNAVAILABLE, CANCELLED (by the server), DEADLINE_EXCEEDED. */
const TRANSIENT_CODES = new Set([14, 1, 4]);

export function failureKind(error: unknown): FailureKind {
  if (typeof error !== 'object' || error === null) return 'permanent';
  const { type, code } = error as { type?: unknown; code?: unknown };
  if (type === 'not-leader') return 'not-leader';
  if (type === 'wrong-expected-version') return 'wrong-expected-version';
  if (type === 'stream-not-found') return 'stream-not-found';
  if (typeof type === 'string' && TRANSIENT_TYPES.has(type)) return 'transient';
  if (typeof code === 'number' && TRANSIENT_CODES.has(code)) return 'transient';
  return 'permanent';
}

export function isRetryable(error: unknown): boolean {
  const kind = failureKind(error);
  return kind === 'transient' || kind === 'not-leader';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Our error for a client failure that is not a wrong expected version. */
export function toStoreFailure(error: unknown, what: string, mask: (text: string) => string = (text) => text): Error {
  const message = `${what}: ${mask(errorMessage(error))}`;
  return isRetryable(error) ? new UnavailableError(message, { cause: error }) : new StoreError(message, { cause: error });
}

const PERMANENT_FOR_SUBSCRIPTIONS = new Set([
  'access-denied',
  'stream-deleted',
  'stream-tombstoned',
  'invalid-argument',
  'unsupported',
]);

/**
 * Whether a subscription must end with this error rather than resubscribe: the server refused it
 * for good, or the adapter could not understand what it sent. Everything else — drops, unknown
 * transport errors — is worth another subscription after a backoff.
 */
export function isPermanentForSubscriptions(error: unknown): boolean {
  if (error instanceof TimecloudError) return true;
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  return typeof type === 'string' && PERMANENT_FOR_SUBSCRIPTIONS.has(type);
}
