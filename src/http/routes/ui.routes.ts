/**
 * The built dashboard (`ui/dist`) at `/`: files as they are, and `index.html` for every other
 * page path so the dashboard's own router can handle it (history API). Without a build, `/`
 * says how to make one.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Context, Next } from 'koa';
import { notBuiltPage } from '../login-page.js';

async function fileAt(path: string): Promise<number | undefined> {
  const stats = await stat(path).catch(() => undefined);
  return stats?.isFile() ? stats.size : undefined;
}

/** True when `uiDir` holds a built dashboard. */
export async function uiBuilt(uiDir: string | undefined): Promise<boolean> {
  return uiDir !== undefined && (await fileAt(join(uiDir, 'index.html'))) !== undefined;
}

/** The file under `uiDir` that `urlPath` names, never one outside it. */
function resolveInside(uiDir: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const path = normalize(join(uiDir, decoded));
  return path === uiDir || path.startsWith(uiDir.endsWith(sep) ? uiDir : uiDir + sep) ? path : undefined;
}

async function send(ctx: Context, path: string, size: number, immutable: boolean): Promise<void> {
  ctx.type = extname(path) || 'application/octet-stream';
  ctx.length = size;
  ctx.set('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  ctx.body = ctx.method === 'HEAD' ? null : createReadStream(path);
}

/** Serves the dashboard for GET and HEAD requests that no API route took. */
export function uiMiddleware(uiDir: string | undefined) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/') || ctx.path === '/ws') return next();
    if (!(await uiBuilt(uiDir))) {
      if (ctx.path !== '/' && ctx.path !== '/index.html') return next();
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = notBuiltPage(uiDir ?? 'ui/dist');
      return;
    }
    const dir = uiDir!;
    const path = resolveInside(dir, ctx.path);
    if (path !== undefined && path !== dir) {
      const size = await fileAt(path);
      if (size !== undefined) return send(ctx, path, size, ctx.path.includes('/assets/'));
      // Relative asset URLs (`base: './'`) seen from a deep page path: /jobs/x/assets/a.js.
      const at = ctx.path.lastIndexOf('/assets/');
      if (at > 0) {
        const asset = resolveInside(dir, ctx.path.slice(at));
        const assetSize = asset === undefined ? undefined : await fileAt(asset);
        if (asset !== undefined && assetSize !== undefined) return send(ctx, asset, assetSize, true);
      }
    }
    // A missing file (it has an extension) is a 404; any other path is a page of the dashboard.
    if (extname(ctx.path) !== '') return next();
    const index = join(dir, 'index.html');
    await send(ctx, index, (await fileAt(index)) ?? 0, false);
  };
}
