/**
 * The one interface every alert channel implements, and what a send can come to: delivered,
 * worth retrying (busy, rate-limited, a 5xx, a dropped socket), or not (a bad key).
 */
import type { AlertContent, Recipients } from '../alert-message.js';

export interface ChannelMessage {
  content: AlertContent;
  recipients: Recipients;
}

export type SendResult =
  | {
      ok: true;
      /** Recipients WeCom did not know. */
      invalidUsers?: string[];
    }
  | {
      ok: false;
      retryable: true;
      errcode?: number;
      /** Secrets redacted. */
      message: string;
      /** How long the service asked us to wait. */
      retryAfterMs?: number;
    }
  | { ok: false; permanent: true; errcode?: number; message: string };

export interface AlertChannel {
  readonly name: string;
  readonly type: 'wecom-robot' | 'wecom-app' | 'webhook';
  /** Messages allowed per `rateWindow` ms. */
  readonly rateLimit: number;
  readonly rateWindow: number;
  /** Sends one message. Never throws: every failure is a `SendResult`. */
  send(message: ChannelMessage, signal?: AbortSignal): Promise<SendResult>;
}

/** A send that did not deliver. */
export type SendFailure = Exclude<SendResult, { ok: true }>;

export const retryable = (message: string, errcode?: number, retryAfterMs?: number): SendFailure => ({
  ok: false,
  retryable: true,
  message,
  ...(errcode === undefined ? {} : { errcode }),
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
});

export const permanent = (message: string, errcode?: number): SendFailure => ({
  ok: false,
  permanent: true,
  message,
  ...(errcode === undefined ? {} : { errcode }),
});
