// JSON bodies only, with a size limit per route: 64 KiB for one job, 2 MiB for a bulk request.

import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { QueueError, ValidationError } from '@jobqueue/shared';

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
        // Deeper than any real job: writing it back out (a record, a result) would overflow the
        // stack, so it is refused here, naming the limit.
        if (depthOver(ctx.request.body, MAX_DEPTH)) {
          throw new QueueError(
            'invalid_body',
            400,
            `request body is nested more than ${MAX_DEPTH} levels deep`,
          );
        }
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

const MAX_DEPTH = 64;

/** Whether `value` holds arrays or objects nested more than `limit` deep (no recursion). */
function depthOver(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * For routes that take no body and no query: none, or `{}`. Any field, in the body or the query,
 * is refused, naming it, so that one meant to narrow the action (`{"job_type": ...}` or
 * `?job_type=` on POST /queue/pause) is never ignored while the action goes ahead in full.
 * `hint` says where such a field belongs.
 */
export function noBody(hint = ''): Middleware {
  const parse = jsonBody('16kb');
  const refuse = (fields: string[]): never => {
    const details = fields.map((path) => ({ path, message: 'is not a known field' }));
    throw new ValidationError(`${details[0]!.path} ${details[0]!.message}${hint}`, details);
  };
  return async (ctx, next) => {
    const query = Object.keys(ctx.query);
    if (query.length > 0) refuse(query);
    if (!carriesBody(ctx.get('Content-Length'), ctx.get('Transfer-Encoding'))) return next();
    // A chunked body of no bytes, with no type, is no body.
    if (!ctx.get('Content-Type') && (await isEmpty(ctx.req))) return next();
    return parse(ctx, () => {
      const body: unknown = ctx.request.body;
      const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
      if (isObject && Object.keys(body).length === 0) return next();
      if (isObject) refuse(Object.keys(body));
      const message = 'must be left out: this route takes no body';
      throw new ValidationError(`(body) ${message}${hint}`, [{ path: '(body)', message }]);
    });
  };
}

function carriesBody(contentLength: string, transferEncoding: string): boolean {
  return transferEncoding !== '' || (contentLength !== '' && contentLength !== '0');
}

/** Reads a request to its end, or to its first byte: whether it held none. */
async function isEmpty(request: AsyncIterable<Buffer>): Promise<boolean> {
  for await (const chunk of request) if (chunk.length > 0) return false;
  return true;
}
