/**
 * Benchmark of the embedded SQLite event store. Run: node --import tsx bench/store.bench.ts
 * Prints durable append rates (sequential, batched, 100 concurrent appenders, two writer
 * processes) for both writer placements, the raw better-sqlite3 batched insert rate on the
 * same schema and pragmas as the ceiling, the event-loop fire lag while appending, and the
 * latency of a subscription in another process than the writer.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '../src/store/event-store.js';
import { prepareFile } from '../src/store/sqlite/connection.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { ensureSchema } from '../src/store/sqlite/schema.js';
import type { SqliteStoreOptions, SqliteWriterMode } from '../src/store/sqlite/sqlite-store-options.js';
import { fmt, lagSummary, percentile, startFireLagProbe, wallClock } from './store/measure.js';
import { startWriter } from './store/writer-process.js';

type ChangeDetection = NonNullable<SqliteStoreOptions['changeDetection']>;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const dir = await mkdtemp(join(tmpdir(), 'timecloud-store-bench-'));
const payload = { text: 'x'.repeat(200), nested: { a: 1, b: [1, 2, 3] } };
let files = 0;
const freshFile = (): string => join(dir, `store-${(files += 1)}.db`);

/** Raw better-sqlite3: 100 inserts per transaction on the store's own schema and pragmas. */
function rawBatched(): number {
  const file = freshFile();
  const db = prepareFile(file, { quickCheck: false });
  ensureSchema(db, file);
  const insert = db.prepare(
    'INSERT INTO events (event_id, stream, revision, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const batch = db.transaction((stream: string) => {
    for (let revision = 0; revision < 100; revision += 1) {
      insert.run(randomUUID(), stream, revision, 'Bench', JSON.stringify(payload), '{}', Date.now());
    }
  });
  const started = performance.now();
  let events = 0;
  while (performance.now() - started < SECONDS * 1000) {
    batch(`raw-${randomUUID()}`);
    events += 100;
  }
  const rate = events / ((performance.now() - started) / 1000);
  db.close();
  return rate;
}

/** `appenders` loops, each appending `perAppend` events at a time to its own stream. */
async function appendRate(
  writer: SqliteWriterMode,
  appenders: number,
  perAppend: number,
): Promise<{ rate: number; lag: ReturnType<typeof lagSummary> }> {
  const store = await openSqliteStore(freshFile(), { writer, scavengeIntervalMs: 0 });
  const events = Array.from({ length: perAppend }, () => ({ type: 'Bench', data: payload }));
  const probe = startFireLagProbe();
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      const stream = `bench-${randomUUID()}`;
      while (performance.now() < deadline) {
        await store.append(stream, events);
        count += perAppend;
      }
    }),
  );
  const rate = count / ((performance.now() - started) / 1000);
  const lag = lagSummary(probe.stop());
  await store.close();
  return { rate, lag };
}

/** Two writer processes, each with 100 concurrent single-event appenders, on one file. */
async function twoProcesses(writer: SqliteWriterMode): Promise<{ rate: number; lagP99: number[] }> {
  const file = freshFile();
  const setup = await openSqliteStore(file);
  await setup.close();
  const children = [0, 1].map(() => startWriter(file, writer, ['throughput', '100', String(SECONDS * 1000)]));
  await Promise.all(children.map((child) => child.ready));
  for (const child of children) child.go();
  const outcomes = (await Promise.all(children.map((child) => child.result))) as {
    events: number;
    seconds: number;
    lag: { p99: number };
  }[];
  return {
    rate: outcomes.reduce((sum, outcome) => sum + outcome.events / outcome.seconds, 0),
    lagP99: outcomes.map((outcome) => outcome.lag.p99),
  };
}

/** A subscriber here, a writer process appending one event every `intervalMs`. */
async function crossProcessLatency(
  changeDetection: ChangeDetection,
  count: number,
  intervalMs: number,
): Promise<{ latencies: number[]; appendMs: number[]; afterAck: number[] }> {
  const file = freshFile();
  const store = await openSqliteStore(file, { scavengeIntervalMs: 0, changeDetection });
  const stream = `latency-${randomUUID()}`;
  const latencies: number[] = [];
  const subscription = store.subscribeToStream(stream);
  const consuming = (async () => {
    for await (const event of subscription as AsyncIterable<StoredEvent>) {
      // Indexed by n: the writer reports its append times in the same order.
      latencies[(event.data as { n: number }).n] = wallClock() - (event.data as { sentAt: number }).sentAt;
      if (event.revision === BigInt(count - 1)) break;
    }
  })();
  await subscription.caughtUp;
  const child = startWriter(file, 'worker', ['paced', stream, String(count), String(intervalMs)]);
  await child.ready;
  child.go();
  const { appendMs } = (await child.result) as { appendMs: number[] };
  await consuming;
  await store.close();
  // What the change detection adds once the writer's append has resolved (can be below 0:
  // the subscriber may see the commit before the writer's own loop has handled its reply).
  const afterAck = latencies.map((latency, n) => latency - (appendMs[n] ?? 0));
  return { latencies, appendMs, afterAck };
}

/** CPU spent by this process while a subscription waits and nothing is written. */
async function idlePollingCpu(changeDetection: ChangeDetection): Promise<{ withSubscription: number; without: number }> {
  const store = await openSqliteStore(freshFile(), { scavengeIntervalMs: 0, changeDetection });
  const measure = async (): Promise<number> => {
    const before = process.cpuUsage();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const used = process.cpuUsage(before);
    return ((used.user + used.system) / 1000 / (performance.now() - started)) * 100;
  };
  await new Promise((resolve) => setTimeout(resolve, 500));
  const without = await measure();
  const subscription = store.subscribeToAll({ fromPosition: 'end' });
  const waiting = (async () => {
    for await (const _event of subscription) break;
  })();
  await subscription.caughtUp;
  const withSubscription = await measure();
  await subscription.close();
  await waiting;
  await store.close();
  return { withSubscription, without };
}

const line = (label: string, value: string): void => console.log(`${label.padEnd(72)} ${value}`);
console.log(`timecloud store benchmark: ${SECONDS} s per measurement, files in ${dir}`);
console.log(`node ${process.version}, ${process.platform} ${process.arch}\n`);

// The machine may be shared: the ceiling and the group-commit rates it is compared with are
// measured in alternating rounds, and the medians compared.
const rounds: { raw: number[]; worker: number[]; inline: number[] } = { raw: [], worker: [], inline: [] };
const lags: Record<SqliteWriterMode, ReturnType<typeof lagSummary>[]> = { worker: [], inline: [] };
for (let round = 0; round < ROUNDS; round += 1) {
  rounds.raw.push(rawBatched());
  for (const writer of ['worker', 'inline'] as const) {
    const concurrent = await appendRate(writer, 100, 1);
    rounds[writer].push(concurrent.rate);
    lags[writer].push(concurrent.lag);
  }
}
const median = (values: number[]): number => percentile(values, 0.5);
const spread = (values: number[]): string => `(${values.map((value) => fmt(value)).join(', ')})`;
const raw = median(rounds.raw);
line(`raw better-sqlite3, 100 inserts per transaction (ceiling), median of ${ROUNDS}`, `${fmt(raw)} events/s ${spread(rounds.raw)}`);

for (const writer of ['worker', 'inline'] as const) {
  console.log(`\nwriter: ${writer}`);
  const sequential = await appendRate(writer, 1, 1);
  line('  sequential single-event appends', `${fmt(sequential.rate)} events/s`);
  const batched = await appendRate(writer, 1, 100);
  line('  sequential appends of 100 events', `${fmt(batched.rate)} events/s`);
  const concurrent = median(rounds[writer]);
  line(`  100 concurrent single-event appenders (group commit), median`, `${fmt(concurrent)} events/s ${spread(rounds[writer])}`);
  line('    ratio to raw batched', `${fmt((concurrent / raw) * 100, 1)} %`);
  line(
    '    fire lag of a 5 ms timer on this loop meanwhile, p99 per round',
    lags[writer].map((lag) => `${fmt(lag.p99, 2)} ms`).join(', '),
  );
  const two = await twoProcesses(writer);
  line('  2 writer processes × 100 concurrent appenders, combined', `${fmt(two.rate)} events/s`);
  line('    fire lag p99 in each writer process', two.lagP99.map((lag) => `${fmt(lag, 2)} ms`).join(', '));
}

const p99ByDetection: Partial<Record<ChangeDetection, { total: number; afterAck: number }>> = {};
for (const changeDetection of ['watch', 'poll'] as const) {
  console.log(`\ncross-process subscription, changeDetection: ${changeDetection}`);
  const busy = await crossProcessLatency(changeDetection, 1000, 2);
  p99ByDetection[changeDetection] = {
    total: percentile(busy.latencies, 0.99),
    afterAck: percentile(busy.afterAck, 0.99),
  };
  const ms = (values: number[]): string =>
    `${fmt(percentile(values, 0.5), 2)} / ${fmt(percentile(values, 0.99), 2)} / ${fmt(percentile(values, 1), 2)} ms`;
  line('  one append every 2 ms: append call → delivered, p50 / p99 / max', ms(busy.latencies));
  line('    of which the append itself (commit + fsync), p50 / p99 / max', ms(busy.appendMs));
  line('    delivered after the append resolved, p50 / p99 / max', ms(busy.afterAck));
  const sparse = await crossProcessLatency(changeDetection, 40, 250);
  line('  one append every 250 ms: append call → delivered, p50 / p99 / max', ms(sparse.latencies));
  line('    of which the append itself (commit + fsync), p50 / p99 / max', ms(sparse.appendMs));
  line('    delivered after the append resolved, p50 / p99 / max', ms(sparse.afterAck));
  const cpu = await idlePollingCpu(changeDetection);
  line('  CPU of an idle process, without / with a waiting subscription', `${fmt(cpu.without, 2)} % / ${fmt(cpu.withSubscription, 2)} %`);
}

console.log('\ntargets (printed, not asserted)');
const ratio = median(rounds.worker) / raw;
line('  group commit ≥ 50 % of raw batched (worker writer)', `${fmt(ratio * 100, 1)} % ${ratio >= 0.5 ? 'MET' : 'MISSED'}`);
const p99 = p99ByDetection.watch ?? { total: Number.NaN, afterAck: Number.NaN };
line(
  '  cross-process subscription p99 ≤ 10 ms (default: watch; append call → delivered)',
  `${fmt(p99.total, 2)} ms ${p99.total <= 10 ? 'MET' : 'MISSED'} (after the append resolved: ${fmt(p99.afterAck, 2)} ms)`,
);
await rm(dir, { recursive: true, force: true });
