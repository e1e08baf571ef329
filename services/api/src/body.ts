// JSON bodies only, with a size limit per route: 64 KiB for one job, 2 MiB for a bulk request.

import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { QueueError } from '@jobqueue/shared';

export function jsonBody(limit: string): Middleware {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: limit,
    jsonStrict: true,
    encoding: 'utf-8',
  });
  return async (ctx, next) => {
    if (!ctx.is('application/json')) {
      throw new QueueError('unsupported_media_type', 415, 'Content-Type must be application/json');
    }
    let parsed = false;
    try {
      return await parse(ctx, () => {
        parsed = true;
        return next();
      });
    } catch (error) {
      // A body that says it is gzip/deflate/br but is not fails inside zlib: the client's mistake.
      if (parsed || !isDecodingError(error)) throw error;
      const encoding = ctx.get('Content-Encoding');
      throw new QueueError('invalid_body', 400, `request body is not valid ${encoding} data`);
    }
  };
}

function isDecodingError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^(Z_|ERR__ERROR_)/.test(code);
}
