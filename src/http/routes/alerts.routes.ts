/** `/api/alerts`: the alert history, per job or across jobs, newest first. */
import Router from '@koa/router';
import { alertsResponse } from '../../../projections/alerts.projection.js';
import { NotFoundError } from '../../errors.js';
import type { AlertsResponse } from '../api-types.js';
import type { HttpDeps } from '../http-deps.js';
import { jobIdParam, limitParam, parseQuery } from '../validation.js';

export function alertsRoutes(deps: HttpDeps): Router {
  const router = new Router();
  router.get('/api/alerts', (ctx) => {
    const query = parseQuery(ctx.query, { job: jobIdParam, limit: limitParam });
    const { states } = deps.projections;
    if (query.job !== undefined && !states.jobs.jobs[query.job] && !states.alerts.jobs[query.job]) {
      throw new NotFoundError(`no job "${query.job}"`);
    }
    const body: AlertsResponse = alertsResponse(states.alerts, { ...(query.job === undefined ? {} : { job: query.job }), limit: query.limit ?? 50 });
    ctx.body = body;
  });
  return router;
}
