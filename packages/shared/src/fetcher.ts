// Fetches work for one worker: claims ready jobs (promoting due scheduled ones first), and when
// there are none, blocks on the marker until a submission wakes it or the next scheduled job is
// due. There is no polling sleep: an idle worker waits inside Redis.
//
// The claim after a wait is sent only once the wait's answer has reached this process, in its
// own turn: a claim queued in Redis behind the wait would run there even while this process is
// frozen (a stopped container, a long GC pause), leasing jobs a live worker could run at once.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueKeys } from './keys';
import { duplicateForBlocking, type RedisClient } from './redis';
import { registerScripts, runScript } from './scripts';

export interface ClaimedJob {
  id: string;
  leaseToken: string;
  jobType: string;
  /** The payload JSON as stored. */
  payload: string;
  attempt: number;
  maxAttempts: number;
  priority: string;
  /** How long the job waited to be claimed (ms): since it was due, or else since it was created. */
  waitedMs: number;
  /** Its last attempt was lost with its worker: it may be what killed it (see claim.lua). */
  suspect: boolean;
}

export interface FetcherOptions {
  workerId: string;
  leaseMs: number;
  eventsMaxLen: number;
  /** Longest single wait on the marker; bounds how stale a worker's view of `scheduled` gets. */
  blockTimeoutMs: number;
}

const PROMOTE_BATCH = 1000;
/** How long a stop waits for Redis to end the wait in progress before it hangs up instead. */
const STOP_WAIT_MS = 2000;
const WAKE_TTL_MS = 60_000;

export class JobFetcher {
  private readonly blocking: RedisClient;
  /** Earliest scheduled due time (Redis ms) as of the last claim; -1 when none. */
  private nextDueMs = -1;
  /** Redis clock minus local clock, so due times compare on Redis's clock. */
  private clockOffsetMs = 0;
  /** The wait in progress: resolves when it ends, however it ends. */
  private waiting: Promise<unknown> | undefined;
  private closing = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: QueueKeys,
    private readonly options: FetcherOptions,
  ) {
    this.blocking = duplicateForBlocking(redis);
    registerScripts(this.blocking);
  }

  /** Set by the last claim: suspects it passed over, left for a worker without one. */
  suspectsPassed = 0;

  /** Claims up to `count` jobs; at most one suspect, and none if the worker already runs one. */
  async claim(count: number, holdsSuspect = false): Promise<ClaimedJob[]> {
    if (this.nextDueMs >= 0 && this.nextDueMs <= this.redisNow()) await this.promoteDue();
    return this.claimOn(this.redis, count, holdsSuspect);
  }

  private async claimOn(
    client: RedisClient,
    count: number,
    holdsSuspect: boolean,
  ): Promise<ClaimedJob[]> {
    const k = this.keys;
    const reply = await runScript<(string | number)[]>(
      client,
      'claim',
      [k.queued, k.active, k.scheduled, k.marker, k.events],
      [
        k.prefix,
        count,
        this.options.leaseMs,
        this.options.workerId,
        randomUUID(),
        this.options.eventsMaxLen,
        holdsSuspect ? 1 : 0,
      ],
    );
    this.clockOffsetMs = Number(reply[0]) - Date.now();
    this.nextDueMs = Number(reply[1]);
    this.suspectsPassed = Number(reply[2]);
    const jobs: ClaimedJob[] = [];
    for (let i = 3; i + 8 < reply.length; i += 9) {
      jobs.push({
        id: String(reply[i]),
        leaseToken: String(reply[i + 1]),
        jobType: String(reply[i + 2]),
        payload: String(reply[i + 3]),
        attempt: Number(reply[i + 4]),
        maxAttempts: Number(reply[i + 5]),
        priority: String(reply[i + 6]),
        waitedMs: Number(reply[i + 7]),
        suspect: Number(reply[i + 8]) === 1,
      });
    }
    return jobs;
  }

  /** Whether a scheduled job was due at the last claim; the next claim promotes it first. */
  hasDueJobs(): boolean {
    return this.nextDueMs >= 0 && this.nextDueMs <= this.redisNow();
  }

  /**
   * Waits until work may be ready (a wake-up on the marker, the next due time, the timeout, or
   * this worker's stop), then claims up to `count` jobs as `claim` does, and returns them.
   */
  async waitAndClaim(count: number, holdsSuspect = false): Promise<ClaimedJob[]> {
    let dueTimer: NodeJS.Timeout | undefined;
    if (this.nextDueMs >= 0) {
      const untilDue = this.nextDueMs - this.redisNow();
      if (untilDue <= 0) return [];
      // Redis checks blocking timeouts only every 100 ms (hz 10), so a timeout would pick the job
      // late. Instead promote it on time here; promote's marker ends this wait at once.
      dueTimer = setTimeout(() => void this.promoteDue().catch(() => undefined), untilDue);
    }
    const woken = this.blocking.bzpopmin(
      this.keys.marker,
      this.keys.wake(this.options.workerId),
      (this.options.blockTimeoutMs / 1000).toFixed(3),
    );
    this.waiting = woken.catch(() => null);
    try {
      const [key] = (await woken) ?? [];
      if (this.closing) {
        // A wake-up meant for any worker goes back for another one to take.
        if (key === this.keys.marker) await this.redis.zadd(this.keys.marker, 0, '0');
        return [];
      }
      return await this.claimOn(this.blocking, count, holdsSuspect);
    } finally {
      this.waiting = undefined;
      clearTimeout(dueTimer);
    }
  }

  private async promoteDue(): Promise<void> {
    const k = this.keys;
    const [, nextDue] = await runScript<[number, number]>(
      this.redis,
      'promote',
      [k.scheduled, k.queued, k.marker],
      [k.prefix, PROMOTE_BATCH],
    );
    this.nextDueMs = Number(nextDue);
  }

  /**
   * Ends a wait in progress (on shutdown). It wakes the wait through Redis rather than hanging up,
   * so a wake-up the wait took in the meantime is handed back for another worker instead of
   * lost. Only when Redis does not answer in time does it hang up.
   */
  async close(): Promise<void> {
    this.closing = true;
    const waiting = this.waiting;
    if (waiting) {
      const wake = this.keys.wake(this.options.workerId);
      const giveUp = sleep(STOP_WAIT_MS, undefined, { ref: false });
      // The expiry covers a Redis that applies the wake-up only after this process gave up.
      const wakeUp = this.redis.multi().zadd(wake, 0, 'stop').pexpire(wake, WAKE_TTL_MS).exec();
      await Promise.race([wakeUp.then(() => waiting), giveUp]).catch(() => undefined);
      // The wait may have ended by itself before the wake-up landed: leave no wake-up behind.
      await Promise.race([this.redis.del(wake), giveUp]).catch(() => undefined);
    }
    this.blocking.disconnect();
  }

  private redisNow(): number {
    return Date.now() + this.clockOffsetMs;
  }
}
