/**
 * Makes sure `ui/dist` is built from the current `ui/` sources before a browser test serves it:
 * builds only when the output is missing or older than a source file, and holds a lock folder so
 * test files starting at the same time build once instead of overwriting each other.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root (this file is `test/support/e2e/ui-build.ts`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const UI_DIST = join(REPO_ROOT, 'ui', 'dist');

const LOCK = join(REPO_ROOT, '.tmp', 'ui-build.lock');
const STALE_LOCK_MS = 5 * 60_000;

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

async function isFresh(): Promise<boolean> {
  const built = await stat(join(UI_DIST, 'index.html')).catch(() => undefined);
  if (!built) return false;
  const sources = await Promise.all(
    ['src', 'index.html', 'vite.config.ts', 'tsconfig.json'].map((p) => newestMtime(join(REPO_ROOT, 'ui', p))),
  );
  return built.mtimeMs >= Math.max(...sources);
}

async function acquireLock(): Promise<void> {
  await mkdir(dirname(LOCK), { recursive: true });
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const held = await stat(LOCK).catch(() => undefined);
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`ui build lock ${LOCK} held for over ${STALE_LOCK_MS} ms`, { cause: error });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Builds the dashboard unless `ui/dist` is already newer than every source file. */
export async function ensureUiBuilt(): Promise<void> {
  if (await isFresh()) return;
  await acquireLock();
  try {
    if (await isFresh()) return;
    const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    await run(process.execPath, [vite, 'build', 'ui', '--logLevel', 'warn'], { cwd: REPO_ROOT, timeout: 180_000 });
  } finally {
    await rmdir(LOCK).catch(() => undefined);
  }
}
