// Telling when a process group is really gone, with real processes and a real zombie.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupWatcher, groupAlive, liveMembers, readStat, signalGroup } from '../../../src/runner/process-group.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/temp-dir.js';

describe('process groups', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('timecloud-groups-');
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it('a group whose only member is a zombie counts as gone, though kill(-pgid, 0) still finds it', async () => {
    const pidFile = join(dir.path, 'zombie-pid');
    // The child makes itself a group leader (setsid), records its pid and exits; its parent
    // then execs `sleep`, which never reaps it: a zombie alone in its group.
    const parent = spawn('/bin/sh', ['-c', `setsid sh -c 'echo $$ > "$0"' '${pidFile}' & exec sleep 30`], {
      detached: true,
      stdio: 'ignore',
    });
    try {
      const zombie = await eventually(() => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8').trim()));
      await eventually(() => readStat(zombie)?.state === 'Z');

      expect(readStat(zombie)?.pgrp).toBe(zombie);
      expect(signalGroup(zombie, 0)).toBe(true);
      expect(liveMembers(zombie)).toEqual([]);
      expect(groupAlive(zombie)).toBe(false);
      const gone = await new Promise<boolean>((resolve) => new GroupWatcher().watch(zombie, () => resolve(true)));
      expect(gone).toBe(true);
      expect(groupAlive(parent.pid!)).toBe(true);
    } finally {
      signalGroup(parent.pid!, 'SIGKILL');
    }
    await eventually(() => !groupAlive(parent.pid!));
  });

  it('the watcher calls back once a lingering group ends, not before', async () => {
    const group = spawn('/bin/sh', ['-c', 'sleep 0.4 & sleep 0.1'], { detached: true, stdio: 'ignore' });
    const pgid = group.pid!;
    await new Promise((resolve) => group.once('exit', resolve));
    expect(groupAlive(pgid)).toBe(true);
    const watcher = new GroupWatcher(10, 50);
    await new Promise<void>((resolve) => watcher.watch(pgid, resolve));
    expect(liveMembers(pgid)).toEqual([]);
    expect(watcher.size).toBe(0);
  });
});
