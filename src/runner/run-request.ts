/** Checks a {@link RunRequest} before anything is spawned, naming the field that is wrong. */
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { ValidationError } from '../errors.js';
import type { RunRequest } from './runner.js';

function fail(request: Partial<RunRequest>, field: string, problem: string): never {
  const run = typeof request.runId === 'string' ? ` of run ${request.runId}` : '';
  throw new ValidationError(`${field}${run} ${problem}`, field);
}

function text(request: RunRequest, field: 'runId' | 'jobId' | 'scheduledFor' | 'script' | 'cwd'): void {
  const value: unknown = request[field];
  if (typeof value !== 'string' || value.length === 0) fail(request, field, `must be a non-empty string, got ${JSON.stringify(value)}`);
  if (value.includes('\0')) fail(request, field, 'must not contain a NUL character');
}

function count(request: RunRequest, field: 'attempt' | 'timeoutMs' | 'graceMs' | 'logLimitBytes', min: number): void {
  const value: unknown = request[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(request, field, `must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
  }
}

/** Throws a {@link ValidationError} naming the first field of `request` that is unusable. */
export function validateRunRequest(request: RunRequest): void {
  if (typeof request !== 'object' || request === null) throw new ValidationError('run request must be an object');
  for (const field of ['runId', 'jobId', 'scheduledFor', 'script', 'cwd'] as const) text(request, field);
  count(request, 'attempt', 1);
  count(request, 'timeoutMs', 1);
  count(request, 'graceMs', 0);
  count(request, 'logLimitBytes', 0);
  if (Number.isNaN(Date.parse(request.scheduledFor))) fail(request, 'scheduledFor', `is not an ISO date: ${request.scheduledFor}`);
  if (!isAbsolute(request.cwd)) fail(request, 'cwd', `must be an absolute path, got ${request.cwd}`);
  let isDirectory = false;
  try {
    isDirectory = statSync(request.cwd).isDirectory();
  } catch {
    fail(request, 'cwd', `does not exist: ${request.cwd}`);
  }
  if (!isDirectory) fail(request, 'cwd', `is not a directory: ${request.cwd}`);
  if (typeof request.env !== 'object' || request.env === null) fail(request, 'env', 'must be an object of strings');
  for (const [key, value] of Object.entries(request.env)) {
    if (key === '' || key.includes('=') || key.includes('\0')) fail(request, `env.${key}`, 'is not a valid variable name');
    if (typeof value !== 'string' || value.includes('\0')) fail(request, `env.${key}`, `must be a string without NUL, got ${JSON.stringify(value)}`);
  }
}
