// One middleware turns every error into the JSON error body. Client mistakes keep their status
// and a message naming what was wrong; anything unexpected is logged with its stack and answered
// as a bare 500 that never leaks internals.

import type { Middleware } from 'koa';
import { QueueError, UnavailableError, type ErrorDetail, type Logger } from '@jobqueue/shared';

interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

const HTTP_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  501: 'not_implemented',
};

interface HttpishError extends Error {
  status?: number;
  expose?: boolean;
  type?: string;
  headers?: Record<string, string>;
}

export function errorBody(code: string, message: string, details?: ErrorDetail[]): ErrorBody {
  return { error: { code, message, ...(details && details.length > 0 ? { details } : {}) } };
}

function describeHttpError(error: HttpishError): { code: string; message: string } | null {
  // The JSON parser refuses keys that could reach Object.prototype before any schema sees them.
  if (/forbidden prototype property/.test(error.message)) {
    return {
      code: 'validation_failed',
      message: 'request body must not contain a "__proto__" key at any depth',
    };
  }
  // The parser takes objects and arrays only: null or 42 is JSON, just not a request.
  if (/only supports object and array/.test(error.message)) {
    return {
      code: 'invalid_json',
      message:
        'request body must be a JSON object, not a bare value such as null, a number or a string',
    };
  }
  if (error.name === 'SyntaxError' || error.type === 'entity.parse.failed') {
    return { code: 'invalid_json', message: `request body is not valid JSON: ${error.message}` };
  }
  if (error.type === 'entity.too.large') {
    return {
      code: 'payload_too_large',
      message: `request body is over the limit for this route (${error.message})`,
    };
  }
  return null;
}

/** `onUnavailable` hears of every request that failed because Redis did not answer. */
export function errorHandler(logger: Logger, onUnavailable: () => void = () => {}): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.body !== undefined && ctx.body !== null) return;
      if (ctx.status === 404) {
        ctx.status = 404;
        ctx.body = errorBody('not_found', `no route for ${ctx.method} ${ctx.path}`);
      } else if (ctx.status === 405 || ctx.status === 501) {
        // The router answers 501 for a method it knows nothing of; to a client both mean "not here".
        ctx.status = 405;
        ctx.body = errorBody(
          'method_not_allowed',
          `${ctx.method} is not allowed on ${ctx.path}; allowed: ${ctx.response.get('Allow')}`,
        );
      }
    } catch (caught) {
      const error = caught as HttpishError;
      if (error instanceof QueueError) {
        if (error instanceof UnavailableError) onUnavailable();
        ctx.status = error.status;
        ctx.body = errorBody(error.code, error.message, error.details);
        if ((error.status === 503 || error.status === 429) && !ctx.response.get('Retry-After'))
          ctx.set('Retry-After', '1');
        if (error.status >= 500) {
          const cause = error.cause instanceof Error ? error.cause.message : undefined;
          logger.warn({ err: error.message, cause, path: ctx.path }, 'request failed');
        }
        return;
      }
      const status = error.status ?? 500;
      if (status < 500 && error.expose !== false) {
        ctx.status = status;
        if (error.headers) ctx.set(error.headers);
        const known = describeHttpError(error);
        ctx.body = errorBody(
          known?.code ?? HTTP_CODES[status] ?? 'bad_request',
          known?.message ?? error.message,
        );
        return;
      }
      logger.error({ err: error, method: ctx.method, path: ctx.path }, 'unexpected error');
      ctx.status = 500;
      ctx.body = errorBody('internal', 'internal error');
    }
  };
}
