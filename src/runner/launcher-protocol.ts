/** Messages between the node and its launcher process, over the fork IPC channel (JSON). */
import type { AbortReason, RunLogLine, RunOutcome, RunRequest } from './runner.js';

/** Node → launcher. `id` names a run for the life of the channel. */
export type ToLauncher =
  | { type: 'prepare'; id: number; request: RunRequest }
  | { type: 'start'; id: number }
  | { type: 'cancel'; id: number }
  | { type: 'abort'; id: number; reason: Exclude<AbortReason, 'timeout'> }
  /** Epoch ms, or null to disable self-fencing. */
  | { type: 'fence'; deadline: number | null }
  | { type: 'shutdown'; seq: number; reason: 'shutdown' | 'fenced' };

/** An error carried over the channel. */
export interface WireError {
  name: string;
  code?: string;
  path?: string;
  message: string;
}

/** Launcher → node. */
export type FromLauncher =
  | { type: 'ready'; pid: number }
  | { type: 'prepared'; id: number; pid: number }
  | { type: 'rejected'; id: number; error: WireError }
  | { type: 'log'; id: number; batch: RunLogLine[] }
  | { type: 'signal'; id: number; signal: 'SIGUSR2' | 'SIGKILL'; reason: AbortReason; at: number }
  | { type: 'outcome'; id: number; outcome: RunOutcome }
  | { type: 'shutdown-done'; seq: number };
