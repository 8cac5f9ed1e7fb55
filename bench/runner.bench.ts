/**
 * How fast runs can be started and finished, 8 in flight: raw spawn, execa, a shell, and the
 * launcher path; then what each execa option costs. Prints runs/s and the ratio to raw spawn
 * measured in the same process.
 *
 * Run: node --import tsx bench/runner.bench.ts [runsPerCase=500] [rounds=3]
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { execa, type Options } from 'execa';
import { createLocalRunner, type Runner, type RunRequest, startLauncher } from '../src/runner/runner.js';

const IN_FLIGHT = 8;
const RUNS = Number(process.argv[2] ?? 500);
const ROUNDS = Number(process.argv[3] ?? 3);

/** Runs `once` RUNS times with IN_FLIGHT at a time; returns runs per second. */
async function measure(once: () => Promise<unknown>): Promise<number> {
  let left = RUNS;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (left-- > 0) await once();
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return RUNS / ((performance.now() - started) / 1000);
}

function rawSpawn(command: string, args: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args);
    child.once('error', reject);
    child.once('close', () => resolve());
  });
}

let seq = 0;
function request(): RunRequest {
  seq++;
  return {
    runId: `bench-${seq}`,
    jobId: 'bench/true',
    attempt: 1,
    scheduledFor: new Date().toISOString(),
    script: 'true',
    cwd: tmpdir(),
    env: {},
    timeoutMs: 60_000,
    graceMs: 1000,
    logLimitBytes: 1_000_000,
  };
}

async function throughRunner(runner: Runner): Promise<void> {
  const run = await runner.prepare(request(), { onLog: () => undefined, onSignal: () => undefined });
  run.start();
  const outcome = await run.outcome;
  if (outcome.result !== 'succeeded') throw new Error(`bench run ${outcome.result}`);
}

type Case = [name: string, once: () => Promise<unknown>];

/**
 * Runs every case once per round, `ROUNDS` rounds, and prints the median runs/s and the
 * median ratio to raw spawn of the same round: other work on the machine comes and goes,
 * and a ratio taken within one round cancels most of it.
 */
async function report(title: string, cases: Case[], rawSpawnCase: Case): Promise<void> {
  console.log(`\n# ${title}`);
  const all = [rawSpawnCase, ...cases];
  const perSecond = all.map(() => [] as number[]);
  const ratio = all.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    const figures: number[] = [];
    for (const [index, [, once]] of all.entries()) {
      figures[index] = await measure(once);
      perSecond[index]!.push(figures[index]!);
      ratio[index]!.push(figures[index]! / figures[0]!);
    }
  }
  for (const [index, [name]] of all.entries()) {
    const runs = median(perSecond[index]!);
    console.log(`${name.padEnd(58)} ${runs.toFixed(0).padStart(6)} runs/s  ${median(ratio[index]!).toFixed(2)}× raw`);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

console.log(
  `node ${process.version}, ${ROUNDS} rounds of ${RUNS} runs per case, ${IN_FLIGHT} in flight, ` +
    `RSS ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB`,
);
const rawCase: Case = ["child_process.spawn('true')", () => rawSpawn('true')];
const local = createLocalRunner();
const launcher = await startLauncher();
for (const [, once] of [rawCase]) await measure(once); // warm-up, not reported
await report('ways to run `true`', [
  ["execa('true')", () => execa('true')],
  ["execa('true', { shell: true })", () => execa('true', { shell: true })],
  ["child_process.spawn('/bin/sh', ['-c', 'true'])", () => rawSpawn('/bin/sh', ['-c', 'true'])],
  ['in-process runner: prepare + start + outcome', () => throughRunner(local)],
  ['launcher: prepare + start + outcome', () => throughRunner(launcher)],
], rawCase);
await local.close();
await launcher.close();

const options: Array<[string, Options]> = [
  ['(defaults)', {}],
  ['buffer: false', { buffer: false }],
  ['stripFinalNewline: false', { stripFinalNewline: false }],
  ['cleanup: false', { cleanup: false }],
  ['detached: true', { detached: true }],
  ["stdin: 'ignore'", { stdin: 'ignore' }],
  ["stdin: 'pipe'", { stdin: 'pipe' }],
  ['reject: false', { reject: false }],
  ["encoding: 'buffer'", { encoding: 'buffer' }],
  ['extendEnv: false, env: { PATH }', { extendEnv: false, env: { PATH: process.env.PATH } }],
  [
    "the runner's set, without the shell",
    {
      detached: true,
      cleanup: false,
      buffer: false,
      reject: false,
      stdin: 'pipe',
      encoding: 'buffer',
      extendEnv: false,
      env: { PATH: process.env.PATH },
    },
  ],
];
await report(
  "execa('true', { one option changed from its default })",
  options.map(([name, option]): Case => [
    `execa('true', { ${name} })`,
    async () => {
      const child = execa('true', option);
      if (option.stdin === 'pipe') child.stdin?.end();
      await child;
    },
  ]),
  rawCase,
);
