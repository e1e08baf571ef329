// Records how jobs ended. Completions that finish in the same tick go to Redis in one script
// call; a failure goes alone. Every call is fenced by the job's lease token, and retried while
// Redis is away, so a result is never dropped because Redis blinked.

import { setTimeout as sleep } from 'node:timers/promises';
import type { ClaimedJob } from './fetcher';
import { idsToBytes } from './job-id';
import type { QueueKeys } from './keys';
import type { RedisClient } from './redis';
import { isRedisUnavailable } from './redis-errors';
import { MAX_RETRY_DELAY_MS } from './schemas';
import { runScript } from './scripts';

/** What recording an outcome needs of a job: which one, under which lease. */
export type LeasedJob = Pick<ClaimedJob, 'id' | 'leaseToken'>;

export interface AcknowledgerOptions {
  backoffBaseMs: number;
  jobTtlSeconds: number;
  failedJobTtlSeconds: number;
  eventsMaxLen: number;
  onRedisError: (error: Error, what: string) => void;
  /** Throw while Redis is away instead of trying again (a caller that answers 503 itself). */
  giveUpWhenRedisIsAway?: boolean;
}

export type FailOutcome =
  | { outcome: 'retrying'; delayMs: number; attempt: number; maxAttempts: number }
  | { outcome: 'failed'; attempt: number; maxAttempts: number }
  | { outcome: 'lease_lost' };

interface PendingCompletion {
  job: LeasedJob;
  result: string;
  resolve: (recorded: boolean) => void;
  reject: (error: unknown) => void;
}

const MAX_COMPLETIONS_PER_CALL = 500;

export class Acknowledger {
  private pending: PendingCompletion[] = [];
  private confirms: string[] = [];
  private flushScheduled = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: QueueKeys,
    private readonly options: AcknowledgerOptions,
  ) {}

  /** Resolves true when recorded, false when the lease was lost to another attempt. */
  complete(job: LeasedJob, result: unknown): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({
        job,
        result: result === undefined ? '' : JSON.stringify(result),
        resolve,
        reject,
      });
      this.scheduleFlush();
    });
  }

  /**
   * A job claimed ahead has started: its `ahead` mark (claim.lua) goes with the next completion
   * call, at the end of this turn, so the start costs no call of its own.
   */
  confirm(job: LeasedJob): void {
    this.confirms.push(job.id);
    this.scheduleFlush();
  }

  /** `retry`: fail.lua's directive ('' after the backoff, 'never', or the least delay in ms). */
  async fail(job: LeasedJob, error: string, retry = ''): Promise<FailOutcome> {
    const [outcome, delayMs, attempt, maxAttempts] = await this.retryUntilRedisAnswers('fail', () =>
      runScript<[string, number, number, number]>(this.redis, 'fail', this.keys, [
        this.keys.prefix,
        job.id,
        job.leaseToken,
        error,
        this.options.backoffBaseMs,
        this.options.failedJobTtlSeconds,
        this.options.eventsMaxLen,
        retry,
        Math.random(),
        MAX_RETRY_DELAY_MS,
      ]),
    );
    if (outcome === 'retrying')
      return {
        outcome,
        delayMs: Number(delayMs),
        attempt: Number(attempt),
        maxAttempts: Number(maxAttempts),
      };
    if (outcome === 'failed')
      return { outcome, attempt: Number(attempt), maxAttempts: Number(maxAttempts) };
    return { outcome: 'lease_lost' };
  }

  /** What is pending goes to Redis at the end of this turn, in one call. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.pending.splice(0, MAX_COMPLETIONS_PER_CALL);
    const confirms = this.confirms.splice(0);
    if (this.pending.length > 0) this.scheduleFlush();
    try {
      const recorded = await this.retryUntilRedisAnswers('complete', () =>
        this.runComplete(batch, confirms),
      );
      batch.forEach((entry, i) => entry.resolve(recorded[i] === 1));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      // Kept for the next call: a start not said costs only the attempt's count if this dies.
      this.confirms.push(...confirms);
    }
  }

  /** Forgets completed jobs past their retention (the complete script with no completions). */
  async forgetExpired(): Promise<void> {
    await this.runComplete([]);
  }

  private runComplete(
    completions: { job: LeasedJob; result: string }[],
    confirms: string[] = [],
  ): Promise<number[]> {
    const args: (string | Buffer | number)[] = [
      this.keys.prefix,
      this.options.jobTtlSeconds,
      this.options.eventsMaxLen,
      completions.length,
      idsToBytes(completions.map(({ job }) => job.id)),
    ];
    for (const { job, result } of completions) args.push(job.id, job.leaseToken, result);
    args.push(confirms.length, ...confirms);
    return runScript<number[]>(this.redis, 'complete', this.keys, args);
  }

  private async retryUntilRedisAnswers<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isRedisUnavailable(error) || this.options.giveUpWhenRedisIsAway) throw error;
        this.options.onRedisError(error as Error, what);
        await sleep(Math.min(100 * attempt, 2000));
      }
    }
  }
}
