// How each run and job status looks: a word and a symbol as well as a colour, so status reads
// without colour vision and in monochrome screenshots.
import type { AlertSummary, JobStatus, LiveRunStatus } from '../../../src/http/api-types.js';

export type Tone = 'ok' | 'bad' | 'warn' | 'busy' | 'idle' | 'muted';

export interface StatusLook {
  label: string;
  symbol: string;
  tone: Tone;
}

const RUN: Record<LiveRunStatus, StatusLook> = {
  scheduled: { label: 'scheduled', symbol: '◷', tone: 'idle' },
  queued: { label: 'queued', symbol: '…', tone: 'idle' },
  running: { label: 'running', symbol: '▶', tone: 'busy' },
  succeeded: { label: 'succeeded', symbol: '✓', tone: 'ok' },
  failed: { label: 'failed', symbol: '✕', tone: 'bad' },
  timed_out: { label: 'timed out', symbol: '⏱', tone: 'bad' },
  aborted: { label: 'aborted', symbol: '■', tone: 'warn' },
  abandoned: { label: 'abandoned', symbol: '⚠', tone: 'bad' },
  skipped: { label: 'skipped', symbol: '↷', tone: 'muted' },
  missed: { label: 'missed', symbol: '∅', tone: 'warn' },
};

const JOB: Record<JobStatus, StatusLook> = {
  idle: { label: 'idle', symbol: '○', tone: 'idle' },
  running: { label: 'running', symbol: '▶', tone: 'busy' },
  queued: { label: 'queued', symbol: '…', tone: 'idle' },
  disabled: { label: 'disabled', symbol: '⏸', tone: 'muted' },
  removed: { label: 'removed', symbol: '⌫', tone: 'muted' },
  failing: { label: 'failing', symbol: '✕', tone: 'bad' },
};

const ALERT: Record<AlertSummary['status'], StatusLook> = {
  open: { label: 'open', symbol: '!', tone: 'bad' },
  resolved: { label: 'resolved', symbol: '✓', tone: 'ok' },
};

export function runStatusLook(status: LiveRunStatus): StatusLook {
  return RUN[status] ?? { label: status, symbol: '?', tone: 'muted' };
}

export function jobStatusLook(status: JobStatus): StatusLook {
  return JOB[status] ?? { label: status, symbol: '?', tone: 'muted' };
}

export function alertStatusLook(status: AlertSummary['status']): StatusLook {
  return ALERT[status] ?? { label: status, symbol: '?', tone: 'muted' };
}

/** Statuses a run can still leave: it may be aborted. */
export function isRunActive(status: LiveRunStatus): boolean {
  return status === 'scheduled' || status === 'queued' || status === 'running';
}

export const JOB_STATUSES: JobStatus[] = ['idle', 'running', 'queued', 'failing', 'disabled', 'removed'];
