/**
 * The launcher process: forked by the node with an IPC channel, it spawns and watches the
 * jobs so that the node, which grows, never forks itself. It lives exactly as long as its
 * node: when the channel closes (the node died, even by SIGKILL) it takes every run down
 * with the ladder and exits, so no job outlives its node.
 */
import { TimecloudError } from '../errors.js';
import type { FromLauncher, ToLauncher, WireError } from './launcher-protocol.js';
import { LocalRunner } from './local-runner.js';
import type { RunHandle } from './runner.js';

if (!process.send) {
  console.error('timecloud launcher: start it with child_process.fork (it needs an IPC channel)');
  process.exit(2);
}

const runner = new LocalRunner();
const runs = new Map<number, RunHandle>();
let leaving = false;

function send(message: FromLauncher): void {
  // The node may be gone already: 'disconnect' handles that, the callback swallows the send error.
  if (process.connected) process.send?.(message, undefined, {}, () => undefined);
}

function toWire(error: unknown): WireError {
  if (error instanceof TimecloudError) {
    const path = 'path' in error && typeof error.path === 'string' ? { path: error.path } : {};
    return { name: error.name, code: error.code, message: error.message, ...path };
  }
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}

async function prepare(message: Extract<ToLauncher, { type: 'prepare' }>): Promise<void> {
  const { id, request } = message;
  try {
    const run = await runner.prepare(request, {
      onLog: (batch) => send({ type: 'log', id, batch }),
      onSignal: (e) => send({ type: 'signal', id, signal: e.signal, reason: e.reason, at: e.at.getTime() }),
    });
    runs.set(id, run);
    send({ type: 'prepared', id, pid: run.pid });
    void run.outcome.then((outcome) => {
      runs.delete(id);
      send({ type: 'outcome', id, outcome });
    });
  } catch (error) {
    send({ type: 'rejected', id, error: toWire(error) });
  }
}

/** Takes every run down with the ladder, then exits. */
async function leave(code: number): Promise<void> {
  if (leaving) return;
  leaving = true;
  await runner.close();
  process.exit(code);
}

process.on('message', (message: ToLauncher) => {
  switch (message.type) {
    case 'prepare':
      void prepare(message);
      break;
    case 'start':
      runs.get(message.id)?.start();
      break;
    case 'cancel':
      void runs.get(message.id)?.cancel().catch(() => undefined);
      break;
    case 'abort':
      runs.get(message.id)?.abort(message.reason);
      break;
    case 'fence':
      runner.fenceAt(message.deadline === null ? null : new Date(message.deadline));
      break;
    case 'shutdown':
      void runner.shutdown(message.reason).then(() => send({ type: 'shutdown-done', seq: message.seq }));
      break;
    default:
      message satisfies never;
  }
});

process.on('disconnect', () => void leave(0));
// A bug here must not leave jobs unwatched: take them down before dying.
process.on('uncaughtException', (error) => {
  console.error(`timecloud launcher: ${error.stack ?? String(error)}`);
  void leave(70);
});
// The node decides about Ctrl-C and hang-ups (they reach its whole process group, us
// included); a SIGTERM aimed at the launcher itself takes its runs down first.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
process.on('SIGTERM', () => void leave(0));

send({ type: 'ready', pid: process.pid });
