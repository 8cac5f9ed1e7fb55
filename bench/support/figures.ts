/**
 * Small helpers the benchmarks share: order statistics, how busy the machine was while a case
 * ran (other helpers share these 2 cores), and fixed-width printing.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0–100) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function max(values: readonly number[]): number {
  return values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
}

interface CpuTimes {
  busy: number;
  total: number;
}

function machineCpu(): CpuTimes {
  // First line of /proc/stat: user nice system idle iowait irq softirq steal (in ticks).
  const fields = readFileSync('/proc/stat', 'latin1').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** CPU time of this process and of its children that have been reaped, in ms. */
function ownCpuMs(): number {
  const self = process.cpuUsage();
  return (self.user + self.system) / 1000;
}

/** What the whole machine and this process used while something ran. */
export interface LoadSample {
  /** Busy share of all cores, 0–1 (everything on the machine, this benchmark included). */
  machineBusy: number;
  /** Cores' worth of CPU this process used (its threads, not its children). */
  ownCores: number;
}

/** Starts measuring the machine's load; call the result to stop. */
export function sampleLoad(): () => LoadSample {
  const machine = machineCpu();
  const own = ownCpuMs();
  const started = performance.now();
  return () => {
    const now = machineCpu();
    const elapsed = performance.now() - started;
    return {
      machineBusy: (now.busy - machine.busy) / Math.max(1, now.total - machine.total),
      ownCores: (ownCpuMs() - own) / Math.max(1, elapsed),
    };
  };
}

/** One line saying what the machine is and how loaded it is right now. */
export function machineLine(): string {
  const [one, five] = loadavg();
  return (
    `node ${process.version}, ${cpus().length} cores, load average ${one!.toFixed(2)} (1 min) ${five!.toFixed(2)} (5 min), ` +
    `RSS ${mib(process.memoryUsage.rss())} MiB`
  );
}

export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(0)}%`;
}

export function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '-';
}

/** Runs `once` `runs` times with `inFlight` at a time; returns runs per second. */
export async function closedLoop(runs: number, inFlight: number, once: () => Promise<unknown>): Promise<number> {
  let left = runs;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (left-- > 0) await once();
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return runs / ((performance.now() - started) / 1000);
}
