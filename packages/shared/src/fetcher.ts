// Fetches work for one worker: claims ready jobs (promoting due scheduled ones first), and when
// there are none, blocks on the marker until a submission wakes it or the next scheduled job is
// due. There is no polling sleep: an idle worker waits inside Redis.
//
// The wait and the claim after it go out together on the blocking connection: Redis runs a
// connection's commands in order, so the claim runs the moment the wait ends, in the same pass of
// Redis's event loop. A woken worker spends no round trip asking for the job it was woken for.
//
// Redis runs that claim even if this process froze meanwhile (a stopped container, a paused
// host), so it leases its jobs only for CONFIRM_WITHIN_MS and marks them unconfirmed: the worker
// confirms each as it starts it. A frozen worker never does: its jobs go back in line at the
// next recovery with the attempt not counted (recover.lua), and the claim's answer, which comes
// late when the worker thaws, is dropped rather than run (see `staleClaimsDropped`).

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
  /** How long the attempt may run (ms); 0: no limit. */
  timeoutMs: number;
  /** Claimed ahead of a free slot and marked so until this worker says it started (claim.lua). */
  ahead: boolean;
}

export interface FetcherOptions {
  workerId: string;
  leaseMs: number;
  eventsMaxLen: number;
  /** Longest single wait on the marker; bounds how stale a worker's view of `scheduled` gets. */
  blockTimeoutMs: number;
  /** The job types this worker runs: it claims and waits for no others. */
  jobTypes: string[];
}

const PROMOTE_BATCH = 1000;
/** How long a claim made behind a wait stays leased unless its worker confirms it. */
export const CONFIRM_WITHIN_MS = 2000;
/** How long a stop waits for Redis to end the wait in progress before it hangs up instead. */
const STOP_WAIT_MS = 2000;
const WAKE_TTL_MS = 60_000;

export class JobFetcher {
  private readonly blocking: RedisClient;
  /** Earliest scheduled due time (Redis ms) as of the last claim; -1 when none. */
  private nextDueMs = -1;
  /** Redis clock minus local clock, so due times compare on Redis's clock. */
  private clockOffsetMs = 0;
  /** The wait in progress: resolves with what its claim took (nothing if it was cut off). */
  private waiting: Promise<ClaimedJob[]> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: QueueKeys,
    private readonly options: FetcherOptions,
  ) {
    this.blocking = duplicateForBlocking(redis);
    registerScripts(this.blocking);
  }

  /** Set by the last claim: ms until a rate-limited lane may start again, -1 when none waits. */
  private heldBackMs = -1;
  /** Set by the last claim: suspects it passed over, left for a worker without one. */
  suspectsPassed = 0;
  /** Set by the last wait: jobs its claim took that were dropped because its answer came late. */
  staleClaimsDropped = 0;
  /** Whether clockOffsetMs has been measured: before that no answer can be judged late. */
  private clockKnown = false;

  /**
   * Claims up to `count` jobs; at most one suspect, and none if the worker already runs one. Those
   * after the first `startNow` are claimed ahead (`ahead`): the worker tells Redis when it starts
   * one (Acknowledger.confirm), and one it never started costs no attempt if it dies.
   */
  async claim(count: number, holdsSuspect = false, startNow = count): Promise<ClaimedJob[]> {
    if (this.nextDueMs >= 0 && this.nextDueMs <= this.redisNow()) await this.promoteDue();
    return this.claimOn(this.redis, count, holdsSuspect, 0, startNow);
  }

  private async claimOn(
    client: RedisClient,
    count: number,
    holdsSuspect: boolean,
    confirmWithinMs = 0,
    startNow = count,
  ): Promise<ClaimedJob[]> {
    const reply = await runClaim(client, this.keys, {
      ...this.options,
      count,
      holdsSuspect,
      confirmWithinMs,
      startNow,
    });
    const offset = reply.redisNowMs - Date.now();
    // An answer made in Redis well before this process reads it: this process was frozen (or
    // its event loop stalled) since. Its jobs are dropped; recovery puts them back uncounted.
    const late = this.clockKnown && this.clockOffsetMs - offset > confirmWithinMs / 2;
    if (confirmWithinMs > 0 && late) {
      this.staleClaimsDropped = reply.jobs.length;
      return [];
    }
    this.clockOffsetMs = offset;
    this.clockKnown = true;
    this.nextDueMs = reply.nextDueMs;
    this.suspectsPassed = reply.suspectsPassed;
    this.heldBackMs = reply.heldBackMs;
    return reply.jobs;
  }

  /** At the last claim, ms until a lane its rate limit held back may start a job again; or -1. */
  rateLimitedForMs(): number {
    return this.heldBackMs;
  }

  /** Whether a scheduled job was due at the last claim; the next claim promotes it first. */
  hasDueJobs(): boolean {
    return this.nextDueMs >= 0 && this.nextDueMs <= this.redisNow();
  }

  /**
   * Waits until work may be ready (a wake-up on the marker, the next due time, the timeout, or
   * this worker's stop), then claims up to `count` jobs as `claim` does, and returns them. The
   * caller must confirm each job it starts (they are leased only for CONFIRM_WITHIN_MS).
   */
  async waitAndClaim(count: number, holdsSuspect = false): Promise<ClaimedJob[]> {
    this.staleClaimsDropped = 0;
    let dueTimer: NodeJS.Timeout | undefined;
    if (this.nextDueMs >= 0) {
      const untilDue = this.nextDueMs - this.redisNow();
      if (untilDue <= 0) return [];
      // Redis checks blocking timeouts only every 100 ms (hz 10), so a timeout would pick the job
      // late. Instead promote it on time here; promote's marker (of the job's type) ends this
      // wait at once when the job is one this worker runs.
      dueTimer = setTimeout(() => void this.promoteDue().catch(() => undefined), untilDue);
    }
    const jobs = Promise.all([
      this.blocking.bzpopmin(
        this.keys.marker,
        ...this.options.jobTypes.map((jobType) => this.keys.typeMarker(jobType)),
        this.keys.wake(this.options.workerId),
        (this.waitMs() / 1000).toFixed(3),
      ),
      this.claimOn(this.blocking, count, holdsSuspect, CONFIRM_WITHIN_MS),
    ]).then(([, claimed]) => claimed);
    this.waiting = jobs.catch(() => []);
    try {
      return await jobs;
    } finally {
      this.waiting = undefined;
      clearTimeout(dueTimer);
    }
  }

  /** How long a wait may block: a lane held back by its rate limit frees at a known time. */
  private waitMs(): number {
    const { blockTimeoutMs } = this.options;
    return Math.max(
      1,
      this.heldBackMs >= 0 ? Math.min(blockTimeoutMs, this.heldBackMs) : blockTimeoutMs,
    );
  }

  private async promoteDue(): Promise<void> {
    this.nextDueMs = await promoteDue(this.redis, this.keys);
  }

  /**
   * Ends a wait in progress (on shutdown). It wakes the wait through Redis rather than hanging up:
   * the claim sent with it then runs and its jobs reach the worker, which runs them before it
   * stops, instead of leaving them leased to a closed connection until their leases run out.
   * Only when Redis does not answer in time does it hang up (the claim then never ran, or its
   * jobs come back through lease recovery).
   */
  async close(): Promise<void> {
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

export interface ClaimRequest {
  workerId: string;
  jobTypes: string[];
  count: number;
  leaseMs: number;
  eventsMaxLen: number;
  holdsSuspect?: boolean;
  /** 0, or how long the jobs stay leased unless confirmed (claim.lua ARGV[8]). */
  confirmWithinMs?: number;
  /** Jobs that start at once; those after them are marked `ahead` (claim.lua ARGV[10]). */
  startNow?: number;
}

export interface ClaimReply {
  /** Redis's clock when it ran the claim. */
  redisNowMs: number;
  /** The earliest scheduled due time (Redis ms), -1 when none. */
  nextDueMs: number;
  suspectsPassed: number;
  /** ms until a lane its rate limit held back may start a job again; -1: none held back. */
  heldBackMs: number;
  jobs: ClaimedJob[];
}

/** Runs one claim (claim.lua) and reads its answer. */
export async function runClaim(
  client: RedisClient,
  keys: QueueKeys,
  request: ClaimRequest,
): Promise<ClaimReply> {
  const reply = await runScript<(string | number)[]>(client, 'claim', keys, [
    keys.prefix,
    request.count,
    request.leaseMs,
    request.workerId,
    randomUUID(),
    request.eventsMaxLen,
    request.holdsSuspect ? 1 : 0,
    request.confirmWithinMs ?? 0,
    request.jobTypes.join(' '),
    request.startNow ?? request.count,
  ]);
  const jobs: ClaimedJob[] = [];
  for (let i = 4; i + 9 < reply.length; i += 10) {
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
      ahead: Number(reply[i + 8]) === 2,
      timeoutMs: Number(reply[i + 9]),
    });
  }
  return {
    redisNowMs: Number(reply[0]),
    nextDueMs: Number(reply[1]),
    suspectsPassed: Number(reply[2]),
    heldBackMs: Number(reply[3]),
    jobs,
  };
}

/** Moves due scheduled jobs into line; resolves with the next due time (Redis ms) or -1. */
export async function promoteDue(redis: RedisClient, keys: QueueKeys): Promise<number> {
  const [, nextDue] = await runScript<[number, number]>(redis, 'promote', keys, [
    keys.prefix,
    PROMOTE_BATCH,
  ]);
  return Number(nextDue);
}
