/** Talks to a test node's HTTP API with real `fetch` and real WebSocket clients. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { ApiError, WsServerMessage } from '../../src/http/api-types.js';
import type { TimecloudNode } from '../../src/main.js';
import { eventually } from './eventually.js';

export interface Api {
  url: string;
  token: string;
  headers: Record<string, string>;
  /** A request with the token; `path` starts with `/`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** GET with the token; fails the test on a non-2xx answer. */
  json<T>(path: string): Promise<T>;
  post(path: string, init?: RequestInit): Promise<Response>;
}

/** The API of `node`; the token is read from its data folder (where the node generated it). */
export function apiOf(node: TimecloudNode, token = readFileSync(join(node.config.data, 'token'), 'utf8').trim()): Api {
  const url = node.http.url;
  const headers = { authorization: `Bearer ${token}` };
  const call = (path: string, init: RequestInit = {}) =>
    fetch(url + path, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } });
  return {
    url,
    token,
    headers,
    fetch: call,
    async json<T>(path: string): Promise<T> {
      const response = await call(path);
      const text = await response.text();
      if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${text}`);
      return JSON.parse(text) as T;
    },
    post: (path, init = {}) => call(path, { ...init, method: 'POST' }),
  };
}

export const encodeJob = (jobId: string) => encodeURIComponent(jobId);

/** A WebSocket client that keeps every message it receives. */
export class WsProbe {
  readonly messages: WsServerMessage[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  closeCode?: number;
  closeReason?: string;

  constructor(url: string, options: { token?: string; headers?: Record<string, string>; query?: string } = {}) {
    const wsUrl = `${url.replace(/^http/, 'ws')}/ws${options.query ?? ''}`;
    const headers = { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers };
    this.ws = new WebSocket(wsUrl, { headers });
    this.ws.on('message', (data) => this.messages.push(JSON.parse(data.toString()) as WsServerMessage));
    this.ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    });
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  of<T extends WsServerMessage['type']>(type: T): Extract<WsServerMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<WsServerMessage, { type: T }> => m.type === type);
  }

  /** Waits for the first message that satisfies `test`. */
  async waitFor<T extends WsServerMessage>(test: (message: WsServerMessage) => message is T, what: string): Promise<T>;
  async waitFor(test: (message: WsServerMessage) => boolean, what: string): Promise<WsServerMessage>;
  async waitFor(test: (message: WsServerMessage) => boolean, what: string): Promise<WsServerMessage> {
    return eventually(() => this.messages.find(test), { message: what });
  }

  close(): Promise<void> {
    if (this.ws.readyState === this.ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** The `error` of an error answer. */
export async function errorOf(response: Response): Promise<ApiError['error']> {
  return ((await response.json()) as ApiError).error;
}
