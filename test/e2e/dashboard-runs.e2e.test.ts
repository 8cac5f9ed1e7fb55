/**
 * Runs seen through the dashboard in a real headless Chromium: a triggered run's log lines
 * arriving while it runs, aborting a long run, a run's audit trail, and failures with their stderr.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, screenshot, type TestBrowser } from '../support/e2e/browser.js';
import { startDashboardNode, type DashboardNode } from '../support/e2e/dashboard-node.js';
import { errorToasts, jobRow, logIn, logLines, storedLogReads, waitForRunStatus } from '../support/e2e/dashboard.js';
import { ensureUiBuilt, REPO_ROOT } from '../support/e2e/ui-build.js';
import { eventually } from '../support/eventually.js';
import { job, writeJobPackage } from '../support/job-packages.js';
import { runEvents } from '../support/test-node.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
/** Far in the future: these jobs only run when the test triggers them. */
const NEVER = '0 0 0 1 1 *';

let dashboard: DashboardNode;
let browser: TestBrowser;
let gates: string;

beforeAll(async () => {
  await ensureUiBuilt();
  dashboard = await startDashboardNode({
    prepareJobs: async (jobsDir) => {
      gates = join(jobsDir, '..', 'gates');
      await mkdir(gates, { recursive: true });
      await writeJobPackage(jobsDir, 'shop', {
        timecloud: {
          jobs: [
            job('gated', { script: join(FIXTURES, 'e2e', 'gated.sh'), schedule: NEVER, timeout: 60_000, env: { GATE_DIR: gates } }),
            job('long-sleep', { script: `${join(FIXTURES, 'jobs', 'sleeper.sh')} 600`, schedule: NEVER, timeout: 600_000, grace: 1000 }),
            job('hold', { script: `${join(FIXTURES, 'jobs', 'sleeper.sh')} 600`, schedule: NEVER, timeout: 600_000, grace: 1000 }),
            job('sync', { script: join(FIXTURES, 'e2e', 'chatty.sh'), schedule: NEVER, maintainer: ['data-team'] }),
            job('report', { script: join(FIXTURES, 'jobs', 'fail.sh'), schedule: NEVER, retries: 0, maintainer: ['ops-oncall'] }),
          ],
        },
      });
    },
  });
  browser = await openBrowser();
  await logIn(browser.page, dashboard.url, dashboard.token, '/jobs');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.cleanup();
});

/** The run id in the page's URL (`#/runs/<id>`). */
function runIdOf(url: string): string {
  const match = /#\/runs\/([^/?]+)/.exec(url);
  if (!match?.[1]) throw new Error(`not a run page: ${url}`);
  return match[1];
}

describe('runs in the dashboard', () => {
  it('triggers a run from the jobs list and shows its log lines as they are printed', async () => {
    const { page } = browser;
    await jobRow(page, 'shop/gated').getByTestId('run-now').click();
    await page.getByTestId('toast-link').click();
    await page.waitForURL(/#\/runs\//);
    const runId = runIdOf(page.url());

    await eventually(async () => (await logLines(page)).includes('gated: first line'), { message: 'the first line' });
    await waitForRunStatus(page, 'running');
    // The page reads the stored log when it opens and once more shortly after; after that, while
    // the run goes on, new lines can only come live over the WebSocket.
    await eventually(async () => (await storedLogReads(page)) === 2, { message: 'the follow-up read of the stored log' });
    expect(await logLines(page)).not.toContain('gated: second line');

    await writeFile(join(gates, 'one'), '');
    await eventually(async () => (await logLines(page)).includes('gated: second line'), { message: 'the second line, live' });
    expect(await storedLogReads(page)).toBe(2);
    await waitForRunStatus(page, 'running');
    await screenshot(page, 'run-live-log');

    await writeFile(join(gates, 'two'), '');
    await waitForRunStatus(page, 'succeeded');
    await eventually(async () => (await logLines(page)).includes('gated: done'));
    const lines = await logLines(page);
    expect(lines.filter((l) => l === 'gated: second line')).toHaveLength(1);
    const types = (await runEvents(dashboard.node.store, 'shop/gated', runId)).map((e) => e.type);
    expect(types).toEqual(['RunScheduled', 'RunStarted', 'RunSucceeded']);
    await eventually(async () => (await page.getByTestId('timeline-event').count()) === 3);
  });

  it('aborts a long run from its page: SIGUSR2 ends it and it is marked aborted', async () => {
    const { page } = browser;
    await page.goto(`${dashboard.url}/#/jobs/shop/long-sleep`);
    await page.getByTestId('run-now').click();
    await page.waitForURL(/#\/runs\//);
    const runId = runIdOf(page.url());
    await waitForRunStatus(page, 'running');
    await eventually(async () => (await logLines(page)).includes('sleeping'));

    await page.getByTestId('abort').click();
    await page.getByTestId('abort-confirm').click();
    await eventually(async () => (await page.getByTestId('toast').allTextContents()).some((t) => t.includes('Abort requested')));
    expect(await errorToasts(page)).toEqual([]);
    await waitForRunStatus(page, 'aborted');
    const aborted = (await runEvents(dashboard.node.store, 'shop/long-sleep', runId)).find((e) => e.type === 'RunAborted');
    expect(aborted?.data).toMatchObject({ runId });
    await eventually(async () => (await page.locator('[data-testid="timeline-event"][data-type="RunAborted"]').count()) === 1);
    expect(await page.getByTestId('abort').count()).toBe(0);
  });

  it("opens a run's audit view: exactly its events, each with its stored JSON", async () => {
    const { page } = browser;
    await page.goto(`${dashboard.url}/#/jobs/shop/sync`);
    await page.getByTestId('run-now').click();
    await page.waitForURL(/#\/runs\//);
    const runId = runIdOf(page.url());
    await waitForRunStatus(page, 'succeeded');
    await eventually(async () => (await logLines(page)).includes('sync: done'));
    expect(await logLines(page)).toHaveLength(6);
    const stderr = page.locator('[data-testid="log-line"].stderr .text');
    expect(await stderr.allTextContents()).toEqual(['sync: 1 row skipped (duplicate key order-1142)']);
    await screenshot(page, 'run');
    // The download link serves the whole stored log to this browser's session.
    const href = await page.getByTestId('log-download').getAttribute('href');
    const download = await browser.context.request.get(new URL(href ?? '', dashboard.url).href);
    expect(download.status()).toBe(200);
    expect(await download.text()).toContain('sync: batch 2 of 3: 120 rows written\n');
    await page.goto(`${dashboard.url}/#/jobs/shop/sync`);
    await page.getByTestId('duration-chart').waitFor();
    await eventually(async () => (await page.getByTestId('run-row').count()) >= 1);
    await screenshot(page, 'job');

    await page.goto(`${dashboard.url}/#/runs/${runId}`);
    await page.getByTestId('run-audit').click();
    await page.waitForURL(/#\/audit\?/);
    const rows = page.getByTestId('event-row');
    await eventually(async () => (await rows.count()) === 3, { message: 'the three events of the run' });
    // Newest first.
    expect(await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-type')))).toEqual([
      'RunSucceeded',
      'RunStarted',
      'RunScheduled',
    ]);
    await rows.nth(1).getByTestId('event-json-toggle').click();
    const json = JSON.parse((await page.getByTestId('json').first().textContent()) ?? '{}') as { type: string; data: { runId: string } };
    expect(json).toMatchObject({ type: 'RunStarted', data: { runId } });
    await screenshot(page, 'audit');
  });

  it('lists a failed run on the failures page with the end of its stderr', async () => {
    const { page } = browser;
    await page.getByTestId('nav-jobs').click();
    await jobRow(page, 'shop/report').getByTestId('run-now').click();
    await page.getByTestId('nav-failures').click();
    const failure = page.getByTestId('failure').first();
    await eventually(async () => (await failure.textContent())?.includes('shop/report'), { message: 'the failure to appear live' });
    expect(await failure.getByTestId('stderr-tail').textContent()).toContain('could not reach the database');
    expect(await failure.locator('[data-testid="status"]').getAttribute('data-status')).toBe('failed');
    await screenshot(page, 'failures');

    await page.getByTestId('nav-nodes').click();
    await page.getByTestId('leader-id').waitFor();
    expect(await page.getByTestId('leader-id').textContent()).toBe(dashboard.node.nodeId);
    await screenshot(page, 'nodes');
    expect(await errorToasts(page)).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });

  it('shows each slot and what waits for one, with the reason, as runs come and go', async () => {
    const { page } = browser;
    const { node } = dashboard;
    await page.getByTestId('nav-queue').click();
    await page.getByTestId('slots-table').waitFor();
    const long = await node.trigger('shop/long-sleep', 'test');
    const hold = await node.trigger('shop/hold', 'test');
    const running = page.locator('[data-testid="slot-row"] a[href*="/runs/"]');
    await eventually(async () => (await running.count()) === 2, { message: 'both slots busy' });
    const waiting = await node.trigger('shop/sync', 'test');
    const row = page.getByTestId('waiting-row');
    await eventually(async () => (await row.count()) === 1, { message: 'a waiting run' });
    expect(await row.textContent()).toContain('shop/sync');
    expect(await row.textContent()).toContain('all 2 slots busy');
    expect(await row.locator(`a[href$="${waiting.runId}"]`).count()).toBe(1);
    await screenshot(page, 'queue');

    await node.abort('shop/long-sleep', long.runId, 'test');
    await eventually(async () => (await row.count()) === 0, { message: 'the waiting run to get the free slot' });
    await node.abort('shop/hold', hold.runId, 'test');
    await eventually(async () => (await running.count()) === 0, { message: 'both slots free again', timeout: 30_000 });
    expect(await errorToasts(page)).toEqual([]);
  });
});
