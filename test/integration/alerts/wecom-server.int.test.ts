import { afterEach, describe, expect, it } from 'vitest';
import { startWecomServer, type WecomServer } from '../../support/wecom-server.js';

// The test server is what the alert tests trust to catch a wrong payload: check that it does.
let server: WecomServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function post(url: string, body: unknown): Promise<{ errcode: number; errmsg: string; access_token?: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as { errcode: number; errmsg: string };
}

describe('the local WeCom server', () => {
  it('refuses robot payloads that break the documented rules, and unknown keys', async () => {
    server = await startWecomServer({ robotKeys: ['k'] });
    const robot = `${server.url}/cgi-bin/webhook/send?key=k`;
    const refused = [
      { msgtype: 'markdown', markdown: { content: 'x'.repeat(4097) } },
      { msgtype: 'markdown', markdown: { content: '数'.repeat(1366) } }, // 4098 bytes in 1366 characters
      { msgtype: 'markdown', markdown: { content: 'hi', mentioned_list: ['bob'] } },
      { msgtype: 'markdown', markdown: { content: 'hi <@bob smith>' } },
      { msgtype: 'text', text: { content: 'y'.repeat(2049) } },
      { msgtype: 'text', text: { content: 'hi', mentioned_list: 'bob' } },
      { msgtype: 'news', news: {} },
    ];
    for (const body of refused) expect((await post(robot, body)).errcode).toBe(40058);
    expect(await post(robot, { msgtype: 'markdown', markdown: { content: `${'数'.repeat(1363)} <@bob>` } })).toMatchObject({ errcode: 0 }); // exactly 4096 bytes
    expect((await post(`${server.url}/cgi-bin/webhook/send?key=nope`, { msgtype: 'text', text: { content: 'hi' } })).errcode).toBe(93000);
    expect(server.requests.filter((r) => r.problem)).toHaveLength(refused.length);
    expect(server.messages.map((m) => m.mentions)).toEqual([['bob']]);
  });

  it('takes 20 robot messages a minute per key', async () => {
    server = await startWecomServer({ robotKeys: ['k'] });
    const answers = [];
    for (let i = 0; i < 21; i++) answers.push((await post(`${server.url}/cgi-bin/webhook/send?key=k`, { msgtype: 'text', text: { content: `m${i}` } })).errcode);
    expect(answers.slice(0, 20)).toEqual(Array(20).fill(0));
    expect(answers[20]).toBe(45009);
  });

  it('wants an integer agentid and user ids joined by |, and knows its tokens', async () => {
    server = await startWecomServer({ apps: [{ corpId: 'c', secret: 's', agentId: 7, users: ['ann'] }] });
    const token = ((await (await fetch(`${server.url}/cgi-bin/gettoken?corpid=c&corpsecret=s`)).json()) as { access_token: string }).access_token;
    const send = `${server.url}/cgi-bin/message/send?access_token=${token}`;
    expect((await post(send, { touser: 'ann', msgtype: 'text', agentid: '7', text: { content: 'hi' } })).errcode).toBe(40058);
    expect((await post(send, { touser: 'ann, bob', msgtype: 'text', agentid: 7, text: { content: 'hi' } })).errcode).toBe(40058);
    expect(await post(send, { touser: 'ann|bob', msgtype: 'text', agentid: 7, text: { content: 'hi' } })).toMatchObject({ errcode: 0, invaliduser: 'bob' });
    expect((await post(`${server.url}/cgi-bin/message/send?access_token=made-up`, { touser: 'ann', msgtype: 'text', agentid: 7, text: { content: 'hi' } })).errcode).toBe(42001);
  });
});
