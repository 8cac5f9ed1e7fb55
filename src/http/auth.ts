/**
 * The admin token and how requests prove they hold it: `Authorization: Bearer <token>`, or the
 * dashboard's session cookie set by `POST /login` (HttpOnly, SameSite=Strict), or — for
 * WebSocket upgrades only, as browsers cannot set headers there — a `token` query parameter.
 * Comparisons run in constant time over hashes. The token never reaches a log line or an event.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import type { Context, Next } from 'koa';
import { ConfigError } from '../errors.js';
import { sendError } from './errors.js';

export const SESSION_COOKIE = 'timecloud_session';
export const TOKEN_FILE = 'token';
/** The variable `timecloud start` reads the token from. */
export const TOKEN_ENV = 'TIMECLOUD_TOKEN';
const MIN_TOKEN_LENGTH = 16;

export interface ResolvedToken {
  token: string;
  /** True when this start generated it (it is then printed once). */
  generated: boolean;
  /** Where it is kept, when it comes from the data folder. */
  file?: string;
}

function checkToken(token: string, source: string): string {
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new ConfigError(`${source}: the admin token must be at least ${MIN_TOKEN_LENGTH} characters without spaces`);
  }
  return token;
}

/**
 * The token given (from `TIMECLOUD_TOKEN`), else the one in `<data>/token`, else a new random
 * one written there with mode 0600.
 */
export async function resolveToken(dataDir: string, given?: string): Promise<ResolvedToken> {
  if (given !== undefined && given !== '') return { token: checkToken(given, TOKEN_ENV), generated: false };
  const file = join(dataDir, TOKEN_FILE);
  const read = async (): Promise<ResolvedToken> => ({ token: checkToken((await readFile(file, 'utf8')).trim(), file), generated: false, file });
  try {
    return await read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  try {
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another node on the same data folder wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return read();
    throw error;
  }
  return { token, generated: true, file };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** How a request proved it holds the token. */
export type AuthMethod = 'bearer' | 'cookie' | 'query';

/** Values of the `Cookie` header by name (the first wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

export class Auth {
  private readonly tokenDigest: Buffer;
  /** The cookie value: derived from the token, so changing the token ends every session. */
  readonly session: string;
  private readonly sessionDigest: Buffer;

  constructor(token: string) {
    this.tokenDigest = digest(token);
    this.session = createHmac('sha256', token).update('timecloud dashboard session v1').digest('base64url');
    this.sessionDigest = digest(this.session);
  }

  verifyToken(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.tokenDigest);
  }

  verifySession(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.sessionDigest);
  }

  /** The method by which these headers (and, for WebSockets, `queryToken`) prove the token. */
  identify(headers: IncomingHttpHeaders, queryToken?: string | null): AuthMethod | undefined {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return this.verifyToken(bearer) ? 'bearer' : undefined;
    const cookie = parseCookies(headers.cookie).get(SESSION_COOKIE);
    if (cookie !== undefined && this.verifySession(cookie)) return 'cookie';
    if (queryToken) return this.verifyToken(queryToken) ? 'query' : undefined;
    return undefined;
  }
}

/** A browser asking for a page (not a script asking for data): it gets the login page. */
function wantsPage(ctx: Context): boolean {
  return ctx.method === 'GET' && ctx.accepts('json', 'html') === 'html' && !ctx.get('X-Requested-With');
}

/** Lets a request through only with the token; cookie sessions also need a same-origin request to change anything. */
export function requireAuth(auth: Auth) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const method = auth.identify(ctx.headers);
    if (method === undefined) {
      if (wantsPage(ctx)) {
        ctx.redirect(`/login?next=${encodeURIComponent(ctx.originalUrl)}`);
        return;
      }
      ctx.set('WWW-Authenticate', 'Bearer realm="timecloud"');
      const given = ctx.get('Authorization') ? 'the token given is not the admin token' : 'no token given';
      sendError(ctx, 401, 'UNAUTHORIZED', `${given}: send "Authorization: Bearer <token>" or log in at /login`);
      return;
    }
    if (method === 'cookie' && !['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) {
      const origin = ctx.get('Origin');
      // Not `ctx.origin`: Koa 3 answers that from the Origin header itself.
      if (origin && origin !== `${ctx.protocol}://${ctx.host}`) {
        sendError(ctx, 401, 'UNAUTHORIZED', `cross-site request from ${origin} refused: the session cookie only works from this dashboard`);
        return;
      }
    }
    ctx.state.auth = method;
    await next();
  };
}
