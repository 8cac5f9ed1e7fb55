/**
 * HTTP for channels: one request with a timeout, its answer read as JSON when it is JSON, and
 * every error message stripped of credentials (query parameters such as `key=` and
 * `access_token=`, and the channel's own secret values wherever they appear).
 */
import type { Secret } from '../secret.js';
import { redactUrl } from '../../log.js';

export interface HttpAnswer {
  status: number;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown;
  headers: Headers;
}

/** A request that got no HTTP answer: refused, reset, dropped, timed out or aborted. */
export class HttpFailure extends Error {
  constructor(
    message: string,
    readonly aborted: boolean,
  ) {
    super(message);
  }
}

/** Hides credentials in any text: URL query secrets and the given secret values. */
export function redactSecrets(text: string, secrets: readonly (Secret | undefined)[] = []): string {
  let out = text.replace(/https?:\/\/[^\s"'<>]+/g, (url) => redactUrl(url));
  out = out.replace(/((?:key|access_token|corpsecret|secret|token)=)[^&\s"']*/gi, '$1redacted');
  for (const secret of secrets) {
    const value = secret?.reveal();
    if (value && value.length >= 4) out = out.split(value).join('[redacted]');
  }
  return out;
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return cause?.message ?? (error as Error).message ?? String(error);
}

export interface RequestOptions {
  method: 'GET' | 'POST';
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Secret values to hide in error messages. */
  secrets?: readonly (Secret | undefined)[];
}

/** One request; throws `HttpFailure` (message redacted) when there is no HTTP answer. */
export async function request(url: string, options: RequestOptions): Promise<HttpAnswer> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method,
      headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal,
    });
  } catch (error) {
    const aborted = options.signal?.aborted === true;
    const reason = timeout.aborted ? `no answer within ${options.timeoutMs} ms` : aborted ? 'aborted' : describeCause(error);
    throw new HttpFailure(redactSecrets(`request to ${url} failed: ${reason}`, options.secrets), aborted);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new HttpFailure(redactSecrets(`reading the answer of ${url} failed: ${describeCause(error)}`, options.secrets), options.signal?.aborted === true);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, headers: response.headers };
}

/** `errcode`/`errmsg` of a WeCom answer. */
export function wecomError(json: unknown): { errcode: number; errmsg: string } | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { errcode, errmsg } = json as { errcode?: unknown; errmsg?: unknown };
  return typeof errcode === 'number' ? { errcode, errmsg: typeof errmsg === 'string' ? errmsg : '' } : undefined;
}

/** Seconds of a `Retry-After` header as ms, when it has one. */
export function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
