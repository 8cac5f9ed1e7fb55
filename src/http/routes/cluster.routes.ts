/** `/api/queue` and `/api/nodes`: what runs and waits, and which nodes lead and follow. */
import Router from '@koa/router';
import { nodesView } from '../../../projections/nodes.projection.js';
import { queueView } from '../../../projections/queue.projection.js';
import type { NodesResponse, QueueResponse } from '../api-types.js';
import { isLeader, type HttpDeps } from '../http-deps.js';
import { parseQuery } from '../validation.js';

export function clusterRoutes(deps: HttpDeps): Router {
  const router = new Router();

  router.get('/api/queue', (ctx) => {
    parseQuery(ctx.query, {});
    const body: QueueResponse = queueView(deps.projections.states.queue, deps.slots);
    ctx.body = body;
  });

  router.get('/api/nodes', (ctx) => {
    parseQuery(ctx.query, {});
    const self = { nodeId: deps.nodeId, url: deps.url(), isLeader: isLeader(deps) };
    const body: NodesResponse = nodesView(deps.projections.states.nodes, self, new Date(deps.now()));
    ctx.body = body;
  });

  return router;
}
