/**
 * A real headless Chromium (Debian's `/usr/bin/chromium`) driven by playwright-core, with a
 * fresh user-data folder per test file and a laptop-sized window (1366×768).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tempDir } from '../temp-dir.js';
import { REPO_ROOT } from './ui-build.js';

export const CHROMIUM = process.env.TIMECLOUD_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Messages the page logged as errors and uncaught exceptions: a test can assert there were none. */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function openBrowser(): Promise<TestBrowser> {
  const profile = await tempDir('timecloud-chromium-');
  const context = await chromium.launchPersistentContext(profile.path, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1366, height: 768 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    timezoneId: 'Europe/Berlin',
    locale: 'en-GB',
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    // A 401 before logging in is expected; Chromium reports every non-2xx load as a console error.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });
  return {
    context,
    page,
    pageErrors,
    async close() {
      await context.close().catch(() => undefined);
      await profile.remove();
    },
  };
}

/**
 * Saves a screenshot of what the page shows to `docs/screenshots/<name>.png` when
 * `TIMECLOUD_SCREENSHOTS=1`, so ordinary test runs leave the committed images alone.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.TIMECLOUD_SCREENSHOTS !== '1') return;
  const folder = join(REPO_ROOT, 'docs', 'screenshots');
  await mkdir(folder, { recursive: true });
  // Caret, hover state and toasts from earlier steps are noise in a picture.
  await page.mouse.move(0, 0);
  for (const dismiss of await page.locator('[data-testid="toast"] button').all()) await dismiss.click().catch(() => undefined);
  await page.locator('[data-testid="toast"]').first().waitFor({ state: 'detached' }).catch(() => undefined);
  await page.screenshot({ path: join(folder, `${name}.png`), animations: 'disabled', caret: 'hide' });
}
