/**
 * A real local HTTP server that plays WeCom for alert tests: the group robot webhook, the app
 * API (gettoken, message/send) and a generic webhook. It checks payloads the way WeCom
 * documents them (msgtype, content size in UTF-8 bytes, mention syntax, integer `agentid`,
 * at most `rateLimit` messages per `rateWindow` per robot key), answers unknown keys with
 * 93000 and unknown users in `invaliduser`, and can be scripted to answer 45009, 93000, 42001,
 * -1, HTTP 502 or to drop the socket. It records every request and every accepted message.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appProblem, robotProblem } from './wecom-payload.js';

export type Endpoint = 'robot' | 'gettoken' | 'send' | 'hook';

/** A scripted answer: a WeCom errcode, an HTTP status, or a dropped socket. */
export type ScriptedAnswer = { errcode: number; errmsg?: string } | { status: number } | { drop: true };

export interface WecomApp {
  corpId: string;
  secret: string;
  agentId: number;
  /** User ids WeCom knows; others come back in `invaliduser`. */
  users: string[];
}

export interface WecomServerOptions {
  robotKeys?: string[];
  apps?: WecomApp[];
  /** Messages a robot key takes per window. @defaultValue 20 */
  rateLimit?: number;
  /** @defaultValue 60000 */
  rateWindow?: number;
  /** `expires_in` of issued tokens, seconds. @defaultValue 7200 */
  tokenTtl?: number;
}

export interface RecordedRequest {
  endpoint: Endpoint;
  at: number;
  /** What the server answered: `ok`, an errcode, an HTTP status or `dropped`. */
  answer: string;
  /** The robot key or app corp id used. */
  key?: string;
  body?: unknown;
  /** Why the payload was refused, when it was. */
  problem?: string;
}

export interface AcceptedMessage {
  endpoint: Exclude<Endpoint, 'gettoken'>;
  at: number;
  key?: string;
  msgtype?: string;
  content: string;
  /** `<@id>` mentions found in markdown, or `mentioned_list` of text. */
  mentions: string[];
  mentionedMobiles: string[];
  touser?: string;
  agentid?: number;
  invalidUsers: string[];
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface WecomServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  requests: RecordedRequest[];
  messages: AcceptedMessage[];
  tokensIssued: number;
  /** Answers the next requests to `endpoint` with these, in order, before behaving normally. */
  script(endpoint: Endpoint, ...answers: ScriptedAnswer[]): void;
  /** Answers every request to `endpoint` this way until called with `undefined`. */
  always(endpoint: Endpoint, answer: ScriptedAnswer | undefined): void;
  /** Makes every issued token expired: the next send with one gets 42001. */
  expireTokens(): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startWecomServer(options: WecomServerOptions = {}): Promise<WecomServer> {
  const robotKeys = new Set(options.robotKeys ?? []);
  const apps = options.apps ?? [];
  const rateLimit = options.rateLimit ?? 20;
  const rateWindow = options.rateWindow ?? 60_000;
  const scripts: Record<Endpoint, ScriptedAnswer[]> = { robot: [], gettoken: [], send: [], hook: [] };
  const persistent: Partial<Record<Endpoint, ScriptedAnswer>> = {};
  const tokens = new Map<string, WecomApp>();
  const sentAt = new Map<string, number[]>();

  const state: WecomServer = {
    url: '',
    requests: [],
    messages: [],
    tokensIssued: 0,
    script: (endpoint, ...answers) => scripts[endpoint].push(...answers),
    always: (endpoint, answer) => {
      if (answer) persistent[endpoint] = answer;
      else delete persistent[endpoint];
    },
    expireTokens: () => tokens.clear(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  /** Plays a scripted answer; true when it answered. */
  function scripted(endpoint: Endpoint, res: ServerResponse, record: RecordedRequest): boolean {
    const answer = scripts[endpoint].shift() ?? persistent[endpoint];
    if (!answer) return false;
    if ('drop' in answer) {
      record.answer = 'dropped';
      res.socket?.destroy();
    } else if ('status' in answer) {
      record.answer = `HTTP ${answer.status}`;
      reply(res, answer.status, { error: 'scripted' });
    } else {
      record.answer = String(answer.errcode);
      reply(res, 200, { errcode: answer.errcode, errmsg: answer.errmsg ?? 'scripted' });
    }
    return true;
  }

  function accept(message: Omit<AcceptedMessage, 'at'>, record: RecordedRequest, res: ServerResponse, extra: Record<string, unknown> = {}) {
    record.answer = 'ok';
    state.messages.push({ ...message, at: record.at });
    reply(res, 200, { errcode: 0, errmsg: 'ok', ...extra });
  }

  /** Answers with a WeCom error; `payload` marks a request whose content broke the documented rules. */
  function refuse(record: RecordedRequest, res: ServerResponse, errcode: number, errmsg: string, payload = false) {
    record.answer = String(errcode);
    if (payload) record.problem = errmsg;
    reply(res, 200, { errcode, errmsg });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const raw = req.method === 'POST' ? await readBody(req) : '';
    let body: Record<string, unknown>;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      body = { unparsable: raw };
    }
    const endpoint: Endpoint | undefined =
      url.pathname.endsWith('/cgi-bin/webhook/send') ? 'robot'
      : url.pathname.endsWith('/cgi-bin/gettoken') ? 'gettoken'
      : url.pathname.endsWith('/cgi-bin/message/send') ? 'send'
      : url.pathname.startsWith('/hook') ? 'hook'
      : undefined;
    if (!endpoint) return reply(res, 404, { error: 'no such endpoint' });
    const record: RecordedRequest = { endpoint, at: Date.now(), answer: 'pending', ...(raw ? { body } : {}) };
    state.requests.push(record);
    if (scripted(endpoint, res, record)) return;

    switch (endpoint) {
      case 'robot': {
        const key = url.searchParams.get('key') ?? '';
        record.key = key;
        if (req.method !== 'POST') return refuse(record, res, 40058, 'POST only', true);
        if (!robotKeys.has(key)) return refuse(record, res, 93000, 'invalid webhook url');
        const problem = robotProblem(body);
        if (problem) return refuse(record, res, 40058, problem, true);
        const recent = (sentAt.get(key) ?? []).filter((at) => at > record.at - rateWindow);
        if (recent.length >= rateLimit) {
          sentAt.set(key, recent);
          return refuse(record, res, 45009, 'api freq out of limit');
        }
        sentAt.set(key, [...recent, record.at]);
        const type = body.msgtype as 'markdown' | 'text';
        const inner = body[type] as { content: string; mentioned_list?: string[]; mentioned_mobile_list?: string[] };
        const mentions = type === 'markdown' ? [...inner.content.matchAll(/<@([^>]+)>/g)].map((m) => m[1]!) : (inner.mentioned_list ?? []);
        return accept(
          { endpoint, key, msgtype: type, content: inner.content, mentions, mentionedMobiles: inner.mentioned_mobile_list ?? [], invalidUsers: [], body, headers: req.headers },
          record,
          res,
        );
      }
      case 'gettoken': {
        const corpId = url.searchParams.get('corpid');
        const app = apps.find((a) => a.corpId === corpId);
        record.key = corpId ?? undefined;
        if (!app) return refuse(record, res, 40013, 'invalid corpid');
        if (url.searchParams.get('corpsecret') !== app.secret) return refuse(record, res, 40001, 'invalid credential');
        const token = randomBytes(16).toString('hex');
        tokens.set(token, app);
        state.tokensIssued += 1;
        record.answer = 'ok';
        return reply(res, 200, { errcode: 0, errmsg: 'ok', access_token: token, expires_in: options.tokenTtl ?? 7200 });
      }
      case 'send': {
        const token = url.searchParams.get('access_token');
        if (!token) return refuse(record, res, 41001, 'access_token missing');
        const app = tokens.get(token);
        if (!app) return refuse(record, res, 42001, 'access_token expired');
        record.key = app.corpId;
        const problem = appProblem(body, app);
        if (problem) return refuse(record, res, 40058, problem, true);
        const users = typeof body.touser === 'string' ? body.touser.split('|') : [];
        const invalid = users.filter((id) => !app.users.includes(id));
        if (users.length > 0 && invalid.length === users.length && body.toparty === undefined && body.totag === undefined) {
          record.answer = '81013';
          return reply(res, 200, { errcode: 81013, errmsg: 'user & party & tag all invalid', invaliduser: invalid.join('|') });
        }
        const type = body.msgtype as 'markdown' | 'text';
        return accept(
          {
            endpoint,
            key: app.corpId,
            msgtype: type,
            content: (body[type] as { content: string }).content,
            mentions: [],
            mentionedMobiles: [],
            ...(typeof body.touser === 'string' ? { touser: body.touser } : {}),
            agentid: body.agentid as number,
            invalidUsers: invalid,
            body,
            headers: req.headers,
          },
          record,
          res,
          { invaliduser: invalid.join('|'), msgid: randomBytes(8).toString('hex') },
        );
      }
      case 'hook': {
        record.answer = 'ok';
        state.messages.push({
          endpoint,
          at: record.at,
          content: String(body.text ?? ''),
          mentions: [],
          mentionedMobiles: [],
          invalidUsers: [],
          body,
          headers: req.headers,
        });
        return reply(res, 200, { ok: true });
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => reply(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
