/** `/healthz` (no token needed: load balancers and probes call it) and `/metrics` (Prometheus). */
import Router from '@koa/router';
import type { HealthResponse } from '../api-types.js';
import { isLeader, type HttpDeps } from '../http-deps.js';

export function healthRoutes(deps: HttpDeps): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    const body: HealthResponse = { status: 'ok', nodeId: deps.nodeId, role: isLeader(deps) ? 'leader' : 'standby', version: deps.version };
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  });
  return router;
}

/** Behind the token: the figures name job outcomes and the node's load. */
export function metricsRoutes(deps: HttpDeps): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.contentType;
    ctx.body = await deps.metrics.text();
  });
  return router;
}
