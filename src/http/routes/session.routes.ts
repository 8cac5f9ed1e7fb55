/**
 * `POST /login` (a form or JSON with the token) sets the dashboard's session cookie; `POST
 * /logout` clears it; `GET /login` serves a small login page while the dashboard is not built.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { ValidationError } from '../../errors.js';
import { SESSION_COOKIE } from '../auth.js';
import { sendError } from '../errors.js';
import type { HttpDeps } from '../http-deps.js';
import { LOGIN_PAGE_CSP, loginPage } from '../login-page.js';
import { uiBuilt } from './ui.routes.js';

const MAX_BODY_BYTES = 4096;

/** The body of a small form or JSON request; anything bigger than `MAX_BODY_BYTES` is refused. */
async function readForm(ctx: Context): Promise<Record<string, string>> {
  let size = 0;
  const parts: Buffer[] = [];
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) ctx.throw(413, `the request body is larger than ${MAX_BODY_BYTES} bytes`);
    parts.push(chunk);
  }
  const text = Buffer.concat(parts).toString('utf8');
  if (ctx.is('application/json')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ValidationError('the body is not valid JSON: expected {"token": "..."}');
    }
    if (typeof json !== 'object' || json === null) throw new ValidationError('expected a JSON object {"token": "..."}');
    return Object.fromEntries(Object.entries(json).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }
  if (ctx.is('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  ctx.throw(415, 'send the token as a form (application/x-www-form-urlencoded) or as JSON');
}

/** Only paths of this site: never an absolute or protocol-relative URL (an open redirect). */
function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

function cookieOptions(ctx: Context) {
  return { httpOnly: true, sameSite: 'strict' as const, path: '/', secure: ctx.secure, overwrite: true };
}

export function sessionRoutes(deps: HttpDeps): Router {
  const router = new Router();
  const page = (ctx: Context, status: number, next: string, error?: string) => {
    ctx.status = status;
    ctx.set('Content-Security-Policy', LOGIN_PAGE_CSP);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = loginPage({ next, ...(error ? { error } : {}) });
  };

  router.get('/login', async (ctx, next) => {
    if (await uiBuilt(deps.uiDir)) return next(); // the dashboard's own login page
    const wanted = typeof ctx.query.next === 'string' ? ctx.query.next : undefined;
    page(ctx, 200, safeNext(wanted));
  });

  router.post('/login', async (ctx) => {
    const form = await readForm(ctx);
    const isForm = ctx.is('application/x-www-form-urlencoded') !== false;
    const next = safeNext(form.next);
    if (!form.token || !deps.auth.verifyToken(form.token)) {
      const message = form.token ? 'that is not the admin token' : 'no token given';
      if (isForm) page(ctx, 401, next, message);
      else sendError(ctx, 401, 'UNAUTHORIZED', message);
      return;
    }
    ctx.cookies.set(SESSION_COOKIE, deps.auth.session, cookieOptions(ctx));
    if (isForm) {
      ctx.status = 303;
      ctx.redirect(next);
    } else {
      ctx.status = 204;
    }
  });

  router.post('/logout', async (ctx) => {
    ctx.cookies.set(SESSION_COOKIE, '', { ...cookieOptions(ctx), maxAge: 0 });
    if (ctx.is('application/x-www-form-urlencoded')) {
      ctx.status = 303;
      ctx.redirect('/login');
    } else {
      ctx.status = 204;
    }
  });

  return router;
}
