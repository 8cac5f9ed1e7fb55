/**
 * The dashboard's event feed across a dropped connection, in a real headless Chromium against a
 * real node: events stored while the WebSocket is down reach the page after it reconnects (it
 * resumes from the last position it handled), once each, without a reload.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, type TestBrowser } from '../support/e2e/browser.js';
import { startDashboardNode, type DashboardNode } from '../support/e2e/dashboard-node.js';
import { logIn } from '../support/e2e/dashboard.js';
import { ensureUiBuilt } from '../support/e2e/ui-build.js';
import { eventually } from '../support/eventually.js';

const STREAM = 'alert-feedtest';

/**
 * Injected before the app loads: keeps the page's WebSockets so the test can drop them, and while
 * `blocked` sends new ones to a path the node refuses, so the page stays disconnected until the
 * test lets it back. (A string: this file is compiled without DOM types.)
 */
const SOCKET_CONTROL = `
  (() => {
    const Native = window.WebSocket;
    const sockets = new Set();
    window.feedControl = { blocked: false, dropAll() { for (const s of sockets) s.close(); } };
    window.WebSocket = class extends Native {
      constructor(url, protocols) {
        super(window.feedControl.blocked ? String(url).replace('/ws', '/ws-blocked') : url, protocols);
        sockets.add(this);
        this.addEventListener('close', () => sockets.delete(this));
      }
    };
  })();
`;

let dashboard: DashboardNode;
let browser: TestBrowser;

beforeAll(async () => {
  await ensureUiBuilt();
  dashboard = await startDashboardNode();
  browser = await openBrowser();
  await browser.context.addInitScript(SOCKET_CONTROL);
  await logIn(browser.page, dashboard.url, dashboard.token, '/nodes');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.cleanup();
});

async function appendAlert(): Promise<string> {
  const id = randomUUID();
  const at = new Date().toISOString();
  await dashboard.node.store.append(
    STREAM,
    [{ id, type: 'AlertRaised', data: { alertId: id, jobId: 'feed/test', runId: id, outcome: 'failed', failures: 1, since: at, at } }],
    'any',
  );
  return id;
}

async function rowIds(): Promise<string[]> {
  return browser.page.locator('[data-testid="event-row"]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event-id') ?? ''));
}

async function feedStatus(): Promise<string | null> {
  return browser.page.getByTestId('feed-status').getAttribute('data-status');
}

describe('the live event feed', () => {
  it('resumes after a dropped connection: events stored meanwhile appear once, without a reload', async () => {
    const { page } = browser;
    await page.goto(`${dashboard.url}/#/audit?stream=${STREAM}`);
    await eventually(async () => (await feedStatus()) === 'live', { message: 'the feed to connect' });
    const before = await appendAlert();
    await eventually(async () => (await rowIds()).includes(before), { message: 'a live event before the drop' });

    await page.evaluate('window.feedControl.blocked = true; window.feedControl.dropAll()');
    await eventually(async () => (await feedStatus()) === 'reconnecting', { message: 'the page to notice the drop' });
    const missed = [await appendAlert(), await appendAlert(), await appendAlert()];
    expect(await rowIds()).toEqual([before]);

    await page.evaluate('window.feedControl.blocked = false');
    await eventually(async () => (await feedStatus()) === 'live', { message: 'the feed to reconnect', timeout: 30_000 });
    await eventually(async () => (await rowIds()).length === 4, { message: 'the events stored while disconnected' });
    expect(await rowIds()).toEqual([...missed].reverse().concat(before));

    const after = await appendAlert();
    await eventually(async () => (await rowIds())[0] === after, { message: 'live events after the reconnect' });
    expect(await rowIds()).toHaveLength(5);
    expect(browser.pageErrors.filter((e) => !e.includes('WebSocket'))).toEqual([]);
  });

  it('keeps an event pushed while the audit page was still reading the store', async () => {
    const { page } = browser;
    const stream = 'alert-feedslow';
    // The page's read reaches the node at once, but its answer is held until the test releases it.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let answered = false;
    await page.route('**/api/events?*', async (route) => {
      const response = await route.fetch();
      await released;
      answered = true;
      await route.fulfill({ response });
    });
    await page.goto(`${dashboard.url}/#/audit?stream=${stream}`);
    await eventually(async () => (await feedStatus()) === 'live');
    const id = randomUUID();
    const at = new Date().toISOString();
    const { position } = await dashboard.node.store.append(
      stream,
      [{ id, type: 'AlertRaised', data: { alertId: id, jobId: 'feed/slow', runId: id, outcome: 'failed', failures: 1, since: at, at } }],
      'any',
    );
    // Sent to the page (its cursor is past the event) while the read is still held.
    await eventually(() => dashboard.node.http.hub.stats().clients.some((c) => BigInt(c.cursor) >= position), { message: 'the push' });
    expect(answered).toBe(false);
    release();
    await eventually(async () => (await rowIds()).includes(id), { message: 'the event pushed during the read' });
    expect(await rowIds()).toEqual([id]);
    await page.unroute('**/api/events?*');
  });
});
