/**
 * The Koa application: security headers, JSON errors, the public routes (`/healthz`, `/login`,
 * `/logout`), the token check in front of `/api/*` and `/metrics`, the API routes, and the
 * dashboard's files.
 */
import Router from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import { requireAuth } from './auth.js';
import { errorMiddleware, sendError } from './errors.js';
import type { HttpDeps } from './http-deps.js';
import { alertsRoutes } from './routes/alerts.routes.js';
import { clusterRoutes } from './routes/cluster.routes.js';
import { eventsRoutes } from './routes/events.routes.js';
import { healthRoutes, metricsRoutes } from './routes/health.routes.js';
import { jobsRoutes } from './routes/jobs.routes.js';
import { runsRoutes } from './routes/runs.routes.js';
import { sessionRoutes } from './routes/session.routes.js';
import { uiMiddleware } from './routes/ui.routes.js';

/** Security headers, and how long the node worked on the answer (`Server-Timing`, for browsers and the bench). */
function commonHeaders() {
  return async (ctx: Context, next: Next): Promise<void> => {
    const started = performance.now();
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    await next();
    ctx.set('Server-Timing', `app;dur=${(performance.now() - started).toFixed(2)}`);
  };
}

const isProtected = (path: string) => path === '/api' || path.startsWith('/api/') || path === '/metrics';

/** One router over several, so that a wrong method on a known path is a 405 for all of them. */
function merged(routers: Router[]): Router {
  const router = new Router();
  for (const child of routers) router.use(child.routes());
  return router;
}

function mount(app: Koa, router: Router): void {
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
}

export function createApp(deps: HttpDeps): Koa {
  const app = new Koa();
  // Errors are answered by `errorMiddleware`; what reaches Koa is a response that failed after
  // it began (a log download whose reader went away), worth a line at most.
  app.silent = true;
  app.on('error', (error: NodeJS.ErrnoException) => {
    const gone = error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'ERR_STREAM_PREMATURE_CLOSE';
    deps.log[gone ? 'debug' : 'warn']({ err: error }, 'a response failed after it began');
  });
  app.use(commonHeaders());
  app.use(errorMiddleware(deps.log));
  mount(app, merged([healthRoutes(deps), sessionRoutes(deps)]));
  const guard = requireAuth(deps.auth);
  app.use((ctx, next) => (isProtected(ctx.path) ? guard(ctx, next) : next()));
  mount(app, merged([jobsRoutes, runsRoutes, clusterRoutes, alertsRoutes, eventsRoutes, metricsRoutes].map((routes) => routes(deps))));
  app.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/api/')) return next();
    const hint = ctx.path.startsWith('/api/jobs/') ? ' (a job id holds a "/": encode it as %2F)' : '';
    sendError(ctx, 404, 'NOT_FOUND', `no API route ${ctx.method} ${ctx.path}${hint}`);
  });
  app.use(uiMiddleware(deps.uiDir));
  return app;
}
