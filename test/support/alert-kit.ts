/**
 * Helpers for alert tests: a node wired to a local WeCom server, a job that fails until told
 * otherwise, and the alert events of a job as plain data.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { AlertEvent } from '../../src/domain/events.js';
import type { EventStore } from '../../src/store/event-store.js';
import { eventually } from './eventually.js';
import { job, writeJobPackage } from './job-packages.js';
import { jobEvents, type TestNode } from './test-node.js';

/** Fails (exit 2, "could not reach the database" on stderr) until the file given as $1 exists. */
export const FAIL_UNLESS_MARKER = fileURLToPath(new URL('../fixtures/jobs/fail-unless-marker.sh', import.meta.url));

/** A cron schedule that never fires during a test: runs are triggered by hand. */
export const NEVER = '0 0 0 1 1 *';

/** The alert events of a job, in order. */
export async function alertEvents(store: EventStore, jobId: string): Promise<AlertEvent[]> {
  const events: AlertEvent[] = [];
  for await (const event of store.readStream(`alert-${jobId}`)) events.push({ type: event.type, data: event.data } as AlertEvent);
  return events;
}

export async function alertTypes(store: EventStore, jobId: string): Promise<string[]> {
  return (await alertEvents(store, jobId)).map((event) => event.type);
}

/**
 * Writes package `folder` with one job `name` that runs FAIL_UNLESS_MARKER; returns the job id
 * and the marker path (create it to make the job succeed). Waits until the node knows the job.
 */
export async function writeFailingJob(
  current: TestNode,
  folder: string,
  name: string,
  overrides: Record<string, unknown> = {},
): Promise<{ jobId: string; marker: string }> {
  const marker = join(current.jobsDir, folder, 'healthy');
  const definition = job(name, { script: `${FAIL_UNLESS_MARKER} ${marker}`, schedule: NEVER, retries: 0, ...overrides });
  await writeJobPackage(current.jobsDir, folder, { timecloud: { jobs: [definition] } });
  const jobId = `${folder}/${name}`;
  // Written again, the job must have taken this definition before it is triggered.
  await eventually(
    async () => {
      const specs = (await jobEvents(current.node.store, jobId)).filter((e) => e.type === 'JobRegistered' || e.type === 'JobUpdated');
      const latest = specs.at(-1);
      return latest && 'spec' in latest.data && latest.data.spec.script === definition.script && (await current.node.jobIds()).includes(jobId);
    },
    { message: `job ${jobId} registered with its latest definition` },
  );
  return { jobId, marker };
}

/** Waits until the job's alert stream has `count` events of `type`; returns them. */
export async function waitForAlerts<T extends AlertEvent['type']>(
  store: EventStore,
  jobId: string,
  type: T,
  count = 1,
  timeout = 30_000,
): Promise<Extract<AlertEvent, { type: T }>[]> {
  return eventually(
    async () => {
      const found = (await alertEvents(store, jobId)).filter((event): event is Extract<AlertEvent, { type: T }> => event.type === type);
      return found.length >= count ? found : undefined;
    },
    { timeout, message: `${count} ${type} for ${jobId}` },
  );
}
