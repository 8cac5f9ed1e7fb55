/**
 * The alert history in the dashboard, in a real headless Chromium against a real node whose
 * alerts go to a local WeCom stand-in: a failing job's alert appears live with its failure and
 * its deliveries (one channel delivers, one has a key WeCom refuses), shows on the job's page,
 * and turns resolved when the job succeeds again.
 */
import { writeFile } from 'node:fs/promises';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForAlerts, writeFailingJob } from '../support/alert-kit.js';
import { openBrowser, screenshot, type TestBrowser } from '../support/e2e/browser.js';
import { startDashboardNode, type DashboardNode } from '../support/e2e/dashboard-node.js';
import { logIn } from '../support/e2e/dashboard.js';
import { ensureUiBuilt } from '../support/e2e/ui-build.js';
import { eventually } from '../support/eventually.js';
import { startWecomServer, type WecomServer } from '../support/wecom-server.js';

const OPS_KEY = 'ops-robot-key-7d1e';
/** A key the stand-in does not know: WeCom answers 93000 and the channel gives up at once. */
const PAGER_KEY = 'pager-robot-key-unknown';
const SHOP = 'shop/report';
const ETL = 'etl/load';

let server: WecomServer;
let dashboard: DashboardNode;
let browser: TestBrowser;
let shopMarker: string;

beforeAll(async () => {
  await ensureUiBuilt();
  server = await startWecomServer({ robotKeys: [OPS_KEY] });
  dashboard = await startDashboardNode({
    alerts: {
      dashboardUrl: 'http://dash.example/',
      channels: {
        ops: { type: 'wecom-robot', keyEnv: 'OPS_ROBOT_KEY', baseUrl: server.url },
        pager: { type: 'wecom-robot', keyEnv: 'PAGER_ROBOT_KEY', baseUrl: server.url },
      },
      users: { alice: { wecom: 'ZhangSan' } },
      delivery: { retryDelay: 100, maxRetryDelay: 500 },
    },
    env: { OPS_ROBOT_KEY: OPS_KEY, PAGER_ROBOT_KEY: PAGER_KEY },
  });
  ({ marker: shopMarker } = await writeFailingJob(dashboard.testNode, 'shop', 'report', { maintainer: ['alice'] }));
  await writeFailingJob(dashboard.testNode, 'etl', 'load', { maintainer: ['alice'] });
  browser = await openBrowser();
  await logIn(browser.page, dashboard.url, dashboard.token, '/alerts');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.cleanup();
  await server?.close();
});

function alertRow(jobId: string): Locator {
  return browser.page.locator(`[data-testid="alert-row"][data-job-id="${jobId}"]`);
}

async function rowJobs(): Promise<string[]> {
  return browser.page.getByTestId('alert-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-job-id') ?? ''));
}

/** What a reader sees, lines joined by a space. */
async function text(locator: Locator): Promise<string> {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** Set once on the page: still there later proves the page was updated in place, not reloaded. */
const MARK = 'window.__alertsPageMark';

describe('the Alerts page', () => {
  it('shows a new alert live: open, its failure count, its last run, and a delivery per channel', async () => {
    const { page } = browser;
    const { node } = dashboard;
    await eventually(async () => (await page.getByTestId('feed-status').getAttribute('data-status')) === 'live', { message: 'the feed' });
    await page.getByTestId('no-alerts').waitFor();
    await page.evaluate(`${MARK} = 'still here'`);

    // The older alert stays open all along: later it must still be listed before a newer resolved one.
    await node.trigger(ETL);
    await waitForAlerts(node.store, ETL, 'AlertRaised');
    const { runId } = await node.trigger(SHOP);
    await waitForAlerts(node.store, SHOP, 'AlertNotified');
    await waitForAlerts(node.store, SHOP, 'AlertDeliveryFailed');

    const row = alertRow(SHOP);
    await eventually(async () => (await text(row.getByTestId('alert-channels'))).startsWith('1 delivered · 1 failed'), {
      message: 'both deliveries of the shop alert on the page',
    });
    expect(await row.getAttribute('data-status')).toBe('open');
    expect(await row.locator('[data-testid="status"][data-kind="alert"]').textContent()).toContain('open');
    expect(await text(row.getByTestId('alert-failures'))).toMatch(/^failed 1× since (\d\d-\d\d )?\d\d:\d\d:\d\d$/);
    expect(await row.getByTestId('alert-last-run').getAttribute('href')).toBe(`#/runs/${runId}`);
    expect(await text(row.getByTestId('alert-last-failure'))).toContain('failed');
    expect(await text(row.getByTestId('alert-notices'))).toBe('1 notice');
    expect(await rowJobs()).toEqual([SHOP, ETL]);

    await row.getByTestId('alert-toggle').click();
    const details = page.locator(`[data-testid="alert-details"][data-alert-id="${await row.getAttribute('data-alert-id')}"]`);
    const ops = details.locator('[data-testid="delivery"][data-channel="ops"]');
    const pager = details.locator('[data-testid="delivery"][data-channel="pager"]');
    expect(await ops.getAttribute('data-ok')).toBe('true');
    expect(await text(ops.getByTestId('delivery-result'))).toBe('✓ delivered');
    expect(await text(ops.getByTestId('delivery-recipients'))).toBe('ZhangSan');
    expect(await pager.getAttribute('data-ok')).toBe('false');
    expect(await text(ops.getByTestId('delivery-detail'))).toBe('showed 1 failure');
    expect(await text(pager.getByTestId('delivery-result'))).toBe('✕ failed · errcode 93000');
    expect(await text(pager.getByTestId('delivery-detail'))).toContain('(retrying cannot help)');
    expect(await text(details.getByTestId('alert-pending'))).toBe('nothing left to deliver');
    // What the page says was delivered is what WeCom received.
    expect(server.messages.filter((m) => m.content.includes(SHOP)).map((m) => ({ key: m.key, mentions: m.mentions }))).toEqual([
      { key: OPS_KEY, mentions: ['ZhangSan'] },
    ]);

    await page.getByTestId('alert-search').fill('etl');
    await eventually(async () => (await rowJobs()).join() === ETL, { message: 'the search to leave the etl alert' });
    await page.getByTestId('alert-search').fill('');
    await eventually(async () => (await rowJobs()).length === 2, { message: 'both alerts back' });
    expect(await page.evaluate(MARK)).toBe('still here');
  });

  it("shows the open alert on the job's page, linking to the Alerts page", async () => {
    const { page } = browser;
    await page.goto(`${dashboard.url}/#/jobs/${SHOP}`);
    const open = page.getByTestId('job-open-alert');
    await eventually(async () => (await text(open)).includes('failed 1×'), { message: "the job page's open alert" });
    expect(await open.locator('[data-testid="status"]').getAttribute('data-status')).toBe('open');
    await page.getByTestId('job-alerts-all').click();
    await page.waitForURL((url) => url.hash.startsWith('#/alerts'));
    await eventually(async () => (await rowJobs()).join() === SHOP, { message: "the Alerts page narrowed to the job's alerts" });
    expect(await page.getByTestId('alert-search').inputValue()).toBe(SHOP);
    await page.getByTestId('alert-search').fill('');
  });

  it('turns the alert resolved when the job succeeds again, without a reload, and keeps it open first', async () => {
    const { page } = browser;
    const { node } = dashboard;
    await eventually(async () => (await rowJobs()).length === 2, { message: 'both alerts listed' });
    await page.evaluate(`${MARK} = 'still here'`);
    const row = alertRow(SHOP);
    await row.getByTestId('alert-toggle').click();
    const details = page.locator(`[data-testid="alert-details"][data-alert-id="${await row.getAttribute('data-alert-id')}"]`);
    await details.waitFor();

    await writeFile(shopMarker, 'ok');
    const { runId } = await node.trigger(SHOP);
    await waitForAlerts(node.store, SHOP, 'AlertResolved');
    await eventually(async () => (await row.getAttribute('data-status')) === 'resolved', { message: 'the alert to show resolved' });
    expect(await row.locator('[data-testid="status"][data-kind="alert"]').textContent()).toContain('resolved');
    // The row the reader opened stays open through live updates; the recovery notice is delivered too.
    await eventually(async () => (await details.getByTestId('delivery').count()) === 4, { message: 'the recovery deliveries' });
    expect(await details.getByTestId('alert-resolved').locator('a').getAttribute('href')).toBe(`#/runs/${runId}`);
    expect(await text(row.getByTestId('alert-failures'))).toMatch(/^failed 1× since/);
    // Open first, though the etl alert began earlier than the resolved one.
    expect(await rowJobs()).toEqual([ETL, SHOP]);
    expect(await text(page.getByTestId('alert-counts'))).toBe('1 open · 1 resolved');
    expect(await page.evaluate(MARK)).toBe('still here');
    // Fixed row heights: a live update never shifts the rows below it.
    const heights = await page.getByTestId('alert-row').evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().height));
    expect(new Set(heights).size).toBe(1);
    await screenshot(page, 'alerts');

    await page.goto(`${dashboard.url}/#/jobs/${SHOP}`);
    await page.getByTestId('job-no-open-alert').waitFor();
    expect(await page.locator('[data-testid="job-alert"]').getAttribute('data-status')).toBe('resolved');
    expect(browser.pageErrors).toEqual([]);
  });
});
