/**
 * Runs whose launcher died: nothing watches their groups any more, so the node takes them
 * down itself with the same ladder.
 */
import { type GroupWatcher, groupAlive, signalGroup } from './process-group.js';
import type { RunCallbacks, RunHandle, RunOutcome } from './runner.js';

/** What the node knows of a run it handed to the launcher. */
export interface Pending {
  runId: string;
  callbacks: RunCallbacks;
  outcome: Promise<RunOutcome>;
  resolve: (outcome: RunOutcome) => void;
  started: boolean;
  pid?: number;
  /** Set until the launcher answers the prepare. */
  prepared?: { resolve: (handle: RunHandle) => void; reject: (error: Error) => void };
}

/** The ladder, run from the node for a run whose launcher died. */
export function takeDown(pending: Pending, watcher: GroupWatcher, graceMs: number): void {
  const pid = pending.pid!;
  const startedAt = performance.now();
  let killed = false;
  const signal = (name: 'SIGUSR2' | 'SIGKILL'): boolean => {
    try {
      return signalGroup(pid, name);
    } catch {
      return false;
    }
  };
  // A held run lost its stdin with the launcher and exits 75 without running the script.
  if (pending.started && signal('SIGUSR2')) pending.callbacks.onSignal({ signal: 'SIGUSR2', reason: 'launcher', at: new Date() });
  const grace = setTimeout(() => {
    if (!groupAlive(pid) || !signal('SIGKILL')) return;
    killed = true;
    pending.callbacks.onSignal({ signal: 'SIGKILL', reason: 'launcher', at: new Date() });
  }, graceMs);
  watcher.watch(pid, () => {
    clearTimeout(grace);
    const totals = { durationMs: Math.round(performance.now() - startedAt), stderrTail: '', loggedBytes: 0, droppedBytes: 0, droppedLines: 0 };
    pending.resolve(
      pending.started
        ? { result: 'aborted', reason: 'launcher', killed, exitCode: null, signal: null, ...totals }
        : { result: 'cancelled', ...totals, durationMs: 0 },
    );
  });
}

