// A per-client budget of submissions (POST /submit-job and /jobs/bulk), counted per minute per
// client IP in this process's memory. A client over its budget gets 429 with Retry-After.

import type { Middleware } from 'koa';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { QueueError } from '@jobqueue/shared';

/** At most `perMinute` submissions a minute per client IP (mounted only when the limit is on). */
export function limitSubmissions(perMinute: number): Middleware {
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  return async (ctx, next) => {
    try {
      await limiter.consume(ctx.ip);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      ctx.set('Retry-After', String(retryAfterSeconds));
      throw new QueueError(
        'rate_limited',
        429,
        `too many submissions from ${ctx.ip}: at most ${perMinute} per minute; retry in ${retryAfterSeconds} s`,
      );
    }
    return next();
  };
}
