/**
 * A generic webhook: one JSON POST per message with the alert's fields and its text. 2xx is
 * delivered; 408, 429 and 5xx are retried (after `Retry-After` when given); other answers are not.
 */
import type { WebhookChannelConfig } from '../alert-config.js';
import { renderMarkdown, renderText } from '../alert-message.js';
import { permanent, retryable, type AlertChannel, type ChannelMessage, type SendResult } from './channel.js';
import { HttpFailure, request, retryAfterMs } from './http.js';
import type { ChannelRuntime } from './wecom-robot.channel.js';

const WEBHOOK_MAX_BYTES = 16_384;

export class WebhookChannel implements AlertChannel {
  readonly type = 'webhook';
  readonly name: string;
  readonly rateLimit: number;
  readonly rateWindow: number;

  constructor(
    private readonly config: WebhookChannelConfig,
    private readonly runtime: ChannelRuntime,
  ) {
    this.name = config.name;
    this.rateLimit = config.rateLimit;
    this.rateWindow = config.rateWindow;
  }

  body({ content, recipients }: ChannelMessage): Record<string, unknown> {
    return {
      kind: content.kind,
      headline: content.headline,
      jobId: content.jobId,
      runId: content.runId,
      alertId: content.alertId,
      failures: content.failures,
      link: content.link,
      facts: content.facts,
      stderrTail: content.stderrTail,
      maintainers: content.maintainers,
      recipients: recipients.wecom,
      text: renderText(content, WEBHOOK_MAX_BYTES),
      markdown: renderMarkdown(content, recipients, WEBHOOK_MAX_BYTES),
    };
  }

  async send(message: ChannelMessage, signal?: AbortSignal): Promise<SendResult> {
    const { url, token } = this.config;
    const secrets = [url, token];
    let answer;
    try {
      answer = await request(url.reveal(), {
        method: 'POST',
        body: this.body(message),
        headers: token ? { authorization: `Bearer ${token.reveal()}` } : {},
        timeoutMs: this.runtime.timeoutMs,
        signal,
        secrets,
      });
    } catch (error) {
      if (error instanceof HttpFailure) return retryable(error.message);
      throw error;
    }
    if (answer.status >= 200 && answer.status < 300) return { ok: true };
    const text = `webhook answered HTTP ${answer.status}`;
    if (answer.status === 408 || answer.status === 429 || answer.status >= 500) return retryable(text, undefined, retryAfterMs(answer.headers));
    return permanent(text);
  }
}
