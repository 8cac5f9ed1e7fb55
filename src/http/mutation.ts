/**
 * Changes go through the leader: on the leader a route calls the node; a standby forwards the
 * request to the leader's URL from the lease, with the caller's credentials, and passes the
 * answer back. Without a known leader the answer is 503 with the reason.
 */
import type { Context } from 'koa';
import { UnavailableError } from '../errors.js';
import type { HttpDeps, NodeControl } from './http-deps.js';

/** Set on forwarded requests, so that two standbys never forward to each other in a loop. */
export const FORWARDED_HEADER = 'X-Timecloud-Forwarded-By';
const FORWARD_TIMEOUT_MS = 15_000;

/** Who asked, as events record it. */
export function requester(ctx: Context): string {
  return ctx.state.auth === 'cookie' ? 'dashboard' : 'api';
}

/**
 * Runs `locally` on the leader; elsewhere forwards the request. `locally` sets the answer.
 */
export async function mutate(ctx: Context, deps: HttpDeps, locally: (node: NodeControl) => Promise<void>): Promise<void> {
  const node = deps.node();
  if (!node) throw new UnavailableError('this node is still starting; try again in a moment');
  if (node.lease.isLeader) {
    await locally(node);
    return;
  }
  const holder = node.lease.currentHolder;
  if (ctx.get(FORWARDED_HEADER)) {
    throw new UnavailableError(`node ${deps.nodeId} is not the leader either (forwarded by ${ctx.get(FORWARDED_HEADER)}); try again once the lease has settled`);
  }
  if (!holder || holder.released || holder.nodeId === deps.nodeId) {
    throw new UnavailableError('no node holds the leader lease right now, and only the leader can change jobs and runs; try again in a few seconds');
  }
  const headers: Record<string, string> = { accept: 'application/json', [FORWARDED_HEADER]: deps.nodeId };
  if (ctx.get('Authorization')) headers.authorization = ctx.get('Authorization');
  if (ctx.get('Cookie')) headers.cookie = ctx.get('Cookie');
  let response: Response;
  try {
    response = await fetch(new URL(ctx.originalUrl, holder.url), {
      method: ctx.method,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
  } catch (error) {
    throw new UnavailableError(`the leader ${holder.nodeId} at ${holder.url} did not answer: ${(error as Error).message}`);
  }
  ctx.status = response.status;
  ctx.set('X-Timecloud-Leader', holder.nodeId);
  const text = await response.text();
  if (text !== '') {
    ctx.type = response.headers.get('content-type') ?? 'application/json';
    ctx.body = text;
  }
}
