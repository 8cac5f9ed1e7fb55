/**
 * Every call the dashboard makes to the node's HTTP API, typed with the server's own contract
 * (`src/http/api-types.ts`). The browser authenticates with the HttpOnly cookie that
 * `POST /login` sets, so no token is ever held in script.
 */
import { ref } from 'vue';
import type {
  AlertsResponse,
  ApiError as ApiErrorBody,
  EventsResponse,
  JobResponse,
  JobsResponse,
  NodesResponse,
  QueueResponse,
  RunResponse,
  RunStatus,
  RunsResponse,
  TriggerResponse,
} from '../../../src/http/api-types.js';

/** A failed API call, with the server's stable error code when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** `unknown` until the first answer; `out` after a 401 (the login page is shown). */
export const authState = ref<'unknown' | 'in' | 'out'>('unknown');

let unauthorizedHandler: (() => void) | undefined;

/** Called on every 401, so the app can send the user to the login page. */
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler;
}

async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ApiErrorBody>;
    if (body.error?.message) return new ApiError(response.status, body.error.code ?? 'ERROR', body.error.message);
  } catch {
    // Not JSON: a proxy's error page or plain text; fall through with the status line.
  }
  return new ApiError(response.status, `HTTP_${response.status}`, text.trim().slice(0, 200) || response.statusText);
}

async function send(method: 'GET' | 'POST', path: string, accept: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { method, credentials: 'same-origin', headers: { accept } });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', `cannot reach the node (${error instanceof Error ? error.message : String(error)})`);
  }
  if (response.status === 401) {
    authState.value = 'out';
    unauthorizedHandler?.();
  }
  if (!response.ok) throw await errorFrom(response);
  authState.value = 'in';
  return response;
}

async function json<T>(method: 'GET' | 'POST', path: string): Promise<T> {
  const response = await send(method, path, 'application/json');
  // 202 and 204 answers of mutations may carry no JSON at all (Koa fills in "Accepted").
  if (!(response.headers.get('content-type') ?? '').includes('json')) return undefined as T;
  return (await response.json()) as T;
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

const job = (id: string) => `/api/jobs/${encodeURIComponent(id)}`;
const run = (runId: string) => `/api/runs/${encodeURIComponent(runId)}`;

export interface RunsQuery {
  job?: string;
  /** One status or several (sent comma-separated). */
  status?: RunStatus | RunStatus[];
  limit?: number;
  /** The `next` of the previous page. */
  before?: string;
}

export interface EventsQuery {
  /** One stream name, or a prefix ending in `*`. */
  stream?: string;
  /** Inclusive `$all` position; the `next` of the previous page. */
  from?: string;
  limit?: number;
  direction?: 'forwards' | 'backwards';
}

export interface AlertsQuery {
  /** One job's alerts only (an exact job id). */
  job?: string;
  /** 1–1000; the server's default is 50. */
  limit?: number;
}

export const api = {
  jobs: () => json<JobsResponse>('GET', '/api/jobs'),
  job: (id: string) => json<JobResponse>('GET', job(id)),
  trigger: (id: string) => json<TriggerResponse>('POST', `${job(id)}/trigger`),
  enable: (id: string) => json<unknown>('POST', `${job(id)}/enable`),
  disable: (id: string) => json<unknown>('POST', `${job(id)}/disable`),
  runs: (q: RunsQuery = {}) =>
    json<RunsResponse>('GET', `/api/runs${query({ ...q, status: Array.isArray(q.status) ? q.status.join(',') : q.status })}`),
  run: (runId: string) => json<RunResponse>('GET', run(runId)),
  abort: (runId: string) => json<unknown>('POST', `${run(runId)}/abort`),
  /** Where the browser downloads a run's whole log (the cookie authenticates it). */
  runLogUrl: (runId: string) => `${run(runId)}/log`,
  queue: () => json<QueueResponse>('GET', '/api/queue'),
  nodes: () => json<NodesResponse>('GET', '/api/nodes'),
  events: (q: EventsQuery = {}) => json<EventsResponse>('GET', `/api/events${query({ ...q })}`),
  /** Alerts newest first (by first failure). */
  alerts: (q: AlertsQuery = {}) => json<AlertsResponse>('GET', `/api/alerts${query({ ...q })}`),

  /** Exchanges the admin token for the login cookie; rejects with a 401 ApiError if it is wrong. */
  async login(token: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch('/login', {
        method: 'POST',
        credentials: 'same-origin',
        // A redirect after login is success; following it would only fetch the page again.
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ token }).toString(),
      });
    } catch (error) {
      throw new ApiError(0, 'NETWORK', `cannot reach the node (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!(response.ok || response.type === 'opaqueredirect')) throw await errorFrom(response);
    // Prove the cookie works before leaving the login page, so a bad token is reported here.
    await json<NodesResponse>('GET', '/api/nodes');
  },

  /** Ends the session: the server clears the cookie. */
  async logout(): Promise<void> {
    await fetch('/logout', { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } }).catch(() => undefined);
    authState.value = 'out';
  },
};
