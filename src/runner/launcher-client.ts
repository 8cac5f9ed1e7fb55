/**
 * The node's side of the launcher: forks it, and turns the IPC messages back into the
 * {@link Runner} interface. Should the launcher itself die, the runs it leaves are taken
 * down from here with the same ladder, so that they do not outlive it unwatched.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RunnerStoppedError, UnavailableError, ValidationError } from '../errors.js';
import { withoutNodeSettings } from './job-env.js';
import type { FromLauncher, ToLauncher, WireError } from './launcher-protocol.js';
import { type Pending, takeDown } from './orphaned-runs.js';
import { GroupWatcher } from './process-group.js';
import { validateRunRequest } from './run-request.js';
import type { AbortReason, RunCallbacks, RunHandle, RunOutcome, RunRequest, Runner } from './runner.js';

/** Options of {@link startLauncher}. */
export interface LauncherOptions {
  /**
   * Environment of the launcher, which jobs inherit; timecloud's own settings and secrets
   * (`TIMECLOUD_*`) are removed before the launcher sees it.
   * @defaultValue `process.env`
   */
  env?: NodeJS.ProcessEnv;
  /**
   * Grace used from here if the launcher dies with runs in flight, in ms.
   * @defaultValue 5000
   */
  orphanGraceMs?: number;
  /** Told when the launcher exits without being closed; later `prepare` calls reject. */
  onExit?(info: { code: number | null; signal: NodeJS.Signals | null }): void;
}

/** A {@link Runner} backed by a launcher process. */
export interface LauncherRunner extends Runner {
  /** The launcher's pid. */
  readonly launcherPid: number;
}

/** Where the launcher entry is: next to this module, as TypeScript (tests) or built JavaScript. */
function launcherEntry(): { path: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return { path: join(dirname(here), 'launcher.js'), execArgv: [] };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { path: join(dirname(here), 'launcher.ts'), execArgv: ['--import', tsx] };
}

function fromWire(error: WireError): Error {
  if (error.code === 'VALIDATION') return new ValidationError(error.message, error.path);
  if (error.code === 'UNAVAILABLE') {
    return error.name === RunnerStoppedError.name ? new RunnerStoppedError(error.message) : new UnavailableError(error.message);
  }
  return new Error(error.message);
}

/** Forks the launcher and resolves once it is ready to take runs. */
export function startLauncher(options: LauncherOptions = {}): Promise<LauncherRunner> {
  const entry = launcherEntry();
  const child = fork(entry.path, [], {
    execArgv: entry.execArgv,
    env: withoutNodeSettings(options.env ?? process.env),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'json',
  });
  return new Promise((resolve, reject) => {
    const early = (code: number | null, signal: NodeJS.Signals | null): void =>
      reject(new UnavailableError(`timecloud launcher exited before it was ready (code ${code}, signal ${signal})`));
    child.once('exit', early);
    child.once('error', reject);
    child.once('message', (message: FromLauncher) => {
      child.off('exit', early);
      child.off('error', reject);
      if (message.type !== 'ready') return reject(new UnavailableError(`timecloud launcher said ${message.type} first`));
      resolve(new LauncherClient(child, message.pid, options));
    });
  });
}

class RemoteRun implements RunHandle {
  readonly runId: string;
  readonly pid: number;
  readonly outcome: Promise<RunOutcome>;
  readonly #pending: Pending;
  readonly #id: number;
  readonly #send: (message: ToLauncher) => void;

  constructor(id: number, pid: number, pending: Pending, send: (message: ToLauncher) => void) {
    this.runId = pending.runId;
    this.pid = pid;
    this.outcome = pending.outcome;
    this.#pending = pending;
    this.#id = id;
    this.#send = send;
  }

  start(): void {
    this.#pending.started = true;
    this.#send({ type: 'start', id: this.#id });
  }

  cancel(): Promise<void> {
    if (this.#pending.started) {
      return Promise.reject(new Error(`run ${this.runId} has started: abort it instead of cancelling`));
    }
    this.#send({ type: 'cancel', id: this.#id });
    return this.outcome.then(() => undefined);
  }

  abort(reason: Exclude<AbortReason, 'timeout'>): void {
    this.#send({ type: 'abort', id: this.#id, reason });
  }
}

class LauncherClient implements LauncherRunner {
  readonly #child: ChildProcess;
  readonly #options: LauncherOptions;
  readonly #runs = new Map<number, Pending>();
  readonly #shutdowns = new Map<number, () => void>();
  #nextId = 1;
  #gone: Error | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(
    child: ChildProcess,
    readonly launcherPid: number,
    options: LauncherOptions,
  ) {
    this.#child = child;
    this.#options = options;
    child.on('message', (message: FromLauncher) => this.#receive(message));
    child.on('exit', (code, signal) => this.#launcherExited(code, signal));
    this.#updateRef();
  }

  async prepare(request: RunRequest, callbacks: RunCallbacks): Promise<RunHandle> {
    // Checked here too, so that a bad request fails with the caller's stack.
    validateRunRequest(request);
    if (this.#closing) throw new RunnerStoppedError(`runner is closed: run ${request.runId} not prepared`);
    if (this.#gone) throw this.#gone;
    const id = this.#nextId++;
    let resolve!: (outcome: RunOutcome) => void;
    const outcome = new Promise<RunOutcome>((settle) => (resolve = settle));
    const pending: Pending = { runId: request.runId, callbacks, outcome, resolve, started: false };
    void outcome.then(() => {
      this.#runs.delete(id);
      this.#updateRef();
    });
    const handle = new Promise<RunHandle>((resolveHandle, reject) => {
      pending.prepared = { resolve: resolveHandle, reject };
    });
    this.#runs.set(id, pending);
    this.#updateRef();
    this.#send({ type: 'prepare', id, request });
    return handle;
  }

  fenceAt(deadline: Date | null): void {
    this.#send({ type: 'fence', deadline: deadline === null ? null : deadline.getTime() });
  }

  shutdown(reason: 'shutdown' | 'fenced'): Promise<void> {
    if (this.#gone) return Promise.all([...this.#runs.values()].map((run) => run.outcome)).then(() => undefined);
    const seq = this.#nextId++;
    return new Promise((resolve) => {
      this.#shutdowns.set(seq, resolve);
      this.#updateRef();
      this.#send({ type: 'shutdown', seq, reason });
    });
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    this.#updateRef();
    if (this.#gone) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    await this.shutdown('shutdown');
    this.#child.disconnect();
    await exited;
  }

  #send(message: ToLauncher): void {
    // A channel closing under us is reported by the 'exit' handler; the callback keeps the
    // send error from becoming an unhandled 'error' event.
    if (this.#child.connected) this.#child.send(message, undefined, {}, () => undefined);
  }

  /** Keeps this process alive only while something waits on the launcher. */
  #updateRef(): void {
    const busy = this.#runs.size > 0 || this.#shutdowns.size > 0 || this.#closing;
    const channel = this.#child.channel as { ref(): void; unref(): void } | undefined | null;
    if (busy) {
      this.#child.ref();
      channel?.ref();
    } else {
      this.#child.unref();
      channel?.unref();
    }
  }

  #receive(message: FromLauncher): void {
    switch (message.type) {
      case 'ready':
        return;
      case 'prepared': {
        const pending = this.#runs.get(message.id);
        if (!pending) return;
        pending.pid = message.pid;
        pending.prepared?.resolve(new RemoteRun(message.id, message.pid, pending, (m) => this.#send(m)));
        pending.prepared = undefined;
        return;
      }
      case 'rejected': {
        const pending = this.#runs.get(message.id);
        this.#runs.delete(message.id);
        this.#updateRef();
        pending?.prepared?.reject(fromWire(message.error));
        return;
      }
      case 'log':
        return this.#callback(message.id, (callbacks) => callbacks.onLog(message.batch));
      case 'signal': {
        const { signal, reason, at } = message;
        return this.#callback(message.id, (callbacks) => callbacks.onSignal({ signal, reason, at: new Date(at) }));
      }
      case 'outcome':
        this.#runs.get(message.id)?.resolve(message.outcome);
        return;
      case 'shutdown-done': {
        const resolve = this.#shutdowns.get(message.seq);
        this.#shutdowns.delete(message.seq);
        this.#updateRef();
        resolve?.();
        return;
      }
      default:
        message satisfies never;
    }
  }

  #callback(id: number, call: (callbacks: RunCallbacks) => void): void {
    const pending = this.#runs.get(id);
    if (!pending) return;
    try {
      call(pending.callbacks);
    } catch (error) {
      process.emitWarning(`timecloud runner: a callback of run ${pending.runId} threw: ${String(error)}`);
    }
  }

  /** The launcher is gone: nothing watches its runs any more, so take them down from here. */
  #launcherExited(code: number | null, signal: NodeJS.Signals | null): void {
    this.#gone = new UnavailableError(`timecloud launcher exited (code ${code}, signal ${signal})`);
    for (const resolve of this.#shutdowns.values()) resolve();
    this.#shutdowns.clear();
    if (!this.#closing) this.#options.onExit?.({ code, signal });
    const watcher = new GroupWatcher();
    const grace = this.#options.orphanGraceMs ?? 5000;
    for (const [id, pending] of this.#runs) {
      if (pending.prepared) {
        this.#runs.delete(id);
        pending.prepared.reject(this.#gone);
        continue;
      }
      takeDown(pending, watcher, grace);
    }
    this.#updateRef();
  }
}
