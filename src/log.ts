/**
 * Structured logs: one JSON object per line (pino). Secrets never reach a log line: known secret
 * fields are redacted, and URLs are passed through `redactUrl` before they are logged.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACTED_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'secret',
  '*.secret',
  'corpsecret',
  '*.corpsecret',
  'key',
  '*.key',
  'webhook',
  '*.webhook',
];

export interface LoggerOptions {
  /** @defaultValue 'info' */
  level?: string;
  /** Where lines go. @defaultValue standard output */
  destination?: NodeJS.WritableStream;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? {},
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stdout,
  );
}

/** A logger that drops everything, for tests and tools that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Hides credentials in a URL: the password, and query parameters such as `key` and `token`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    for (const name of [...parsed.searchParams.keys()]) {
      if (/key|token|secret|password|sig/i.test(name)) parsed.searchParams.set(name, 'redacted');
    }
    return parsed.toString();
  } catch {
    return url.replace(/([?&](?:key|token|secret|password)=)[^&]*/gi, '$1redacted');
  }
}
