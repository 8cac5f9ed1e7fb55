import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, type Api } from '../../support/http-client.js';
import { startTestNode, type TestNode } from '../../support/test-node.js';
import { tempDir } from '../../support/temp-dir.js';

let t: TestNode;
let api: Api;
let removeUi: () => Promise<void>;
const INDEX = '<!doctype html><title>timecloud dashboard</title><script type="module" src="./assets/app-1a2b.js"></script>';

beforeAll(async () => {
  const ui = await tempDir('timecloud-ui-');
  removeUi = ui.remove;
  await mkdir(join(ui.path, 'assets'));
  await writeFile(join(ui.path, 'index.html'), INDEX);
  await writeFile(join(ui.path, 'assets', 'app-1a2b.js'), 'console.log("dashboard")');
  await writeFile(join(ui.path, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(ui.path, '..', 'secret.txt'), 'outside the dashboard');
  t = await startTestNode({ node: { http: { uiDir: ui.path } } });
  api = apiOf(t.node);
});
afterAll(async () => {
  await t?.cleanup();
  await removeUi?.();
});

describe('the built dashboard', () => {
  it('is served at / without a token, files as they are, with long caching for hashed assets', async () => {
    const index = await fetch(`${api.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toBe(INDEX);
    const script = await fetch(`${api.url}/assets/app-1a2b.js`);
    expect(script.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await script.text()).toBe('console.log("dashboard")');
    expect((await fetch(`${api.url}/favicon.svg`)).headers.get('content-type')).toBe('image/svg+xml');
  });

  it('answers every page path of the dashboard with index.html, and finds relative assets from deep paths', async () => {
    for (const path of ['/jobs', `/jobs/${encodeURIComponent('app/hello')}`, '/runs/00000000-0000-4000-8000-000000000000', '/login']) {
      const page = await fetch(api.url + path);
      expect(page.status, path).toBe(200);
      expect(await page.text(), path).toBe(INDEX);
    }
    const deep = await fetch(`${api.url}/jobs/assets/app-1a2b.js`);
    expect(await deep.text()).toBe('console.log("dashboard")');
  });

  it('answers 404 for missing files and never serves anything outside its folder', async () => {
    expect((await fetch(`${api.url}/assets/missing-9z.js`)).status).toBe(404);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/%00']) {
      const response = await fetch(api.url + path);
      expect(await response.text(), path).not.toContain('outside the dashboard');
    }
    // fetch normalises "..": send the raw path as a hostile client would.
    for (const path of ['/../secret.txt', '/assets/../../secret.txt']) {
      const body = await new Promise<string>((resolve, reject) => {
        request(`${api.url}/`, { path }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(text));
        }).on('error', reject).end();
      });
      expect(body, path).not.toContain('outside the dashboard');
    }
    const api404 = await api.fetch('/api/nothing-here');
    expect(api404.status).toBe(404);
    expect(await api404.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no API route GET /api/nothing-here' } });
  });
});
