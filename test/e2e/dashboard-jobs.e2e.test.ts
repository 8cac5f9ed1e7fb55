/**
 * The dashboard in a real headless Chromium against a real node serving the built UI: logging
 * in, the example jobs at a glance, disabling a job so it stops firing.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, screenshot, type TestBrowser } from '../support/e2e/browser.js';
import { startDashboardNode, type DashboardNode } from '../support/e2e/dashboard-node.js';
import { errorToasts, jobRow } from '../support/e2e/dashboard.js';
import { ensureUiBuilt, REPO_ROOT } from '../support/e2e/ui-build.js';
import { eventually } from '../support/eventually.js';
import { job, writeJobPackage, writeTimecloud } from '../support/job-packages.js';
import { jobEvents } from '../support/test-node.js';

const JOB_STATUS = '[data-testid="status"][data-kind="job"]';
const EXAMPLE_JOBS = ['demo-app/npm', 'demo-app/start', 'demo-app/update', 'flaky-report/report', 'slow-sync/sync'];

let dashboard: DashboardNode;
let browser: TestBrowser;

beforeAll(async () => {
  await ensureUiBuilt();
  dashboard = await startDashboardNode({
    prepareJobs: async (jobsDir) => {
      await cp(join(REPO_ROOT, 'examples'), jobsDir, { recursive: true });
      await writeJobPackage(jobsDir, 'billing', { timecloud: { jobs: [job('invoice', { schedule: '0 0 3 * * *', timezone: 'Europe/Berlin' })] } });
      await writeJobPackage(jobsDir, 'ticker', {
        timecloud: { jobs: [job('every-second', { script: 'echo tick', schedule: '* * * * * *', maintainer: ['ops'] })] },
      });
    },
  });
  browser = await openBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.cleanup();
});

describe('the dashboard', () => {
  it('asks for the token, refuses a wrong one, and returns to the page the user wanted', async () => {
    const { page } = browser;
    await page.goto(`${dashboard.url}/#/queue`);
    await page.getByTestId('login-form').waitFor();
    expect(new URL(page.url()).hash).toContain('redirect=');
    await screenshot(page, 'login');

    await page.getByTestId('login-token').fill('not-the-admin-token-at-all');
    await page.getByTestId('login-submit').click();
    await eventually(async () => (await page.getByTestId('login-error').textContent())?.includes('not accepted'));
    expect(new URL(page.url()).hash).toMatch(/^#\/login/);

    await page.getByTestId('login-token').fill(dashboard.token);
    await page.getByTestId('login-submit').click();
    await page.waitForURL((url) => url.hash === '#/queue');
    await page.getByTestId('slots-table').waitFor();
    await eventually(async () => (await page.getByTestId('feed-status').getAttribute('data-status')) === 'live', {
      message: 'the event feed to connect',
    });
  });

  it('lists the example jobs with their schedule, next fire times and maintainers; search narrows the list', async () => {
    const { page } = browser;
    await page.getByTestId('nav-jobs').click();
    for (const id of EXAMPLE_JOBS) await jobRow(page, id).waitFor();
    const update = jobRow(page, 'demo-app/update');
    expect(await update.textContent()).toContain('user1, user2');
    expect(await update.getByTestId('next-fire').getAttribute('datetime')).toMatch(/T\d\d:00:00(\.000)?Z$/);
    expect(await update.locator(JOB_STATUS).getAttribute('data-status')).toBe('idle');
    await eventually(async () => (await jobRow(page, 'ticker/every-second').getByTestId('last-run').count()) > 0, {
      message: 'the ticker to show a last run',
    });
    await screenshot(page, 'jobs');

    await page.getByTestId('job-search').fill('data-team');
    await eventually(async () => (await page.getByTestId('job-row').count()) === 1);
    expect(await jobRow(page, 'slow-sync/sync').count()).toBe(1);
    await page.getByTestId('job-search').fill('');
    await eventually(async () => (await page.getByTestId('job-row').count()) === EXAMPLE_JOBS.length + 2);
  });

  it('disables a job from the list: it shows as disabled, has no next fire time and stops firing', async () => {
    const { page } = browser;
    const { store } = dashboard.node;
    const row = jobRow(page, 'ticker/every-second');
    const cronRuns = async () => (await jobEvents(store, 'ticker/every-second')).filter((e) => e.type === 'RunScheduled');
    await eventually(async () => (await cronRuns()).length >= 2, { message: 'the ticker to fire twice' });

    await row.getByTestId('disable').click();
    await eventually(async () => (await row.locator(JOB_STATUS).getAttribute('data-status')) === 'disabled', {
      message: 'the row to say disabled',
    });
    expect(await row.getByTestId('next-fire').count()).toBe(0);
    expect(await row.textContent()).toContain('not scheduled');
    await row.getByTestId('enable').waitFor();

    const disabled = (await jobEvents(store, 'ticker/every-second')).find((e) => e.type === 'JobDisabled');
    if (disabled?.type !== 'JobDisabled') throw new Error('no JobDisabled event stored');
    expect(disabled.data.by).toBeTruthy();
    // Proving an absence needs a window: three ticks of an every-second job. A tick decided
    // ahead (--decide-ahead) before the disable was already scheduled and may still be due
    // after it: what must not exist is a decision after the disable.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const late = (await cronRuns()).filter((e) => e.type === 'RunScheduled' && e.data.at > disabled.data.at);
    expect(late).toEqual([]);
    expect(await errorToasts(page)).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });

  it("shows the next fire times in the job's zone with their UTC offsets, and a banner when its file breaks", async () => {
    const { page } = browser;
    await page.goto(`${dashboard.url}/#/jobs/billing/invoice`);
    const fires = page.getByTestId('fire-time');
    await eventually(async () => (await fires.count()) === 10, { message: 'ten fire times' });
    for (const text of await fires.allTextContents()) expect(text).toMatch(/\d{4}-\d\d-\d\d 03:00:00\s*UTC\+0[12]:00/);
    expect(await page.getByTestId('rejection-banner').count()).toBe(0);

    await writeTimecloud(join(dashboard.jobsDir, 'billing'), { jobs: [job('invoice', { schedule: '0 0 3 * * *', timeout: -5 })] });
    const banner = page.getByTestId('rejection-banner');
    await eventually(async () => (await banner.textContent())?.includes('timeout'), { message: 'the rejection banner, live' });
    // The node keeps the last valid definition, and so does the page.
    expect(await page.getByTestId('json').textContent()).toContain('"timeout": 5000');
    expect(await fires.count()).toBe(10);
    await screenshot(page, 'job-rejected');

    await writeJobPackage(dashboard.jobsDir, 'broken', { timecloud: '{ "jobs": [ not json' });
    await page.getByTestId('nav-jobs').click();
    const problems = page.getByTestId('config-problems');
    await eventually(async () => (await problems.textContent())?.includes(join('broken', 'timecloud.json')), { message: 'the file problem' });
    await eventually(async () => (await jobRow(page, 'billing/invoice').getByTestId('job-rejected').count()) === 1);
    expect(browser.pageErrors).toEqual([]);
  });

  it('logs out: the session ends and every page asks for the token again', async () => {
    const { page } = browser;
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();
    const api = await browser.context.request.get(`${dashboard.url}/api/jobs`, { headers: { accept: 'application/json' } });
    expect(api.status()).toBe(401);
    await page.goto(`${dashboard.url}/#/nodes`);
    await page.getByTestId('login-form').waitFor();
    expect(new URL(page.url()).hash).toMatch(/^#\/login\?redirect=/);
  });

  it("returns a logged-out browser to the node's address it asked for once it logs in", async () => {
    const { page } = browser;
    await page.goto(`${dashboard.url}/metrics`);
    await page.getByTestId('login-form').waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByTestId('login-token').fill(dashboard.token);
    await page.getByTestId('login-submit').click();
    await page.waitForURL((url) => url.pathname === '/metrics');
    expect(await page.locator('body').textContent()).toContain('# HELP');
  });
});
