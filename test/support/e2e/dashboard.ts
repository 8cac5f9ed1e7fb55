/**
 * Page-level steps the dashboard tests share: log in through the login page, find a job's row,
 * read a run's status. Selectors are the `data-testid`s the app puts where tests need them.
 */
import type { Locator, Page } from 'playwright-core';
import { eventually } from '../eventually.js';

/** Opens `route` (a hash route like `/jobs`), logs in when sent to the login page, and waits for the route. */
export async function logIn(page: Page, baseUrl: string, token: string, route = '/jobs'): Promise<void> {
  await page.goto(`${baseUrl}/#${route}`);
  await page.getByTestId('login-token').fill(token);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((url) => url.hash.startsWith(`#${route}`));
}

export function jobRow(page: Page, jobId: string): Locator {
  return page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
}

/** The status a badge shows (`data-status`), e.g. `running`. */
export async function badgeStatus(badge: Locator): Promise<string | null> {
  return badge.getAttribute('data-status');
}

/** Waits until the run page's header badge says `status`. */
export async function waitForRunStatus(page: Page, status: string, timeout = 30_000): Promise<void> {
  const badge = page.locator('.page-head [data-testid="status"]');
  await eventually(async () => (await badgeStatus(badge)) === status, { timeout, message: `run status ${status}` });
}

/** What the error toasts on screen say (a failed action shows one). */
export async function errorToasts(page: Page): Promise<string[]> {
  return page.locator('[data-testid="toast"][data-tone="bad"]').allTextContents();
}

/** The text of every log line the run page shows. */
export async function logLines(page: Page): Promise<string[]> {
  return page.locator('[data-testid="log-line"] .text').allTextContents();
}

/** How many times the run page has read the stored log (`data-reads` of the log box). */
export async function storedLogReads(page: Page): Promise<number> {
  return Number(await page.getByTestId('log').getAttribute('data-reads'));
}
