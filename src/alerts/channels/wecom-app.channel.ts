/**
 * A WeCom app (企业应用): an access token from `GET {base}/cgi-bin/gettoken?corpid&corpsecret`,
 * cached for its `expires_in` and fetched by one request however many sends want it, then
 * `POST {base}/cgi-bin/message/send?access_token=…` to the maintainers (`touser` joined by
 * `|`, integer `agentid`). A token WeCom no longer takes (42001 expired, 40014 invalid, 41001
 * missing) is fetched again and the message resent once. Unknown users come back in
 * `invaliduser` and are reported, not retried.
 */
import type { Clock } from '../../clock.js';
import type { AppChannelConfig } from '../alert-config.js';
import { renderMarkdown, renderText } from '../alert-message.js';
import { permanent, retryable, type AlertChannel, type ChannelMessage, type SendFailure, type SendResult } from './channel.js';
import { HttpFailure, redactSecrets, request, retryAfterMs, wecomError } from './http.js';
import type { ChannelRuntime } from './wecom-robot.channel.js';

export const APP_MAX_BYTES = 2048;
const TOKEN_ERRCODES = new Set([42001, 40014, 41001]);
const RETRYABLE_ERRCODES = new Set([-1, 45009, 45033]);

/** A failure to get a token, already classified. */
class TokenFailure extends Error {
  constructor(readonly result: SendFailure) {
    super(result.message);
  }
}

export class WecomAppChannel implements AlertChannel {
  readonly type = 'wecom-app';
  readonly name: string;
  readonly rateLimit: number;
  readonly rateWindow: number;
  private token?: { value: string; refreshAt: number };
  private fetching?: Promise<string>;

  constructor(
    private readonly config: AppChannelConfig,
    private readonly runtime: ChannelRuntime & { clock: Clock },
  ) {
    this.name = config.name;
    this.rateLimit = config.rateLimit;
    this.rateWindow = config.rateWindow;
  }

  /** The cached token, or one fetched now; concurrent callers share one fetch. */
  async accessToken(signal?: AbortSignal): Promise<string> {
    const now = this.runtime.clock.now();
    if (this.token && now < this.token.refreshAt) return this.token.value;
    this.fetching ??= this.fetchToken(signal).finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    const { corpId, secret, baseUrl } = this.config;
    const url = `${baseUrl}/cgi-bin/gettoken?corpid=${encodeURIComponent(corpId)}&corpsecret=${encodeURIComponent(secret.reveal())}`;
    let answer;
    try {
      answer = await request(url, { method: 'GET', timeoutMs: this.runtime.timeoutMs, signal, secrets: [secret] });
    } catch (error) {
      if (error instanceof HttpFailure) throw new TokenFailure(retryable(error.message));
      throw error;
    }
    if (answer.status >= 500 || answer.status === 429) {
      throw new TokenFailure(retryable(`HTTP ${answer.status} from gettoken`, undefined, retryAfterMs(answer.headers)));
    }
    const wecom = wecomError(answer.json);
    const body = answer.json as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (wecom?.errcode === 0 && typeof body?.access_token === 'string') {
      const ttlMs = (typeof body.expires_in === 'number' ? body.expires_in : 7200) * 1000;
      // Refresh a little early so a token never expires between the check and the send.
      const margin = Math.min(300_000, ttlMs / 10);
      this.token = { value: body.access_token, refreshAt: this.runtime.clock.now() + ttlMs - margin };
      return body.access_token;
    }
    const text = redactSecrets(`WeCom gettoken errcode ${wecom?.errcode ?? `HTTP ${answer.status}`}: ${wecom?.errmsg ?? ''}`, [secret]);
    const result = wecom && RETRYABLE_ERRCODES.has(wecom.errcode) ? retryable(text, wecom.errcode) : permanent(text, wecom?.errcode);
    throw new TokenFailure(result);
  }

  /** The JSON body for one message to `recipients`, or the fallback when none has an id. */
  body({ content, recipients }: ChannelMessage): Record<string, unknown> | undefined {
    const to = recipients.wecom.length ? { touser: recipients.wecom.join('|') } : this.config.fallback;
    if (!to || Object.keys(to).length === 0) return undefined;
    const message =
      this.config.format === 'markdown'
        ? { msgtype: 'markdown', markdown: { content: renderMarkdown(content, undefined, APP_MAX_BYTES) } }
        : { msgtype: 'text', text: { content: renderText(content, APP_MAX_BYTES) } };
    return { ...to, ...message, agentid: this.config.agentId };
  }

  async send(message: ChannelMessage, signal?: AbortSignal): Promise<SendResult> {
    const body = this.body(message);
    if (!body) {
      return permanent(`no maintainer of ${message.content.jobId ?? 'this message'} has a WeCom id and channel "${this.name}" has no fallback`);
    }
    try {
      const first = await this.post(body, signal);
      if (first !== 'token') return first;
      this.token = undefined;
      const second = await this.post(body, signal);
      return second === 'token' ? retryable('WeCom rejected a freshly fetched access token') : second;
    } catch (error) {
      if (error instanceof TokenFailure) return error.result;
      throw error;
    }
  }

  private async post(body: Record<string, unknown>, signal?: AbortSignal): Promise<SendResult | 'token'> {
    const token = await this.accessToken(signal);
    const url = `${this.config.baseUrl}/cgi-bin/message/send?access_token=${encodeURIComponent(token)}`;
    const secrets = [this.config.secret];
    let answer;
    try {
      answer = await request(url, { method: 'POST', body, timeoutMs: this.runtime.timeoutMs, signal, secrets });
    } catch (error) {
      if (error instanceof HttpFailure) return retryable(error.message.split(token).join('[redacted]'));
      throw error;
    }
    if (answer.status === 429 || answer.status >= 500) {
      return retryable(`HTTP ${answer.status} from message/send`, undefined, retryAfterMs(answer.headers));
    }
    const wecom = wecomError(answer.json);
    if (answer.status !== 200 || !wecom) return permanent(`unexpected answer from message/send: HTTP ${answer.status}`);
    const invalid = String((answer.json as { invaliduser?: unknown }).invaliduser ?? '')
      .split('|')
      .filter((id) => id !== '');
    if (wecom.errcode === 0) return invalid.length ? { ok: true, invalidUsers: invalid } : { ok: true };
    if (TOKEN_ERRCODES.has(wecom.errcode)) return 'token';
    const text = redactSecrets(`WeCom message/send errcode ${wecom.errcode}: ${wecom.errmsg}`, secrets).split(token).join('[redacted]');
    if (wecom.errcode === 45009) return retryable(text, wecom.errcode, this.rateWindow);
    if (RETRYABLE_ERRCODES.has(wecom.errcode)) return retryable(text, wecom.errcode);
    return permanent(invalid.length ? `${text} (invalid users: ${invalid.join(', ')})` : text, wecom.errcode);
  }
}
