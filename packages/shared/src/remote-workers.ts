// Workers in any language, over HTTP: the API claims, renews, completes and fails jobs for them
// with the same scripts a Node worker runs, so leases, fencing and recovery are one code path.
//
// A claim with nothing ready waits inside Redis, as a Node worker does: on the markers of the
// types asked for (and the one a due time change sets), with the claim queued behind the wait on
// the same connection, so a job submitted meanwhile is handed out at once. Claimed jobs are
// leased only for CONFIRM_WITHIN_MS and unconfirmed until the answer has been written to the
// worker (confirm); a worker that hung up before it got them never started them, and recovery
// gives their attempt back.
//
// The API also keeps the queue moving when no Node worker runs: it recovers expired leases and
// promotes due jobs on a timer (maintain).

import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { CONFIRM_WITHIN_MS, promoteDue, runClaim, type ClaimedJob } from './fetcher';
import { JobTimeoutError } from './job-errors';
import { JOB_TYPE_NAME_PATTERN } from './job-types/declaration';
import { httpWorkerEntry } from './job-types/type-registry';
import { WORKER_STALE_MS, type QueueKeys } from './keys';
import { Acknowledger } from './acknowledger';
import { duplicateForBlocking, execPipeline, type RedisClient } from './redis';
import { registerScripts, runScript } from './scripts';
import { parseOrThrow } from './schemas';

/** The longest a claim may wait for work. */
export const MAX_CLAIM_WAIT_MS = 30_000;
export const MAX_CLAIM_JOBS = 100;
/** Claims waiting at once in one API process; past it, a claim answers at once. */
const MAX_WAITING_CLAIMS = 200;
const MAINTAIN_EVERY_MS = 1000;
const RECOVER_BATCH = 500;
/** Attempts whose deadline this process keeps; past it, the oldest go (and are read instead). */
const MAX_DEADLINES_KEPT = 100_000;

const workerId = z
  .string()
  .regex(/^[A-Za-z0-9_.:@-]{1,200}$/, "must be 1-200 letters, digits, '_', '.', ':', '@' or '-'");
const leaseToken = z.string().min(1, 'must not be empty').max(200);

export const claimRequestSchema = z.strictObject({
  worker_id: workerId,
  job_types: z
    .array(z.string().regex(JOB_TYPE_NAME_PATTERN, 'must be a job type name'))
    .min(1, 'must name at least one job type')
    .max(100),
  max_jobs: z.number().int('must be a whole number').min(1).max(MAX_CLAIM_JOBS).default(1),
  wait_ms: z.number().int('must be a whole number').min(0).max(MAX_CLAIM_WAIT_MS).default(0),
});
export const heartbeatRequestSchema = z.strictObject({ lease_token: leaseToken });
export const completeRequestSchema = z.strictObject({
  lease_token: leaseToken,
  result: z.unknown().optional(),
});
export const failRequestSchema = z.strictObject({
  lease_token: leaseToken,
  error: z.string().min(1, 'must say what went wrong').max(10_000),
  /** false: fail the job now, whatever attempts it has left. */
  retry: z.boolean().default(true),
});

/** One job as a claim over HTTP hands it out. */
export interface HandedOutJob {
  job_id: string;
  lease_token: string;
  job_type: string;
  payload: unknown;
  attempt: number;
  max_attempts: number;
  /** When the lease ends unless renewed (ISO time): heartbeat before then. */
  lease_expires_at: string;
  /** How long the attempt may run (ms), or null: past it, its heartbeat and result are refused. */
  timeout_ms: number | null;
}

export interface RemoteWorkersOptions {
  leaseMs: number;
  eventsMaxLen: number;
  backoffBaseMs: number;
  jobTtlSeconds: number;
  failedJobTtlSeconds: number;
  /** Of these job types, those that may not be claimed (not declared, or switched off here). */
  refusedTypes(names: string[]): Promise<string[]>;
  onError(error: Error, what: string): void;
}

export class RemoteWorkers {
  private readonly acks: Acknowledger;
  private readonly idle: RedisClient[] = [];
  private waiting = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The earliest scheduled due time, on this process's clock; -1 when nothing is scheduled. */
  private nextDueMs = -1;
  /** Redis's clock minus this process's, as of the last claim. */
  private clockOffsetMs = 0;
  private closed = false;
  /** Each attempt handed out here, by lease token: its deadline, or null with no timeout. */
  private readonly deadlines = new Map<string, { deadline: number; timeoutMs: number } | null>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: QueueKeys,
    private readonly options: RemoteWorkersOptions,
  ) {
    this.acks = new Acknowledger(redis, keys, {
      ...options,
      onRedisError: (error) => options.onError(error, 'recording an outcome'),
      // The worker asking is told 503 and asks again; the request does not hang.
      giveUpWhenRedisIsAway: true,
    });
  }

  /** Claims up to max_jobs, waiting up to wait_ms for the first; [] when none came. */
  async claim(input: unknown, hungUp: AbortSignal): Promise<ClaimedJob[]> {
    const request = parseOrThrow(claimRequestSchema, input, 'invalid claim');
    const refused = await this.options.refusedTypes(request.job_types);
    if (refused.length > 0) {
      const details = refused.map((name) => ({
        path: `job_types.${request.job_types.indexOf(name)}`,
        message: `"${name}" is not a declared job type`,
      }));
      throw new ValidationError(
        `invalid claim: ${details[0]!.path} ${details[0]!.message} (declare it with PUT /job-types/:name)`,
        details,
      );
    }
    const claim = {
      workerId: request.worker_id,
      jobTypes: [...new Set(request.job_types)],
      count: request.max_jobs,
      leaseMs: this.options.leaseMs,
      eventsMaxLen: this.options.eventsMaxLen,
      confirmWithinMs: CONFIRM_WITHIN_MS,
    };
    const deadline = Date.now() + request.wait_ms;
    for (;;) {
      await this.seen(claim.workerId, claim.jobTypes);
      if (this.nextDueMs >= 0 && this.nextDueMs <= Date.now()) await this.promote();
      const reply = await runClaim(this.redis, this.keys, claim);
      this.learnDueTime(reply);
      if (reply.jobs.length > 0) return this.handingOut(reply);
      const left = deadline - Date.now();
      if (left <= 0 || hungUp.aborted || this.closed || this.waiting >= MAX_WAITING_CLAIMS)
        return [];
      const untilDue = this.nextDueMs >= 0 ? Math.max(0, this.nextDueMs - Date.now()) : left;
      const untilFree = reply.heldBackMs >= 0 ? reply.heldBackMs : left;
      // A long wait is cut in pieces, each starting with seen(): a waiting worker stays live.
      const waitMs = Math.min(left, untilDue, untilFree, WORKER_STALE_MS / 2);
      const jobs = await this.waitThenClaim(claim, waitMs, hungUp);
      if (jobs.length > 0) return jobs;
    }
  }

  private async waitThenClaim(
    claim: Parameters<typeof runClaim>[2],
    waitMs: number,
    hungUp: AbortSignal,
  ): Promise<ClaimedJob[]> {
    const connection = this.idle.pop() ?? this.blockingConnection();
    this.waiting++;
    // A worker that hangs up ends its wait: the connection is dropped with the claim behind it
    // unsent or unanswered (a claim that ran anyway leased its jobs unconfirmed).
    const hangUp = () => connection.disconnect();
    hungUp.addEventListener('abort', hangUp, { once: true });
    try {
      const [, reply] = await Promise.all([
        connection.bzpopmin(
          this.keys.marker,
          ...claim.jobTypes.map((jobType) => this.keys.typeMarker(jobType)),
          // Redis reads 0 as "forever": wait at least a millisecond.
          (Math.max(1, waitMs) / 1000).toFixed(3),
        ),
        runClaim(connection, this.keys, claim),
      ]);
      this.learnDueTime(reply);
      return this.handingOut(reply);
    } catch (error) {
      if (hungUp.aborted) return [];
      throw error;
    } finally {
      this.waiting--;
      hungUp.removeEventListener('abort', hangUp);
      if (!hungUp.aborted && !this.closed && connection.status === 'ready')
        this.idle.push(connection);
      else connection.disconnect();
    }
  }

  private blockingConnection(): RedisClient {
    const connection = duplicateForBlocking(this.redis);
    registerScripts(connection);
    return connection;
  }

  /**
   * A worker over HTTP is live while it claims, and runs the types it claims: it counts in
   * /stats and in GET /job-types as a Node worker does with its heartbeat. (extend.lua with no
   * job is that heartbeat.)
   */
  private async seen(worker: string, jobTypes: string[]): Promise<void> {
    await Promise.all([
      this.renew(worker, []),
      this.redis.hset(this.keys.typeWorkers, worker, httpWorkerEntry(jobTypes)),
    ]);
  }

  /** Once the worker has the answer: the jobs' leases become whole and their attempts count. */
  async confirm(workerIdValue: string, jobs: ClaimedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.renew(workerIdValue, jobs);
  }

  /** The answer for a claimed job. */
  handedOut(job: ClaimedJob): HandedOutJob {
    return {
      job_id: job.id,
      lease_token: job.leaseToken,
      job_type: job.jobType,
      payload: JSON.parse(job.payload) as unknown,
      attempt: job.attempt,
      max_attempts: job.maxAttempts,
      lease_expires_at: new Date(Date.now() + this.options.leaseMs).toISOString(),
      timeout_ms: job.timeoutMs > 0 ? job.timeoutMs : null,
    };
  }

  /** Renews a job's lease; ConflictError when it is not that token's any more. */
  async heartbeat(id: string, input: unknown): Promise<{ lease_expires_at: string }> {
    const { lease_token } = parseOrThrow(heartbeatRequestSchema, input, 'invalid heartbeat');
    await this.failIfTimedOut(id, lease_token);
    // Renewed in the name of the worker that claimed it, whose heartbeat this is. A lease that is
    // not this token's is refused before anything is renewed, so no heartbeat is recorded in the
    // name of a worker that is gone (or of no worker, for a job no one holds).
    const [worker, token] = await this.redis.hmget(this.keys.job(id), 'worker_id', 'lease_token');
    if (worker == null || token !== lease_token) throw await this.refusal(id);
    const lost = await this.renew(worker, [{ id, leaseToken: lease_token }]);
    if (lost.length > 0) throw await this.refusal(id);
    return { lease_expires_at: new Date(Date.now() + this.options.leaseMs).toISOString() };
  }

  async complete(id: string, input: unknown): Promise<void> {
    const { lease_token, result } = parseOrThrow(
      completeRequestSchema,
      input,
      'invalid completion',
    );
    await this.failIfTimedOut(id, lease_token);
    const recorded = await this.acks.complete({ id, leaseToken: lease_token }, result ?? null);
    this.deadlines.delete(lease_token);
    if (!recorded) throw await this.refusal(id);
  }

  async fail(id: string, input: unknown): Promise<{ status: 'scheduled' | 'failed' }> {
    const request = parseOrThrow(failRequestSchema, input, 'invalid failure');
    await this.failIfTimedOut(id, request.lease_token);
    this.deadlines.delete(request.lease_token);
    const retry = request.retry ? '' : 'never';
    const outcome = await this.acks.fail(
      { id, leaseToken: request.lease_token },
      request.error,
      retry,
    );
    if (outcome.outcome === 'lease_lost') throw await this.refusal(id);
    return { status: outcome.outcome === 'retrying' ? 'scheduled' : 'failed' };
  }

  /**
   * The jobs of a claim, each attempt's deadline remembered (on Redis's clock, from the claim's
   * own time) so that its calls need no read to check it.
   */
  private handingOut(reply: { jobs: ClaimedJob[]; redisNowMs: number }): ClaimedJob[] {
    for (const job of reply.jobs) {
      if (this.deadlines.size >= MAX_DEADLINES_KEPT)
        this.deadlines.delete(this.deadlines.keys().next().value!);
      const { timeoutMs } = job;
      this.deadlines.set(
        job.leaseToken,
        timeoutMs > 0 ? { deadline: reply.redisNowMs + timeoutMs, timeoutMs } : null,
      );
    }
    return reply.jobs;
  }

  /**
   * An attempt over HTTP past its timeout_ms (counted from its claim, `picked_at`) fails as a
   * Node worker's does, "timed out after N ms", and follows its retry policy: the heartbeat or
   * result that finds it so is refused. (A worker that goes silent instead loses its lease.)
   */
  private async failIfTimedOut(id: string, leaseToken: string): Promise<void> {
    const timeout = await this.timedOut(leaseToken, id);
    if (timeout === undefined) return;
    const timedOut = new JobTimeoutError(timeout);
    const outcome = await this.acks.fail({ id, leaseToken }, timedOut.message, '');
    if (outcome.outcome === 'lease_lost') throw await this.refusal(id);
    const then = outcome.outcome === 'retrying' ? 'it will be retried' : 'it failed for good';
    throw new ConflictError(`job ${id} ${timedOut.message}: its attempt failed and ${then}`);
  }

  /** The attempt's timeout_ms when it has run past it, else undefined. */
  private async timedOut(leaseToken: string, id: string): Promise<number | undefined> {
    const known = this.deadlines.get(leaseToken);
    if (known === null) return undefined; // handed out here, with no timeout
    if (known)
      return Date.now() + this.clockOffsetMs > known.deadline ? known.timeoutMs : undefined;
    // Claimed through another API process (or before this one started): read it, with Redis's
    // clock, which stamped picked_at.
    const [[pickedAt, timeoutMs], [seconds, micros]] = (await execPipeline(
      this.redis.pipeline().hmget(this.keys.job(id), 'picked_at', 'timeout_ms').time(),
    )) as [(string | null)[], [string, string]];
    const timeout = Number(timeoutMs);
    const ranMs = (Number(seconds) * 1e6 + Number(micros) - Number(pickedAt)) / 1000;
    return pickedAt && timeout > 0 && ranMs > timeout ? timeout : undefined;
  }

  /**
   * Why a fenced call was refused: the job does not exist, was cancelled, has ended, or another
   * attempt holds its lease.
   */
  private async refusal(id: string): Promise<Error> {
    const status = await this.redis.hget(this.keys.job(id), 'status');
    if (status === null) return new NotFoundError(`job ${id} not found`);
    if (status === 'cancelled') return new ConflictError(`job ${id} was cancelled`);
    if (status === 'completed' || status === 'failed')
      return new ConflictError(`job ${id} has ended (${status})`);
    if (status === 'queued' || status === 'scheduled') {
      return new ConflictError(
        `job ${id} is not running: this attempt ended (timed out, or its lease ran out) and the job waits for its next`,
      );
    }
    return leaseLost(id);
  }

  private async renew(
    worker: string,
    jobs: { id: string; leaseToken: string }[],
  ): Promise<string[]> {
    return runScript<string[]>(this.redis, 'extend', this.keys, [
      this.keys.prefix,
      this.options.leaseMs,
      worker,
      WORKER_STALE_MS,
      jobs.length,
      ...jobs.flatMap((job) => [job.id, job.leaseToken]),
    ]);
  }

  /**
   * Recovers expired leases, promotes due jobs and forgets completed jobs past their retention
   * every second, so jobs of HTTP workers keep moving, and leave on time, with no Node worker
   * running.
   */
  maintain(): void {
    this.timer = setInterval(() => void this.tick(), MAINTAIN_EVERY_MS);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await runScript(this.redis, 'recover', this.keys, [
        this.keys.prefix,
        RECOVER_BATCH,
        this.options.failedJobTtlSeconds,
        this.options.eventsMaxLen,
      ]);
      await this.promote();
      await this.acks.forgetExpired();
    } catch (error) {
      this.options.onError(error as Error, 'recovering leases and promoting due jobs');
    }
  }

  private async promote(): Promise<void> {
    const nextDue = await promoteDue(this.redis, this.keys);
    this.nextDueMs = nextDue < 0 ? -1 : nextDue - this.clockOffsetMs;
  }

  /** The next due time on this process's clock; -1 (nothing scheduled) stays -1. */
  private learnDueTime(reply: { nextDueMs: number; redisNowMs: number }): void {
    this.clockOffsetMs = reply.redisNowMs - Date.now();
    this.nextDueMs = reply.nextDueMs < 0 ? -1 : reply.nextDueMs - this.clockOffsetMs;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const connection of this.idle.splice(0)) connection.disconnect();
  }
}

function leaseLost(id: string): ConflictError {
  return new ConflictError(
    `the lease on job ${id} is not yours any more: another attempt holds it`,
  );
}
