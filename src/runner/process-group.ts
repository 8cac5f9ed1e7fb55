/**
 * Process groups: signalling a whole group and telling when it is really gone.
 *
 * `kill(-pgid, 0)` succeeds while any member exists, zombies included, and a zombie
 * reparented to a PID 1 that never reaps (a bare container) would keep a run alive for
 * ever. So on Linux a group counts as gone when no member in `/proc/<pid>/stat` is in a
 * state other than zombie (`Z`) or dead (`X`).
 */
import { readdirSync, readFileSync } from 'node:fs';

const hasProc = process.platform === 'linux';

/**
 * Sends `signal` to every process of group `pgid`. Returns false when the group no longer
 * exists (ESRCH); other errors (EPERM) are thrown: they mean we cannot stop the job.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** The process groups that have at least one member which is not a zombie (Linux only). */
export function liveGroups(): Set<number> {
  const groups = new Set<number>();
  for (const name of readdirSync('/proc')) {
    const code = name.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const stat = readStat(name);
    if (stat && stat.state !== 'Z' && stat.state !== 'X') groups.add(stat.pgrp);
  }
  return groups;
}

/** Pids of the members of `pgid` that are not zombies (Linux only; for tests and checks). */
export function liveMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    const code = name.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const stat = readStat(name);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(Number(name));
  }
  return members;
}

/** State letter and process group of one pid, or undefined when it has gone. */
export function readStat(pid: string | number): { state: string; pgrp: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // comm (field 2) may hold spaces and parentheses: the fields after it start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const pgrp = Number(fields[2]);
  return state === undefined || !Number.isInteger(pgrp) ? undefined : { state, pgrp };
}

/** True while `kill(-pgid, 0)` finds a member (a zombie counts here; EPERM means it exists). */
function groupAnswers(pgid: number): boolean {
  try {
    return signalGroup(pgid, 0);
  } catch {
    return true;
  }
}

/** True while group `pgid` has a member that is not a zombie. */
export function groupAlive(pgid: number): boolean {
  if (!groupAnswers(pgid)) return false;
  return hasProc ? liveGroups().has(pgid) : true;
}

interface Watched {
  callbacks: Array<() => void>;
  delay: number;
  due: number;
}

/**
 * Polls the groups it is given and calls back once each is gone. One `/proc` scan per tick
 * serves every group due, so many runs ending at once stay cheap; a group that lingers (a
 * background child) is checked less and less often, up to `maxIntervalMs`, until `poke`.
 */
export class GroupWatcher {
  readonly #watched = new Map<number, Watched>();
  #timer: NodeJS.Timeout | undefined;
  #timerDue = Infinity;

  constructor(
    readonly minIntervalMs = 20,
    readonly maxIntervalMs = 500,
  ) {}

  /** Calls `onGone` once group `pgid` is gone; checks at once, then every tick. */
  watch(pgid: number, onGone: () => void): void {
    const watched = this.#watched.get(pgid);
    if (watched) watched.callbacks.push(onGone);
    else this.#watched.set(pgid, { callbacks: [onGone], delay: this.minIntervalMs, due: 0 });
    this.#check([pgid]);
    this.#schedule();
  }

  /** Something was done to the group (a signal): check it soon again. */
  poke(pgid: number): void {
    const watched = this.#watched.get(pgid);
    if (!watched) return;
    watched.delay = this.minIntervalMs;
    watched.due = Date.now() + this.minIntervalMs;
    this.#schedule();
  }

  /** Groups still being watched. */
  get size(): number {
    return this.#watched.size;
  }

  #schedule(): void {
    if (this.#watched.size === 0) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerDue = Infinity;
      return;
    }
    const due = Math.min(...[...this.#watched.values()].map((watched) => watched.due));
    if (this.#timer && this.#timerDue <= due) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, due - Date.now()));
  }

  #tick(): void {
    this.#timer = undefined;
    this.#timerDue = Infinity;
    const now = Date.now();
    const due = [...this.#watched].filter(([, watched]) => watched.due <= now).map(([pgid]) => pgid);
    this.#check(due);
    this.#schedule();
  }

  #check(pgids: number[]): void {
    // ESRCH answers most checks without reading /proc: only groups that still answer a
    // signal (live members or zombies) need the scan.
    const maybeAlive = pgids.filter(groupAnswers);
    const alive = hasProc && maybeAlive.length > 0 ? liveGroups() : new Set(maybeAlive);
    const now = Date.now();
    for (const pgid of pgids) {
      const watched = this.#watched.get(pgid);
      if (!watched) continue;
      if (alive.has(pgid)) {
        watched.due = now + watched.delay;
        watched.delay = Math.min(watched.delay * 2, this.maxIntervalMs);
        continue;
      }
      this.#watched.delete(pgid);
      for (const callback of watched.callbacks) callback();
    }
  }
}
