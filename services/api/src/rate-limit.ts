// A per-client budget of submitted jobs (POST /submit-job counts one, POST /jobs/bulk one per job
// it holds), per minute per client IP, in this process's memory. A client over its budget gets
// 429 with Retry-After. Off unless SUBMIT_RATE_LIMIT is set: the usual producer is one backend
// submitting from one address, which a per-IP budget would throttle.

import type { Context, Middleware } from 'koa';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { QueueError } from '@jobqueue/shared';

export interface SubmissionLimit {
  /** Refuses, before its body is read, a request from a client whose budget is spent. */
  spentBudgetFirst: Middleware;
  /** Takes `jobs` from the client's budget, or refuses the whole request. */
  charge(ctx: Context, jobs: number): Promise<void>;
}

/** At most `perMinute` jobs a minute per client IP (mounted only when the limit is on). */
export function limitSubmissions(perMinute: number): SubmissionLimit {
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  const refuse = (ctx: Context, msBeforeNext: number, jobs: number): never => {
    const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    ctx.set('Retry-After', String(retryAfterSeconds));
    const these = jobs > 1 ? `; this request holds ${jobs}` : '';
    throw new QueueError(
      'rate_limited',
      429,
      `too many jobs from ${ctx.ip}: at most ${perMinute} per minute${these}; retry in ${retryAfterSeconds} s`,
    );
  };
  return {
    async spentBudgetFirst(ctx, next) {
      const spent = await limiter.get(ctx.ip);
      if (spent && spent.remainingPoints <= 0) refuse(ctx, spent.msBeforeNext, 1);
      return next();
    },
    async charge(ctx, jobs) {
      const spent = await limiter.get(ctx.ip);
      // A request the budget cannot cover takes nothing from it.
      if (spent && spent.remainingPoints < jobs) refuse(ctx, spent.msBeforeNext, jobs);
      if (!spent && jobs > perMinute) refuse(ctx, 60_000, jobs);
      try {
        await limiter.consume(ctx.ip, jobs);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        refuse(ctx, rejection.msBeforeNext, jobs);
      }
    },
  };
}
