/** `/api/jobs`: the job list, one job, and trigger / enable / disable through the leader. */
import Router from '@koa/router';
import type { Context } from 'koa';
import { listJobs, listProblems, type JobEntry } from '../../../projections/job-list.projection.js';
import { NotFoundError } from '../../errors.js';
import type { JobResponse, JobsResponse, TriggerResponse } from '../api-types.js';
import type { HttpDeps } from '../http-deps.js';
import { JobViews } from '../job-views.js';
import { mutate, requester } from '../mutation.js';
import { check, jobIdParam, parseQuery } from '../validation.js';

function findJob(deps: HttpDeps, ctx: Context): JobEntry {
  const jobId = check('job id', jobIdParam, ctx.params.id);
  const entry = deps.projections.states.jobs.jobs[jobId];
  if (!entry) throw new NotFoundError(`no job "${jobId}"`);
  return entry;
}

export function jobsRoutes(deps: HttpDeps): Router {
  const router = new Router();
  const views = new JobViews(deps.nodeZone);

  router.get('/api/jobs', (ctx) => {
    parseQuery(ctx.query, {});
    const states = deps.projections.states;
    const now = deps.now();
    const body: JobsResponse = {
      jobs: listJobs(states.jobs).map((entry) => views.summary(entry, states, now)),
      problems: listProblems(states.jobs),
    };
    ctx.body = body;
  });

  router.get('/api/jobs/:id', (ctx) => {
    parseQuery(ctx.query, {});
    const entry = findJob(deps, ctx);
    const body: JobResponse = { job: views.detail(entry, deps.projections.states, deps.now()) };
    ctx.body = body;
  });

  router.post('/api/jobs/:id/trigger', async (ctx) => {
    parseQuery(ctx.query, {});
    const { jobId } = findJob(deps, ctx);
    await mutate(ctx, deps, async (node) => {
      const body: TriggerResponse = await node.trigger(jobId, requester(ctx));
      ctx.status = 202;
      ctx.body = body;
    });
  });

  for (const action of ['enable', 'disable'] as const) {
    router.post(`/api/jobs/:id/${action}`, async (ctx) => {
      parseQuery(ctx.query, {});
      const { jobId } = findJob(deps, ctx);
      await mutate(ctx, deps, async (node) => {
        await node[action](jobId, requester(ctx));
        ctx.status = 204;
      });
    });
  }
  return router;
}
