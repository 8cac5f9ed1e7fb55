import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthResponse } from '../../../src/http/api-types.js';
import { apiOf, errorOf, WsProbe, type Api } from '../../support/http-client.js';
import { startTestNode, type TestNode } from '../../support/test-node.js';

let t: TestNode;
let api: Api;

// These tests see the server's own pages (login form, "not built" notice): give it no built UI,
// whether or not `ui/dist` exists in the checkout.
beforeAll(async () => {
  t = await startTestNode({ node: { http: { uiDir: join(tmpdir(), 'timecloud-no-ui') } } });
  api = apiOf(t.node);
});
afterAll(() => t?.cleanup());

const cookieOf = (response: Response) => response.headers.get('set-cookie')?.split(';')[0] ?? '';

describe('API authentication', () => {
  it('generates the token into the data folder, readable by the owner only', async () => {
    const file = await stat(join(t.dataDir, 'token'));
    expect(file.mode & 0o777).toBe(0o600);
    expect(api.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(t.node.http.generatedToken).toBe(api.token);
  });

  it('serves /healthz without a token', async () => {
    const response = await fetch(`${api.url}/healthz`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as HealthResponse;
    expect(body).toEqual({ status: 'ok', nodeId: t.node.nodeId, role: 'leader', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('refuses the API, metrics and log downloads without the token or with a wrong one', async () => {
    for (const path of ['/api/jobs', '/metrics', '/api/runs/00000000-0000-4000-8000-000000000000/log?download=1', '/api/nope']) {
      const none = await fetch(api.url + path);
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="timecloud"');
      expect(await none.json()).toEqual({
        error: { code: 'UNAUTHORIZED', message: 'no token given: send "Authorization: Bearer <token>" or log in at /login' },
      });
      const wrong = await fetch(api.url + path, { headers: { authorization: `Bearer ${api.token.slice(0, -1)}x` } });
      expect(wrong.status, path).toBe(401);
      expect((await errorOf(wrong)).message).toMatch(/^the token given is not the admin token/);
    }
    const post = await fetch(`${api.url}/api/jobs/a%2Fb/trigger`, { method: 'POST' });
    expect(post.status).toBe(401);
  });

  it('sends a browser asking for a page to the login page', async () => {
    const response = await fetch(`${api.url}/api/runs/00000000-0000-4000-8000-000000000000/log?download=1`, {
      headers: { accept: 'text/html,application/xhtml+xml' },
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/login?next=%2Fapi%2Fruns%2F00000000-0000-4000-8000-000000000000%2Flog%3Fdownload%3D1');
    const page = await fetch(`${api.url}/login?next=/api/jobs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/login">');
    expect(html).toContain('value="/api/jobs"');
  });

  it('logs in with a form: an HttpOnly, SameSite=Strict cookie that opens the API; logging out closes it', async () => {
    const wrong = await fetch(`${api.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'not-the-token-at-all', next: '/api/jobs' }),
      redirect: 'manual',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('that is not the admin token');

    const login = await fetch(`${api.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: api.token, next: '/api/jobs' }),
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/api/jobs');
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^timecloud_session=[A-Za-z0-9_-]+; path=\/; samesite=strict; httponly$/);
    expect(setCookie).not.toContain(api.token);
    const cookie = cookieOf(login);
    expect((await fetch(`${api.url}/api/jobs`, { headers: { cookie } })).status).toBe(200);

    // A page of another site may not use the cookie to change anything.
    const crossSite = await fetch(`${api.url}/api/jobs/a%2Fb/disable`, { method: 'POST', headers: { cookie, origin: 'http://evil.example' } });
    expect(crossSite.status).toBe(401);
    expect((await errorOf(crossSite)).message).toMatch(/cross-site request from http:\/\/evil.example refused/);

    const logout = await fetch(`${api.url}/logout`, { method: 'POST', headers: { cookie } });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/^timecloud_session=;/);
    const forged = await fetch(`${api.url}/api/jobs`, { headers: { cookie: 'timecloud_session=forged' } });
    expect(forged.status).toBe(401);
  });

  it('logs in with JSON too, and never redirects to another site', async () => {
    const login = await fetch(`${api.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: api.token }) });
    expect(login.status).toBe(204);
    expect((await fetch(`${api.url}/api/jobs`, { headers: { cookie: cookieOf(login) } })).status).toBe(200);
    const missing = await fetch(`${api.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(missing.status).toBe(401);
    expect((await errorOf(missing))).toEqual({ code: 'UNAUTHORIZED', message: 'no token given' });
    const notJson = await fetch(`${api.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{token' });
    expect(notJson.status).toBe(400);
    const offsite = await fetch(`${api.url}/login`, { method: 'POST', body: new URLSearchParams({ token: api.token, next: '//evil.example/' }), redirect: 'manual' });
    expect(offsite.headers.get('location')).toBe('/');
    const huge = await fetch(`${api.url}/login`, { method: 'POST', body: new URLSearchParams({ token: 'x'.repeat(10_000) }) });
    expect(huge.status).toBe(413);
  });

  it('opens /ws only with the token: header, cookie or query parameter', async () => {
    await expect(new WsProbe(api.url).opened).rejects.toThrow(/401/);
    await expect(new WsProbe(api.url, { token: 'wrong-token-0123456789' }).opened).rejects.toThrow(/401/);
    for (const probe of [new WsProbe(api.url, { token: api.token }), new WsProbe(api.url, { query: `?token=${api.token}` })]) {
      await probe.opened;
      await probe.waitFor((m) => m.type === 'hello', 'hello');
      await probe.close();
    }
    const login = await fetch(`${api.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: api.token }) });
    const viaCookie = new WsProbe(api.url, { headers: { cookie: cookieOf(login) } });
    await viaCookie.opened;
    await viaCookie.close();
    await expect(new WsProbe(api.url, { headers: { cookie: cookieOf(login), origin: 'http://evil.example' } }).opened).rejects.toThrow(/401/);
  });

  it('says how to build the dashboard at / while it is not built', async () => {
    const response = await fetch(`${api.url}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('npx vite build ui');
  });
});
