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
  /** Jobs the client may still submit this minute, and when its budget fills again. */
  const budget = async (ctx: Context) => {
    const spent = await limiter.get(ctx.ip);
    return {
      left: spent?.remainingPoints ?? perMinute,
      msBeforeNext: spent?.msBeforeNext ?? 60_000,
    };
  };
  return {
    async spentBudgetFirst(ctx, next) {
      const { left, msBeforeNext } = await budget(ctx);
      if (left <= 0) refuse(ctx, msBeforeNext, 1);
      return next();
    },
    async charge(ctx, jobs) {
      // More than a whole minute's budget: waiting cannot help, so no Retry-After.
      if (jobs > perMinute) {
        throw new QueueError(
          'payload_too_large',
          413,
          `this request holds ${jobs} jobs, more than a client may submit in a minute (${perMinute}): send at most ${perMinute} at a time`,
        );
      }
      // A request the budget cannot cover takes nothing from it.
      const { left, msBeforeNext } = await budget(ctx);
      if (left < jobs) refuse(ctx, msBeforeNext, jobs);
      try {
        await limiter.consume(ctx.ip, jobs);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        refuse(ctx, rejection.msBeforeNext, jobs);
      }
    },
  };
}
