/**
 * Spawn baselines measured from a small, fresh Node process — the size class of the launcher.
 * fork() copies the parent's memory map, so spawning from a benchmark process that also hosts
 * a node (100–200 MiB) is slower than from a small one; the node itself spawns from its
 * launcher, and a fair peer spawns from a process of the same size.
 *
 * Forked by `measureInChild`; answers `{ perSecond, rssMiB }` over IPC, once per request.
 */
import { fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { closedLoop } from './figures.js';

export type BaselineCase = 'spawn' | 'execa';

interface Request {
  kase: BaselineCase;
  runs: number;
  inFlight: number;
}

interface Answer {
  perSecond: number;
  rssMiB: number;
}

function rawSpawn(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('true');
    child.once('error', reject);
    child.once('close', () => resolve());
  });
}

/** A small process that runs baseline cases on request; close it when done. */
export class BaselineChild {
  private readonly child = fork(fileURLToPath(import.meta.url), [], {
    // The same kind of process as the launcher: built JavaScript when this runs built.
    execArgv: import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  private waiting: ((answer: Answer) => void) | undefined;

  /** The small process's pid (to read its CPU time). */
  get pid(): number {
    return this.child.pid ?? 0;
  }

  constructor() {
    this.child.on('message', (answer: Answer) => this.waiting?.(answer));
    this.child.on('exit', (code) => {
      if (this.waiting) throw new Error(`the baseline process exited (code ${code}) during a measurement`);
    });
  }

  /** Runs `kase` `runs` times, `inFlight` at a time, in the small process. */
  measure(kase: BaselineCase, runs: number, inFlight: number): Promise<Answer> {
    return new Promise((resolve) => {
      this.waiting = (answer) => {
        this.waiting = undefined;
        resolve(answer);
      };
      this.child.send({ kase, runs, inFlight } satisfies Request);
    });
  }

  close(): void {
    this.child.disconnect();
  }
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.on('message', (request: Request) => {
    const once = request.kase === 'spawn' ? rawSpawn : () => execa('true');
    void closedLoop(request.runs, request.inFlight, once).then((perSecond) =>
      process.send?.({ perSecond, rssMiB: process.memoryUsage.rss() / 2 ** 20 } satisfies Answer),
    );
  });
}
