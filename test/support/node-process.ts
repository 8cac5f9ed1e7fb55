/**
 * A timecloud node as a real OS process (`timecloud start` through tsx), for tests that kill,
 * pause or restart nodes. Its log lines are kept for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface NodeProcess {
  child: ChildProcess;
  pid: number;
  /** Everything the node printed so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface NodeProcessOptions {
  jobs: string;
  data: string;
  nodeId?: string;
  slots?: number;
  leaseTtl?: number;
  store?: string;
  port?: number;
  env?: Record<string, string>;
  extraArgs?: string[];
}

export function startNodeProcess(options: NodeProcessOptions): NodeProcess {
  const args = ['--import', 'tsx', 'src/cli.ts', 'start', '--jobs', options.jobs, '--data', options.data, '--port', String(options.port ?? 0)];
  if (options.nodeId) args.push('--node-id', options.nodeId);
  if (options.slots) args.push('--slots', String(options.slots));
  if (options.leaseTtl) args.push('--lease-ttl', String(options.leaseTtl));
  if (options.store) args.push('--store', options.store);
  args.push(...(options.extraArgs ?? []));
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TIMECLOUD_LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    pid: child.pid!,
    output: () => output,
    exited,
    async stop(timeoutMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
