/**
 * A timecloud node in its own process for bench/dashboard.bench.ts, so that the server's memory
 * and latency are measured apart from the clients. Prints JSON lines: `started` once the node
 * answers, `caughtUp` once its projections reflect the whole store. Stops cleanly on SIGTERM.
 *
 *   node --import tsx bench/dashboard-node.ts <jobsDir> <dataDir>   (token from TIMECLOUD_TOKEN)
 */
import { loadNodeConfig } from '../src/config/node-config.js';
import { silentLogger } from '../src/log.js';
import { startNode } from '../src/main.js';

const [jobs, data] = process.argv.slice(2);
const config = loadNodeConfig({ flags: { jobs, data, port: 0, slots: 4, leaseTtl: 3000 }, env: {} });
const started = performance.now();
const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
print({ event: 'imported', processMs: Math.round(process.uptime() * 1000) });
const node = await startNode({ config, log: silentLogger(), token: process.env.TIMECLOUD_TOKEN });
print({
  event: 'started',
  url: node.http.url,
  startNodeMs: Math.round(performance.now() - started),
  processMs: Math.round(process.uptime() * 1000),
  startedFrom: node.http.projections.startedFrom,
  checkpointLoadMs: Math.round(node.http.projections.checkpointLoadMs),
});
void node.http.projections.caughtUp.then(() =>
  print({ event: 'caughtUp', sinceStartNodeMs: Math.round(performance.now() - started), processMs: Math.round(process.uptime() * 1000) }),
);
process.on('SIGTERM', () => {
  void node.stop().then(() => process.exit(0));
});
