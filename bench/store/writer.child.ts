/**
 * A writer process for the store benchmark. Usage:
 *   writer.child.ts FILE MODE throughput CONCURRENCY DURATION_MS
 *     N concurrent single-event appenders for the duration; prints
 *     {"events":…, "seconds":…, "lag":{p50,p99,max}} (the fire lag of this process's loop).
 *   writer.child.ts FILE MODE paced STREAM COUNT INTERVAL_MS
 *     one single-event append every INTERVAL_MS, data { n, sentAt } (wall clock before the
 *     append); prints {"appendMs":[…]} (each append's own latency).
 * MODE is the store's writer: worker or inline. Waits for a line on stdin before starting.
 */
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.js';
import type { SqliteWriterMode } from '../../src/store/sqlite/sqlite-store-options.js';
import { lagSummary, startFireLagProbe, wallClock } from './measure.js';

const [file, mode, kind, ...rest] = process.argv.slice(2);
if (!file || !mode || !kind) throw new Error('usage: writer.child.ts FILE MODE throughput|paced …');
const store = await openSqliteStore(file, { writer: mode as SqliteWriterMode, scavengeIntervalMs: 0 });
const payload = { text: 'x'.repeat(200), nested: { a: 1, b: [1, 2, 3] } };
console.log('ready');
await once(process.stdin, 'data');

if (kind === 'throughput') {
  const [concurrency, durationMs] = rest.map(Number) as [number, number];
  const probe = startFireLagProbe();
  const started = performance.now();
  const deadline = started + durationMs;
  let events = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const stream = `bench-${randomUUID()}`;
      while (performance.now() < deadline) {
        await store.append(stream, [{ type: 'Bench', data: payload }]);
        events += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ events, seconds, lag: lagSummary(probe.stop()) }));
} else {
  const [stream, count, intervalMs] = [rest[0] as string, Number(rest[1]), Number(rest[2])];
  const appendMs: number[] = [];
  for (let n = 0; n < count; n += 1) {
    const sentAt = wallClock();
    await store.append(stream, [{ type: 'Paced', data: { n, sentAt } }]);
    appendMs.push(wallClock() - sentAt);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  console.log(JSON.stringify({ appendMs }));
}
await store.close();
