/**
 * A timecloud node as its own process (`timecloud start`), so its memory can be read apart
 * from the benchmark's: the compiled CLI (`dist/`, as users run it) when it has been built
 * (`npm run build`), otherwise the sources through tsx (whose loader thread adds to RSS).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// This file runs from bench/support/ (sources) or dist/bench/support/ (built).
const ROOT = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../' : '../../../', import.meta.url));
const COMPILED = `${ROOT}dist/src/cli.js`;

/** How the node process is started. */
export function nodeProcessMode(): 'compiled' | 'tsx' {
  return existsSync(COMPILED) ? 'compiled' : 'tsx';
}

/** Resident set size of `pid` in bytes, from /proc; 0 once it is gone. */
export function rssOf(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'latin1')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Pids of the direct children of `pid` (Linux). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'latin1').trim();
    if (text) children.push(...text.split(' ').map(Number));
  }
  return children;
}

export interface NodeProcess {
  readonly pid: number;
  /** Sends SIGTERM (a clean stop) and waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `timecloud start` on `jobsDir` and `dataDir`, logging warnings only. */
export function startNodeProcess(jobsDir: string, dataDir: string, slots: number): NodeProcess {
  const args = ['start', '--jobs', jobsDir, '--data', dataDir, '--slots', String(slots)];
  const argv = nodeProcessMode() === 'compiled' ? [COMPILED, ...args] : ['--import', 'tsx', `${ROOT}src/cli.ts`, ...args];
  const child: ChildProcess = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...process.env, TIMECLOUD_LOG_LEVEL: 'warn', TIMECLOUD_PORT: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid ?? 0,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
