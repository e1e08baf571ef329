// Bearer-token check for every route but the health probes, when API_TOKEN is set.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { QueueError } from '@jobqueue/shared';

const OPEN_PATHS = new Set(['/health', '/ready']);
const digest = (text: string) => createHash('sha256').update(text).digest();

export function requireToken(token: string): Middleware {
  const expected = digest(token);
  return async (ctx, next) => {
    if (OPEN_PATHS.has(ctx.path) || ctx.method === 'OPTIONS') return next();
    const match = /^Bearer (.+)$/.exec(ctx.get('Authorization'));
    // Compare digests so the comparison takes the same time whatever the given token's length.
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new QueueError(
        'unauthorized',
        401,
        'missing or wrong bearer token (Authorization: Bearer <API_TOKEN>)',
      );
    }
    return next();
  };
}
