/**
 * Errors with a stable `code`. The HTTP layer maps codes to statuses in one table
 * (`src/http/errors.ts`); the CLI prints `message` and exits non-zero.
 */

export type ErrorCode =
  | 'WRONG_EXPECTED_VERSION'
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAUTHORIZED'
  | 'UNAVAILABLE'
  | 'STORE'
  | 'CONFIG';

export class TimecloudError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

function describeExpected(expected: unknown): string {
  return typeof expected === 'bigint' ? `revision ${expected}` : String(expected);
}

/** An append found the stream somewhere other than where the caller expected it. */
export class WrongExpectedVersion extends TimecloudError {
  constructor(
    readonly stream: string,
    readonly expected: 'any' | 'no_stream' | 'stream_exists' | bigint,
    /** Revision of the stream's last event; `undefined` when the stream has none. */
    readonly actual: bigint | undefined,
    options?: ErrorOptions,
  ) {
    super(
      'WRONG_EXPECTED_VERSION',
      `append to "${stream}" expected ${describeExpected(expected)} but the stream is at ${
        actual === undefined ? 'no_stream' : `revision ${actual}`
      }`,
      options,
    );
  }
}

/** Input that does not satisfy a contract; `path` names the field when there is one. */
export class ValidationError extends TimecloudError {
  constructor(
    message: string,
    readonly path?: string,
    options?: ErrorOptions,
  ) {
    super('VALIDATION', message, options);
  }
}

export class NotFoundError extends TimecloudError {
  constructor(message: string, options?: ErrorOptions) {
    super('NOT_FOUND', message, options);
  }
}

export class ConflictError extends TimecloudError {
  constructor(message: string, options?: ErrorOptions) {
    super('CONFLICT', message, options);
  }
}

/** The store (or another dependency) cannot be reached right now; retrying later may work. */
export class UnavailableError extends TimecloudError {
  constructor(message: string, options?: ErrorOptions) {
    super('UNAVAILABLE', message, options);
  }
}

/**
 * The runner takes no new runs for now: it is closed, shutting down or fenced. A run refused so
 * never began, so it is no failure of its job: it stays open for the restart or the next leader.
 */
export class RunnerStoppedError extends UnavailableError {}

/** This node may not write: it does not hold a valid leader lease (another node may have taken over). */
export class FencedError extends UnavailableError {
  constructor(message = 'this node no longer holds a valid leader lease', options?: ErrorOptions) {
    super(message, options);
  }
}

/** The store is unusable: unknown URL, unreadable or corrupt file, undecodable event. */
export class StoreError extends TimecloudError {
  constructor(message: string, options?: ErrorOptions) {
    super('STORE', message, options);
  }
}

export class ConfigError extends TimecloudError {
  constructor(message: string, options?: ErrorOptions) {
    super('CONFIG', message, options);
  }
}
