import { appendFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangePoller } from '../../../../src/store/sqlite/change-poller.js';
import { eventually } from '../../../support/eventually.js';
import { tempDir } from '../../../support/temp-dir.js';

describe('ChangePoller polling', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(): { poller: ChangePoller; reads: () => number; bump: () => void } {
    let version = 1;
    let reads = 0;
    const poller = new ChangePoller(
      () => {
        reads += 1;
        return version;
      },
      { intervalMs: 2 },
      () => undefined,
    );
    return { poller, reads: () => reads, bump: () => (version += 1) };
  }

  it('wakes a waiter at the first poll after the data version changes', async () => {
    const { poller, bump } = setup();
    let woken = false;
    const since = poller.current();
    void poller.wait(since, new AbortController().signal).then(() => (woken = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(woken).toBe(false);
    bump();
    await vi.advanceTimersByTimeAsync(2);
    expect(woken).toBe(true);
  });

  it('returns at once when the version changed between the read and the wait', async () => {
    const { poller, bump } = setup();
    const since = poller.current();
    bump();
    await expect(poller.wait(since, new AbortController().signal)).resolves.toBeUndefined();
  });

  it('polls only while someone waits', async () => {
    const { poller, reads, bump } = setup();
    const abort = new AbortController();
    const waiting = poller.wait(poller.current(), abort.signal);
    await vi.advanceTimersByTimeAsync(20);
    const whileWaiting = reads();
    expect(whileWaiting).toBeGreaterThanOrEqual(10);
    abort.abort();
    await waiting;
    await vi.advanceTimersByTimeAsync(1000);
    expect(reads()).toBe(whileWaiting);
    const again = poller.wait(poller.current(), new AbortController().signal);
    bump();
    await vi.advanceTimersByTimeAsync(2);
    await again;
    const afterWake = reads();
    await vi.advanceTimersByTimeAsync(1000);
    expect(reads()).toBe(afterWake);
  });

  it('wakes every waiter on wakeAll and on close', async () => {
    const { poller } = setup();
    const first = poller.wait(poller.current(), new AbortController().signal);
    poller.wakeAll();
    await first;
    const second = poller.wait(poller.current(), new AbortController().signal);
    poller.close();
    await second;
    await expect(poller.wait(poller.current(), new AbortController().signal)).resolves.toBeUndefined();
  });
});

describe('ChangePoller watching the folder', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir('timecloud-change-poller-');
  });
  afterEach(async () => {
    vi.useRealTimers();
    await dir.remove();
  });

  function setup(options: { idleIntervalMs: number; ownWrites?: () => boolean }): {
    poller: ChangePoller;
    reads: () => number;
    bump: () => void;
    file: string;
  } {
    let version = 1;
    let reads = 0;
    const file = join(dir.path, 'store.db');
    const poller = new ChangePoller(
      () => {
        reads += 1;
        return version;
      },
      { intervalMs: 1, watchFile: file, ...options },
      () => undefined,
    );
    return { poller, reads: () => reads, bump: () => (version += 1), file };
  }

  it('wakes a waiter soon after a write to the -wal file, without the safety poll', async () => {
    const { poller, bump, file } = setup({ idleIntervalMs: 3_600_000 });
    let woken = false;
    const waiting = poller.wait(poller.current(), new AbortController().signal).then(() => (woken = true));
    bump();
    appendFileSync(`${file}-wal`, 'frame');
    await eventually(() => woken);
    await waiting;
    poller.close();
  });

  it('still notices a change nobody wrote to the -wal file for, at the safety poll', async () => {
    const { poller, bump } = setup({ idleIntervalMs: 20 });
    const waiting = poller.wait(poller.current(), new AbortController().signal);
    bump();
    await waiting;
    poller.close();
  });

  it('reads the version only at the safety poll while nothing is written', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { poller, reads } = setup({ idleIntervalMs: 1000 });
    void poller.wait(poller.current(), new AbortController().signal);
    const before = reads();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads() - before).toBe(10);
    poller.close();
  });

  it("starts no burst of polls for the process's own writes, and one for anybody else's", async () => {
    let committing = true;
    const { poller, reads, file } = setup({ idleIntervalMs: 3_600_000, ownWrites: () => committing });
    void poller.wait(poller.current(), new AbortController().signal);
    // The same folder watched here too: libuv hands a write to every watcher of it in one go.
    const seen: string[] = [];
    const witness = watch(dir.path, (_event, name) => seen.push(String(name)));
    try {
      const before = reads();
      appendFileSync(`${file}-wal`, 'own frame');
      await eventually(() => seen.length > 0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(reads() - before).toBe(0);

      committing = false;
      appendFileSync(`${file}-wal`, 'a frame of another process');
      await eventually(() => reads() - before >= 10, { message: 'a burst of fast polls' });
    } finally {
      witness.close();
      poller.close();
    }
  });
});
