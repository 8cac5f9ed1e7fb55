/**
 * Errors as the API answers them: `{ error: { code, message } }`, the status from one table.
 * Unexpected errors are logged and answered without their details.
 */
import type { Context, Next } from 'koa';
import type { ApiError } from './api-types.js';
import { TimecloudError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';

/** Error code → HTTP status: the one place where they meet. */
export const STATUS_OF_CODE: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  WRONG_EXPECTED_VERSION: 409,
  UNAVAILABLE: 503,
  STORE: 503,
  CONFIG: 500,
};

/** Codes for errors Koa or the router raise by status (405, 413, 415…). */
const CODE_OF_STATUS: Record<number, string> = {
  400: 'VALIDATION',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
};

export function errorBody(code: string, message: string): ApiError {
  return { error: { code, message } };
}

/** Sends an error answer from inside a route. */
export function sendError(ctx: Context, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.body = errorBody(code, message);
}

interface HttpErrorLike {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message: string;
}

/** Outermost middleware: turns whatever was thrown into the JSON error answer. */
export function errorMiddleware(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      if (error instanceof TimecloudError) {
        sendError(ctx, STATUS_OF_CODE[error.code], error.code, error.message);
        return;
      }
      const http = error as HttpErrorLike;
      const status = http.status ?? http.statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500 && http.expose !== false) {
        sendError(ctx, status, CODE_OF_STATUS[status] ?? 'BAD_REQUEST', http.message);
        return;
      }
      log.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      sendError(ctx, 500, 'INTERNAL', 'internal error; the node log has the details');
    }
  };
}
