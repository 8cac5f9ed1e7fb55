import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.js';
import { startWecomServer, type WecomServer } from '../../support/wecom-server.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const KEY = 'robot-key-cli-3e8d';
let server: WecomServer | undefined;
let removeTmp: (() => Promise<void>) | undefined;
afterEach(async () => {
  await server?.close();
  await removeTmp?.();
  server = undefined;
  removeTmp = undefined;
});

async function timecloud(args: string[], env: Record<string, string>) {
  // Only what the test gives: a developer's own TIMECLOUD_* variables must not leak in.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TIMECLOUD_')));
  return execa(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env: { ...clean, ...env }, extendEnv: false, reject: false });
}

describe('timecloud alert test', () => {
  it('sends one test message, mentioning whom it is told to, and exits 0', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    const tmp = await tempDir('timecloud-alert-cli-');
    removeTmp = tmp.remove;
    const config = join(tmp.path, 'node.json');
    await writeFile(
      config,
      JSON.stringify({
        alerts: {
          dashboardUrl: 'https://cron.example.com',
          channels: { ops: { type: 'wecom-robot', keyEnv: 'OPS_ROBOT_KEY', baseUrl: server.url } },
          users: { alice: { wecom: 'ZhangSan' } },
        },
      }),
    );
    const ok = await timecloud(['alert', 'test', '--channel', 'ops', '--to', 'alice,bob', '--config', config], { OPS_ROBOT_KEY: KEY });
    expect(ok.stdout).toBe('sent a test message on "ops" (wecom-robot) to ZhangSan, bob');
    expect(ok.exitCode).toBe(0);
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]).toMatchObject({ msgtype: 'markdown', mentions: ['ZhangSan', 'bob'] });
    expect(server.messages[0]!.content).toContain('timecloud test message on channel "ops"');

    const wrong = await timecloud(['alert', 'test', '--channel', 'ops', '--config', config], { OPS_ROBOT_KEY: 'wrong-key-77' });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stdout).toContain('WeCom robot errcode 93000: invalid webhook url (retrying will not help)');
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain('wrong-key-77');

    const unknown = await timecloud(['alert', 'test', '--channel', 'opz', '--config', config], { OPS_ROBOT_KEY: KEY });
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stdout).toBe('no alert channel named "opz" — channels are ops');
  });

  it('uses TIMECLOUD_WECOM_WEBHOOK as the default channel, and names a missing variable', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    const hook = `${server.url}/cgi-bin/webhook/send?key=${KEY}`;
    const ok = await timecloud(['alert', 'test', '--channel', 'default'], { TIMECLOUD_WECOM_WEBHOOK: hook });
    expect(ok.exitCode).toBe(0);
    expect(server.messages).toHaveLength(1);

    const tmp = await tempDir('timecloud-alert-cli-');
    removeTmp = tmp.remove;
    const config = join(tmp.path, 'node.json');
    await writeFile(config, JSON.stringify({ alerts: { channels: { ops: { type: 'wecom-robot', keyEnv: 'OPS_ROBOT_KEY' } } } }));
    const missing = await timecloud(['alert', 'test', '--channel', 'ops', '--config', config], {});
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain(`${config}: alerts.channels.ops.keyEnv: environment variable OPS_ROBOT_KEY is not set`);
  });
});
