/**
 * How long an event takes from the store to the screen: a real node serves the built dashboard
 * to a real headless Chromium showing the audit page; each event is appended to the store and
 * timed until its row is painted (a MutationObserver notes the row, the next animation frame
 * stamps it). One event at a time, so each figure is the path's latency, not a queue's.
 * Target: p99 ≤ 250 ms.
 *
 * Run: node --import tsx bench/ui-latency.bench.ts [events=300] [warmup=20]
 */
import { randomUUID } from 'node:crypto';
import { openBrowser } from '../test/support/e2e/browser.js';
import { startDashboardNode } from '../test/support/e2e/dashboard-node.js';
import { logIn } from '../test/support/e2e/dashboard.js';
import { ensureUiBuilt } from '../test/support/e2e/ui-build.js';

const EVENTS = Number(process.argv[2] ?? 300);
const WARMUP = Number(process.argv[3] ?? 20);
const STREAM = 'alert-uibench';

/**
 * Runs in the page (a string, as this file is compiled without DOM types): when an event row
 * enters the DOM, stamps `Date.now()` at the start of the next animation frame — the frame that
 * paints it — in `window.seenAt` (event id → ms).
 */
const STAMP_ROWS = `
  const seen = new Map();
  window.seenAt = seen;
  new MutationObserver((records) => {
    for (const record of records)
      for (const node of record.addedNodes) {
        const id = node.nodeType === 1 ? node.getAttribute('data-event-id') : null;
        if (id && !seen.has(id)) requestAnimationFrame(() => { if (!seen.has(id)) seen.set(id, Date.now()); });
      }
  }).observe(document.body, { childList: true, subtree: true });
`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

await ensureUiBuilt();
const dashboard = await startDashboardNode();
const browser = await openBrowser();
try {
  const { page } = browser;
  await logIn(page, dashboard.url, dashboard.token, `/audit?stream=${STREAM}`);
  await page.getByTestId('audit-table').waitFor();
  await page.locator('[data-testid="feed-status"][data-status="live"]').waitFor();
  await page.evaluate(STAMP_ROWS);

  const latencies: number[] = [];
  for (let i = 0; i < WARMUP + EVENTS; i++) {
    const id = randomUUID();
    const at = new Date().toISOString();
    const appendedAt = Date.now();
    await dashboard.node.store.append(
      STREAM,
      [{ id, type: 'AlertRaised', data: { alertId: `bench-${i}`, jobId: 'uibench/job', runId: id, outcome: 'failed', failures: i + 1, since: at, at } }],
      'any',
    );
    const shown = await page.waitForFunction(`window.seenAt.get(${JSON.stringify(id)})`, undefined, { polling: 'raf', timeout: 10_000 });
    const shownAt = (await shown.jsonValue()) as number;
    if (i >= WARMUP) latencies.push(shownAt - appendedAt);
  }

  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = latencies.reduce((sum, x) => sum + x, 0) / latencies.length;
  console.log(`store append → row visible in Chromium, ${latencies.length} events (after ${WARMUP} warm-up), one at a time`);
  console.log(
    `  p50 ${percentile(sorted, 50)} ms   p90 ${percentile(sorted, 90)} ms   p99 ${percentile(sorted, 99)} ms   max ${sorted.at(-1)} ms   mean ${mean.toFixed(1)} ms`,
  );
  const third = Math.floor(latencies.length / 3);
  const median = (part: number[]) => percentile([...part].sort((a, b) => a - b), 50);
  console.log(
    `  p50 by rows already on the page: first third ${median(latencies.slice(0, third))} ms, last third ${median(latencies.slice(-third))} ms`,
  );
  console.log(`  target p99 ≤ 250 ms: ${percentile(sorted, 99) <= 250 ? 'met' : 'NOT met'}`);
} finally {
  await browser.close();
  await dashboard.cleanup();
}
