/** Options of the KurrentDB adapter, checked once when the store opens. */
import { ValidationError } from '../../errors.js';

export interface KurrentDbStoreOptions {
  /**
   * Wait before the single retry of an append or read that found the server unavailable (or a
   * follower instead of the leader).
   * @defaultValue 250
   */
  retryDelayMs?: number;
  /**
   * First wait before resubscribing a dropped subscription; it doubles after each failed attempt.
   * @defaultValue 100
   */
  resubscribeInitialDelayMs?: number;
  /**
   * Longest wait between resubscription attempts.
   * @defaultValue 5000
   */
  resubscribeMaxDelayMs?: number;
}

export type CompiledStoreOptions = Required<KurrentDbStoreOptions>;

function duration(options: KurrentDbStoreOptions, field: keyof KurrentDbStoreOptions, fallback: number): number {
  const value = options[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(`${field} must be a finite number of milliseconds >= 0, got ${String(value)}`, field);
  }
  return value;
}

export function compileStoreOptions(options: KurrentDbStoreOptions = {}): CompiledStoreOptions {
  const compiled = {
    retryDelayMs: duration(options, 'retryDelayMs', 250),
    resubscribeInitialDelayMs: duration(options, 'resubscribeInitialDelayMs', 100),
    resubscribeMaxDelayMs: duration(options, 'resubscribeMaxDelayMs', 5000),
  };
  if (compiled.resubscribeMaxDelayMs < compiled.resubscribeInitialDelayMs) {
    throw new ValidationError(
      `resubscribeMaxDelayMs (${compiled.resubscribeMaxDelayMs}) cannot be below resubscribeInitialDelayMs (${compiled.resubscribeInitialDelayMs})`,
      'resubscribeMaxDelayMs',
    );
  }
  return compiled;
}
