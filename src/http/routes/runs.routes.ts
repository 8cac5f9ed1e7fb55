/** `/api/runs`: pages of runs, one run with its attempts and events, abort, and the run's log. */
import { Readable } from 'node:stream';
import Router from '@koa/router';
import type { Context } from 'koa';
import { findRun, jobOfRun, listRuns, runFamily, toSummary } from '../../../projections/run-history.queries.js';
import { streams } from '../../domain/events.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { RunResponse, RunsResponse } from '../api-types.js';
import { toEventJson } from '../event-json.js';
import type { HttpDeps } from '../http-deps.js';
import { mutate, requester } from '../mutation.js';
import { runEvents } from '../run-events.js';
import { tailLog, wholeLog } from '../run-log-text.js';
import { check, cursorParam, flagParam, jobIdParam, limitParam, parseQuery, runIdParam, statusParam, tailParam } from '../validation.js';

const DEFAULT_LIMIT = 50;
const OPEN = new Set(['scheduled', 'queued', 'running']);

function fileName(jobId: string, runId: string): string {
  return `${jobId.replace(/[^A-Za-z0-9._-]+/g, '_')}-${runId}.log`;
}

export function runsRoutes(deps: HttpDeps): Router {
  const router = new Router();
  const runIdOf = (ctx: Context) => check('run id', runIdParam, ctx.params.runId);

  router.get('/api/runs', (ctx) => {
    const query = parseQuery(ctx.query, { job: jobIdParam, status: statusParam, limit: limitParam, before: cursorParam });
    const { states } = deps.projections;
    if (query.job !== undefined && !states.jobs.jobs[query.job] && !states.runs.byJob[query.job]) {
      throw new NotFoundError(`no job "${query.job}"`);
    }
    const page = listRuns(states.runs, {
      ...(query.job === undefined ? {} : { jobId: query.job }),
      ...(query.status === undefined ? {} : { statuses: query.status }),
      limit: query.limit ?? DEFAULT_LIMIT,
      ...(query.before === undefined ? {} : { before: query.before }),
    });
    const body: RunsResponse = { runs: page.runs, ...(page.next === undefined ? {} : { next: String(page.next) }) };
    ctx.body = body;
  });

  router.get('/api/runs/:runId', async (ctx) => {
    parseQuery(ctx.query, {});
    const runId = runIdOf(ctx);
    const run = findRun(deps.projections.states.runs, runId);
    if (!run) throw new NotFoundError(`no run ${runId} (the node keeps the newest 1000 runs of each job)`);
    const family = runFamily(deps.projections.states.runs, run);
    const single = run.status === 'skipped' || run.status === 'missed';
    const events = await runEvents(deps.store, run.jobId, runId, BigInt(run.revision), single);
    const body: RunResponse = { run: toSummary(run), attempts: family, events: events.map(toEventJson) };
    ctx.body = body;
  });

  router.post('/api/runs/:runId/abort', async (ctx) => {
    parseQuery(ctx.query, {});
    const runId = runIdOf(ctx);
    const { runs } = deps.projections.states;
    const jobId = jobOfRun(runs, runId);
    if (jobId === undefined) throw new NotFoundError(`no run ${runId}`);
    const run = findRun(runs, runId);
    // A failed attempt whose retry waits may be aborted by either id: the retry is cancelled.
    const pendingRetry = runs.retries[runId] !== undefined || (run?.retry !== undefined && runs.retries[run.retry.nextRunId] !== undefined);
    if (run && !OPEN.has(run.status) && !pendingRetry) {
      throw new ConflictError(`run ${runId} is over (${run.status}); there is nothing to abort`);
    }
    await mutate(ctx, deps, async (node) => {
      await node.abort(jobId, runId, requester(ctx));
      ctx.status = 202;
    });
  });

  router.get('/api/runs/:runId/log', async (ctx) => {
    const query = parseQuery(ctx.query, { tail: tailParam, download: flagParam });
    const runId = runIdOf(ctx);
    const run = findRun(deps.projections.states.runs, runId);
    if (!run && (await deps.store.streamRevision(streams.runLog(runId))) === undefined) {
      throw new NotFoundError(`no run ${runId}, and no log stored for it`);
    }
    if (query.download) ctx.attachment(fileName(run?.jobId ?? 'run', runId));
    ctx.type = 'text/plain; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = query.tail === undefined ? Readable.from(wholeLog(deps.store, runId)) : await tailLog(deps.store, runId, query.tail);
  });

  return router;
}
