/** Helpers for runner tests: job requests over the fixture scripts, recorded callbacks, group checks. */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { liveMembers, readStat } from '../../src/runner/process-group.js';
import type { RunCallbacks, RunLogLine, RunRequest, RunSignal } from '../../src/runner/runner.js';

/** Folder of the job fixture scripts (`success.sh`, `sleeper.sh`, ...). */
export const JOBS_DIR = fileURLToPath(new URL('../fixtures/jobs/', import.meta.url));

/** A request with a fresh run id, running `script` in the fixtures folder. */
export function runRequest(script: string, overrides: Partial<RunRequest> = {}): RunRequest {
  return {
    runId: `run-${randomUUID()}`,
    jobId: 'fixtures/job',
    attempt: 1,
    scheduledFor: new Date().toISOString(),
    script,
    cwd: JOBS_DIR,
    env: {},
    timeoutMs: 60_000,
    graceMs: 1000,
    logLimitBytes: 1_000_000,
    ...overrides,
  };
}

/** Callbacks that keep everything they are told. */
export interface Recorder extends RunCallbacks {
  lines: RunLogLine[];
  batches: number;
  signals: RunSignal[];
  /** stdout lines as text. */
  stdout(): string[];
}

export function recorder(): Recorder {
  const recorded: Recorder = {
    lines: [],
    batches: 0,
    signals: [],
    onLog(batch) {
      recorded.batches++;
      recorded.lines.push(...batch);
    },
    onSignal(signal) {
      recorded.signals.push(signal);
    },
    stdout: () => recorded.lines.filter((line) => line.stream === 'stdout').map((line) => line.text),
  };
  return recorded;
}

/**
 * Remembers the process groups a test made; `expectAllGone` fails if any still has a
 * member that is not a zombie (an orphan the runner let escape).
 */
/** True once `pid` has exited (gone, or a zombie nobody reaped yet). */
export function processGone(pid: number): boolean {
  const stat = readStat(pid);
  return stat === undefined || stat.state === 'Z' || stat.state === 'X';
}

export class GroupTracker {
  readonly #groups = new Set<number>();

  track<T extends { pid: number }>(handle: T): T {
    this.#groups.add(handle.pid);
    return handle;
  }

  /** Throws naming the groups that still have live members, then forgets them all. */
  expectAllGone(): void {
    const left = [...this.#groups]
      .map((pgid) => ({ pgid, members: liveMembers(pgid) }))
      .filter((group) => group.members.length > 0);
    for (const { members } of left) {
      for (const pid of members) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    this.#groups.clear();
    if (left.length > 0) throw new Error(`process groups left behind: ${JSON.stringify(left)}`);
  }
}
