/**
 * A WeCom group robot: `POST {base}/cgi-bin/webhook/send?key=…` with a `markdown` message
 * (≤ 4096 bytes, mentions as `<@userid>` in the content) or a `text` one (≤ 2048 bytes,
 * mentions in `mentioned_list`/`mentioned_mobile_list`). A robot takes 20 messages a minute;
 * errcode 45009 means wait for the window, -1 that WeCom is busy, 93000 that the key is wrong.
 */
import type { RobotChannelConfig } from '../alert-config.js';
import { renderMarkdown, renderText } from '../alert-message.js';
import { permanent, retryable, type AlertChannel, type ChannelMessage, type SendResult } from './channel.js';
import { HttpFailure, redactSecrets, request, retryAfterMs, wecomError } from './http.js';

export const ROBOT_MARKDOWN_MAX_BYTES = 4096;
export const ROBOT_TEXT_MAX_BYTES = 2048;

/** WeCom answers worth retrying: busy, and the robot's per-minute limit. */
const RETRYABLE_ERRCODES = new Set([-1, 45009]);

export interface ChannelRuntime {
  /** Milliseconds one request may take. */
  timeoutMs: number;
}

export class WecomRobotChannel implements AlertChannel {
  readonly type = 'wecom-robot';
  readonly name: string;
  readonly rateLimit: number;
  readonly rateWindow: number;

  constructor(
    private readonly config: RobotChannelConfig,
    private readonly runtime: ChannelRuntime,
  ) {
    this.name = config.name;
    this.rateLimit = config.rateLimit;
    this.rateWindow = config.rateWindow;
  }

  /** The JSON body for one message. */
  body({ content, recipients }: ChannelMessage): Record<string, unknown> {
    if (this.config.format === 'markdown') {
      return { msgtype: 'markdown', markdown: { content: renderMarkdown(content, recipients, ROBOT_MARKDOWN_MAX_BYTES) } };
    }
    return {
      msgtype: 'text',
      text: {
        content: renderText(content, ROBOT_TEXT_MAX_BYTES),
        ...(recipients.wecom.length ? { mentioned_list: recipients.wecom } : {}),
        ...(recipients.mobiles.length ? { mentioned_mobile_list: recipients.mobiles } : {}),
      },
    };
  }

  async send(message: ChannelMessage, signal?: AbortSignal): Promise<SendResult> {
    const { key } = this.config;
    const url = `${this.config.baseUrl}/cgi-bin/webhook/send?key=${encodeURIComponent(key.reveal())}`;
    let answer;
    try {
      answer = await request(url, { method: 'POST', body: this.body(message), timeoutMs: this.runtime.timeoutMs, signal, secrets: [key] });
    } catch (error) {
      if (error instanceof HttpFailure) return retryable(error.message);
      throw error;
    }
    if (answer.status === 429 || answer.status >= 500) {
      return retryable(`HTTP ${answer.status} from the robot webhook`, undefined, retryAfterMs(answer.headers));
    }
    const wecom = wecomError(answer.json);
    if (answer.status !== 200 || !wecom) return permanent(`unexpected answer from the robot webhook: HTTP ${answer.status}`);
    if (wecom.errcode === 0) return { ok: true };
    const text = redactSecrets(`WeCom robot errcode ${wecom.errcode}: ${wecom.errmsg}`, [key]);
    if (wecom.errcode === 45009) return retryable(text, wecom.errcode, this.rateWindow);
    if (RETRYABLE_ERRCODES.has(wecom.errcode)) return retryable(text, wecom.errcode);
    return permanent(text, wecom.errcode);
  }
}
