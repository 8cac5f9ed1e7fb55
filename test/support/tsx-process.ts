/**
 * Runs a TypeScript fixture script as a real child process (`node --import tsx script`),
 * collecting its stdout line by line and letting the test write JSON lines to its stdin.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface TsxProcess {
  child: ChildProcess;
  /** Complete stdout lines so far (a line cut short by a kill is left out). */
  lines: string[];
  stderr(): string;
  /** Writes `message` as one JSON line to the child's stdin. */
  send(message: unknown): void;
  /** Resolves with the exit code (or the signal) once the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const root = fileURLToPath(new URL('../..', import.meta.url));

export function startTsx(script: string, args: readonly string[] = []): TsxProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  let errors = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    lines,
    stderr: () => errors,
    send: (message) => child.stdin?.write(`${JSON.stringify(message, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}\n`),
    exited,
  };
}
