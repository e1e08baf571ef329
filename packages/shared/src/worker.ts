// Worker: runs jobs of one queue, up to `concurrency` at once. Its life reads top-down:
// fetch (claim, or wait inside Redis) -> run the handler -> acknowledge (complete or fail) ->
// repeat, with lease renewal and recovery of dead workers' jobs running beside the loop.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Acknowledger } from './acknowledger';
import { ClaimPlanner } from './claim-planner';
import { JobFetcher, type ClaimedJob } from './fetcher';
import { declarationOf, type JobTypeDeclaration } from './job-types/declaration';
import { TypeRegistry } from './job-types/type-registry';
import type { JobTypeRegistry } from './job-types/registry';
import { queueKeys, WORKER_STALE_MS, type QueueKeys } from './keys';
import { upgradeLayout } from './layout';
import { JobCancelledError, JobTimeoutError, retryDirective } from './job-errors';
import { LazyAbort } from './lazy-abort';
import { LeaseKeeper } from './lease-keeper';
import type { Logger } from './logger';
import type { RedisClient } from './redis';
import { logLoopFailure, type RedisOutageLog } from './redis-outage-log';
import { issuesToDetails, safeParseReporting } from './schemas';
import { registerScripts, runScript } from './scripts';
import type { AttemptOutcome, WorkerHooks } from './worker-hooks';
import { ZodError } from 'zod';

/** Lines of ctx.log() a job's record keeps, and the length of one line at most. */
const LOG_LINES_KEPT = 100;
const MAX_LOG_LINE = 4096;
/**
 * A job claimed ahead of a free slot is given back, its attempt not counted, once it has waited
 * this long for one: the handlers it waits behind turned out long (claim-planner.ts). Behind
 * short handlers (10 ms at most) it waits for a few of them, at most WORKER_CLAIM_AHEAD (4 at
 * most) and the one running, so this is twice the longest such wait.
 */
const SLOT_WAIT_MS = 100;
/**
 * What a stopping worker spends at most, after its jobs, on telling Redis: giving back jobs
 * claimed ahead, its last lease renewal, leaving the registry. Each is a round trip or two.
 */
const STOP_CLEANUP_MS = 2000;
/** Who may hold a job whose outcome came back refused for its lease (no newer attempt, maybe). */
const LEASE_LOST_TO = '(another attempt, a cancel, or a Redis that lost the job has it now)';

export interface WorkerOptions {
  redis: RedisClient;
  queueName: string;
  jobTypes: JobTypeRegistry;
  logger: Logger;
  concurrency: number;
  /**
   * Jobs per slot claimed ahead of the free slots while handlers are short (WORKER_CLAIM_AHEAD;
   * default 2, 0: none): see claim-planner.ts.
   */
  claimAheadPerSlot?: number;
  leaseMs: number;
  backoffBaseMs: number;
  shutdownTimeoutMs: number;
  jobTtlSeconds: number;
  failedJobTtlSeconds: number;
  eventsMaxLen: number;
  workerId?: string;
  /** Longest single wait on the marker (ms). */
  blockTimeoutMs?: number;
  /** Told about claims, finished attempts, recoveries and Redis errors (for metrics). */
  hooks?: WorkerHooks;
  /**
   * What says an outage of `redis` in the log (the process's main makes it with the connection):
   * this worker's loops that fail with the outage then log at debug, not warn.
   */
  redisOutage?: RedisOutageLog;
}

interface RunningJob {
  job: ClaimedJob;
  abort: LazyAbort;
  /** Settles once the job is over here: its outcome recorded, or it never started. */
  done: Promise<void>;
  /** Set once the job waited for a slot: settles `done` the way its run does. */
  whenRun?: (run: Promise<void>) => void;
  /** While the job waits for a slot (claim-planner.ts): since when (performance.now()). */
  waitingSince?: number;
  /** The handler has returned or thrown; the outcome may still be on its way to Redis. */
  handlerReturned: boolean;
}

export class Worker {
  readonly id: string;
  private readonly keys: QueueKeys;
  private readonly log: Logger;
  private readonly fetcher: JobFetcher;
  private readonly acks: Acknowledger;
  private readonly leases: LeaseKeeper;
  /** Jobs this worker holds a lease on: waiting for a slot, running, or being recorded. */
  private readonly running = new Map<string, RunningJob>();
  /**
   * Attempts whose job this worker claimed again while their handler still ran (a retry after a
   * cancel, a recovery after an outage): the lease is the newer attempt's, so these are stopped
   * and leave as their handlers return, and no renewal, cancel or lost lease is theirs.
   */
  private readonly superseded = new Set<RunningJob>();
  /** Jobs claimed ahead of a free slot (claim-planner.ts), in the order they came. */
  private readonly waitingForSlot: RunningJob[] = [];
  /** Slots busy or promised to claims in flight, and what the fetch loop does next. */
  private readonly planner: ClaimPlanner;
  /** Resolves the fetch loop's wait: a slot freed, a claim answered, or the stop. */
  private waitingLoop: (() => void) | undefined;
  /** Claims sent and not yet answered. */
  private readonly claimsInFlight = new Set<Promise<void>>();
  /** "No jobs in queue" was logged, and no job has come since: said once per idle spell. */
  private announcedIdle = false;
  private stopping = false;
  /** Set by runUntilIdle: the fetch loop ends once nothing is ready and nothing runs. */
  private untilIdle = false;
  private loop: Promise<void> | undefined;
  /** Hears cancel.lua name the running jobs it cancelled (pub/sub). */
  private cancels: RedisClient | undefined;
  private readonly hooks: WorkerHooks;
  private readonly typeRegistry: TypeRegistry;
  /** What this worker declares in the registry: the types it runs. */
  private declarations: JobTypeDeclaration[] = [];
  private typeHeartbeat: NodeJS.Timeout | undefined;
  /** Looks for jobs that waited SLOT_WAIT_MS for a slot. */
  private slotWaits: NodeJS.Timeout | undefined;
  /** Whether the queue's keys are known to be in this release's layout (layout.ts). */
  private layoutUpgraded = false;

  constructor(private readonly options: WorkerOptions) {
    this.id = options.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.hooks = options.hooks ?? {};
    this.keys = queueKeys(options.queueName);
    this.planner = new ClaimPlanner(options.concurrency, options.claimAheadPerSlot);
    this.typeRegistry = new TypeRegistry(options.redis, this.keys);
    this.log = options.logger.child({ worker_id: this.id });
    registerScripts(options.redis);
    this.fetcher = new JobFetcher(options.redis, this.keys, {
      workerId: this.id,
      leaseMs: options.leaseMs,
      eventsMaxLen: options.eventsMaxLen,
      blockTimeoutMs: options.blockTimeoutMs ?? 5000,
      // A type this process refuses (shell, switched off) is not one it runs.
      jobTypes: [...options.jobTypes.values()]
        .filter((type) => !type.refusedBecause)
        .map((type) => type.name),
    });
    this.acks = new Acknowledger(options.redis, this.keys, {
      backoffBaseMs: options.backoffBaseMs,
      jobTtlSeconds: options.jobTtlSeconds,
      failedJobTtlSeconds: options.failedJobTtlSeconds,
      eventsMaxLen: options.eventsMaxLen,
      onRedisError: (error, what) => {
        this.hooks.redisError?.(error, `recording ${what}`);
        this.redisTrouble(error, `Redis unavailable while recording ${what}; retrying`);
      },
    });
    this.leases = new LeaseKeeper(options.redis, this.keys, {
      workerId: this.id,
      leaseMs: options.leaseMs,
      failedJobTtlSeconds: options.failedJobTtlSeconds,
      eventsMaxLen: options.eventsMaxLen,
      runningJobs: () => [...this.running.values()].map((entry) => entry.job),
      onLeaseLost: (attempts) => this.leaseLost(attempts),
      forgetExpired: () => this.acks.forgetExpired(),
      onRecovered: (requeued, failed) => {
        this.hooks.jobsRecovered?.(requeued, failed);
        this.log.warn(
          { requeued, failed },
          `Recovered ${requeued} job(s) from lost workers; ${failed} out of attempts`,
        );
      },
      onError: (error) => {
        this.hooks.redisError?.(error, 'renewing leases or recovering jobs');
        this.redisTrouble(error, 'Lease renewal or recovery failed; will try again');
      },
    });
  }

  async start(): Promise<void> {
    // A bad declaration (a schema that is not JSON Schema, a bad name) stops the start here,
    // closing the connection the fetcher opened, so a caller that catches this can exit.
    try {
      this.declarations = [...this.options.jobTypes.values()]
        .filter((type) => !type.refusedBecause)
        .map(declarationOf);
    } catch (error) {
      await this.fetcher.close();
      throw error;
    }
    await this.declareJobTypes();
    await this.upgradeLayout();
    this.typeHeartbeat = setInterval(() => void this.refreshJobTypes(), WORKER_STALE_MS / 3);
    this.typeHeartbeat.unref();
    this.slotWaits = setInterval(() => void this.giveBackLongWaits(), SLOT_WAIT_MS / 4);
    this.slotWaits.unref();
    await this.leases.start();
    await this.listenForCancels();
    this.log.info(
      { queue: this.options.queueName, concurrency: this.options.concurrency },
      `Starting worker ${this.id} on queue ${this.options.queueName} (concurrency ${this.options.concurrency})`,
    );
    this.loop = this.fetchLoop();
  }

  /**
   * Runs what is ready now (including scheduled jobs already due), then stops: resolves once
   * nothing is ready and none of its jobs is running. Jobs due later (delays, retry backoffs)
   * stay scheduled for a later run or a long-lived worker.
   */
  async runUntilIdle(): Promise<void> {
    this.untilIdle = true;
    await this.start();
    await this.loop;
    await this.stop();
  }

  /**
   * Stops claiming, lets running jobs finish, then stops: within shutdownTimeoutMs (or
   * STOP_CLEANUP_MS, if longer), and STOP_CLEANUP_MS more for saying goodbye to Redis, whether or
   * not Redis answers (a frozen Redis, a cluster without a master for the queue's slot). What it
   * could not say is said by lease expiry and recovery, as for a worker that died.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.loop;
    this.stopping = true;
    const startedAt = performance.now();
    const deadline = startedAt + this.options.shutdownTimeoutMs;
    this.wakeFetchLoop();
    await this.fetcher.close();
    // The answers of claims in flight start their jobs here, unless Redis does not answer: they
    // get STOP_CLEANUP_MS at least, so a short shutdown timeout still takes what was claimed.
    const claimsBy = Math.max(deadline, startedAt + STOP_CLEANUP_MS);
    if (this.loop) await withinMs(this.loop, claimsBy - performance.now());
    const unfinished = await this.waitForRunningJobs(Math.max(0, deadline - performance.now()));
    clearInterval(this.slotWaits);
    const cleanupBy = performance.now() + STOP_CLEANUP_MS;
    const cleanup = (step: Promise<unknown>) => withinMs(step, cleanupBy - performance.now());
    if (unfinished > 0) {
      // Jobs still waiting for a slot never started: back in line at once, uncounted.
      await cleanup(this.giveBack([...this.waitingForSlot], 'the worker is stopping'));
      const left = this.running.size + this.superseded.size;
      if (left > 0)
        this.log.warn(
          { unfinished: left },
          `Shutdown timeout: ${left} job(s) left to lease expiry and recovery`,
        );
      for (const entry of this.attemptsHere()) entry.abort.abort(new Error('worker shutting down'));
    }
    await cleanup(this.leases.stop());
    this.cancels?.disconnect();
    clearInterval(this.typeHeartbeat);
    await cleanup(this.options.redis.zrem(this.keys.workers, this.id));
    await cleanup(this.typeRegistry.leave(this.id));
    this.log.info(`Worker ${this.id} stopped`);
  }

  /** Jobs that have waited SLOT_WAIT_MS for a slot go back in line for other workers. */
  private async giveBackLongWaits(): Promise<void> {
    const since = performance.now() - SLOT_WAIT_MS;
    const overdue = this.waitingForSlot.filter((entry) => entry.waitingSince! <= since);
    if (overdue.length > 0) await this.giveBack(overdue, `no slot freed within ${SLOT_WAIT_MS} ms`);
  }

  /**
   * Puts jobs claimed ahead, and still waiting for a slot, back in line with their attempt not
   * counted (release.lua); they never run here. Should Redis not answer, their leases run out
   * and recovery puts them back, as lost attempts.
   */
  private async giveBack(entries: RunningJob[], why: string): Promise<void> {
    if (entries.length === 0) return;
    for (const entry of entries) this.dropWaiting(entry);
    const args: (string | number)[] = [this.keys.prefix, this.options.eventsMaxLen, entries.length];
    for (const { job } of entries) args.push(job.id, job.leaseToken);
    try {
      const released = await runScript<number>(this.options.redis, 'release', this.keys, args);
      this.log.info({ jobs: released }, `Gave back ${released} job(s) claimed ahead: ${why}`);
    } catch (error) {
      this.hooks.redisError?.(error as Error, 'giving back jobs');
      this.log.warn(
        { err: (error as Error).message, jobs: entries.length },
        `Could not give back ${entries.length} job(s) claimed ahead (${why}); their leases will run out`,
      );
    }
  }

  /** Takes a job that waits for a slot out of this worker: it never runs here. */
  private dropWaiting(entry: RunningJob): void {
    const at = this.waitingForSlot.indexOf(entry);
    if (at < 0) return;
    this.waitingForSlot.splice(at, 1);
    entry.waitingSince = undefined;
    this.planner.queuedJobDropped();
    this.forget(entry);
    entry.whenRun!(Promise.resolve());
    this.wakeFetchLoop();
  }

  /**
   * Aborts a job's handler. One still waiting for a slot leaves at once instead, its handler
   * never run (cancelled, or its lease lost). Returns whether a handler was aborted.
   */
  private abortJob(entry: RunningJob, reason: Error): boolean {
    entry.abort.abort(reason);
    if (entry.waitingSince === undefined) return true;
    const { job } = entry;
    this.dropWaiting(entry);
    this.hooks.jobClaimed?.(job);
    const cancelled = reason instanceof JobCancelledError;
    this.hooks.attemptEnded?.(job, cancelled ? 'cancelled' : 'stopped', 0);
    if (cancelled) this.log.info({ job_id: job.id }, `Job ${job.id} cancelled before it started`);
    else this.log.warn({ job_id: job.id }, `Job ${job.id} not started: ${reason.message}`);
    return false;
  }

  get activeJobs(): number {
    return this.running.size + this.superseded.size;
  }

  /** Every attempt still here, superseded ones included. */
  private *attemptsHere(): Iterable<RunningJob> {
    yield* this.running.values();
    yield* this.superseded;
  }

  /** An attempt has left this worker. */
  private forget(entry: RunningJob): void {
    if (this.running.get(entry.job.id) === entry) this.running.delete(entry.job.id);
    else this.superseded.delete(entry);
  }

  /**
   * The job of `older` was claimed here again: Redis gave its lease to the new attempt, so the
   * old one is stopped as for a lost lease, and no longer stands for the job here.
   */
  private supersede(older: RunningJob): void {
    this.running.delete(older.job.id);
    if (older.handlerReturned) {
      this.superseded.add(older);
      return;
    }
    // One stopped already (cancelled, say) has said so: it is only set apart.
    const stoppedBefore = older.abort.aborted;
    if (this.abortJob(older, new Error('lease lost'))) {
      this.superseded.add(older);
      if (stoppedBefore) return;
      this.log.warn(
        { job_id: older.job.id },
        `Lost the lease on job ${older.job.id}; it was claimed again and runs anew`,
      );
    }
  }

  /** Writes this worker's declarations; the newest declaration of a name wins, said in the log. */
  private async declareJobTypes(): Promise<void> {
    try {
      const changes = await this.typeRegistry.declare(this.declarations, this.id);
      for (const { job_type, from, to } of changes) {
        if (from === null) continue;
        this.log.warn(
          { job_type, from, to },
          `Job type ${job_type} declared anew (version ${from} -> ${to}); this declaration now checks submissions, queued jobs keep the payload they were accepted with`,
        );
      }
      await this.typeRegistry.heartbeat(this.id, this.declarations);
    } catch (error) {
      // Redis is away: the heartbeat writes the declarations once it is back.
      this.redisTrouble(error, 'Could not declare job types yet; will retry');
    }
  }

  /**
   * A job cancelled while it runs here has its handler's signal aborted at once. (Should a
   * message be missed, the next lease renewal finds the lease gone and aborts it then.)
   */
  private async listenForCancels(): Promise<void> {
    const connection = this.options.redis.duplicate();
    connection.on('error', () => undefined); // it reconnects and subscribes again by itself
    // "<id> <lease token>" (cancel.lua); an id alone from an older release.
    connection.on('message', (_channel: string, message: string) => {
      const [id, token] = message.split(' ');
      const entry = this.running.get(id!);
      // A newer attempt of the job, claimed here again since, is not the one cancelled.
      if (!entry || (token !== undefined && entry.job.leaseToken !== token)) return;
      this.abortJob(entry, new JobCancelledError());
    });
    this.cancels = connection;
    await connection.subscribe(this.keys.cancels).catch((error: Error) => {
      this.redisTrouble(error, 'Could not listen for cancels yet; lease renewals will tell');
    });
  }

  /** Before its first claim, so a backlog an earlier release queued is in the lanes it reads. */
  private async upgradeLayout(): Promise<void> {
    if (this.layoutUpgraded) return;
    try {
      await upgradeLayout(this.options.redis, this.keys);
      this.layoutUpgraded = true;
    } catch (error) {
      // Redis is away: the type heartbeat tries again.
      this.redisTrouble(error, 'Could not check the key layout yet');
    }
  }

  private async refreshJobTypes(): Promise<void> {
    await this.upgradeLayout();
    try {
      await this.typeRegistry.heartbeat(this.id, this.declarations);
    } catch (error) {
      this.hooks.redisError?.(error as Error, 'refreshing job types');
    }
  }

  private async fetchLoop(): Promise<void> {
    while (!this.stopping) {
      const step = this.planner.next(this.running.size);
      if (step.action === 'claim') {
        this.sendClaim(step.jobs);
      } else if (step.action === 'wait') {
        await this.nextChange();
      } else if (step.action === 'report') {
        this.hooks.redisError?.(step.error, 'fetching jobs');
        this.redisTrouble(step.error, 'Could not fetch jobs; retrying in 1 s');
        await sleep(1000);
      } else if (await this.whenQueueLooksEmpty(step.jobs)) {
        return;
      }
    }
    // Jobs leased by claims still in flight start when their answers come, before the stop goes on.
    await Promise.allSettled(this.claimsInFlight);
  }

  /**
   * The queue looked empty: wait on it inside Redis for up to `wanted` jobs and start what comes.
   * Resolves true when a runUntilIdle worker has nothing left to do.
   */
  private async whenQueueLooksEmpty(wanted: number): Promise<boolean> {
    if (this.fetcher.suspectsPassed > 0 && this.running.size > 0) {
      // Suspects wait in line and this worker runs one already: claim again when a job here
      // ends. Waiting on the queue instead would pass the same wake-up round in circles.
      await this.nextChange();
      return false;
    }
    if (this.untilIdle) {
      if (this.fetcher.hasDueJobs()) return false; // the next claim promotes them first
      if (this.running.size === 0) return true;
      // A finishing job frees a slot; claim again then, in case more work arrived.
      await this.nextChange();
      return false;
    }
    if (!this.announcedIdle && this.running.size === 0) {
      this.log.info('No jobs in queue, waiting...');
      this.announcedIdle = true;
    }
    let woken: ClaimedJob[];
    try {
      woken = await this.fetcher.waitAndClaim(wanted, this.runsSuspect());
    } catch (error) {
      if (!this.stopping) this.planner.waitAnswered(wanted, error as Error);
      return false;
    }
    if (this.fetcher.staleClaimsDropped > 0) {
      this.log.warn(
        { jobs: this.fetcher.staleClaimsDropped },
        'Dropped job(s) claimed while this worker was frozen; they go back in line, their attempt not counted',
      );
    }
    this.planner.waitAnswered(wanted, woken.length);
    // Marked started before their handlers run, so a job that kills its worker at once still
    // counts the attempt (see recover.lua); the whole lease follows on the next turn, as
    // building that call would delay the handlers.
    for (const job of woken) this.markStarted(job);
    this.startJobs(woken);
    if (woken.length > 0) {
      setImmediate(() => void this.leases.confirm(woken));
      // Woken from idle, the jobs in hand start before the next claim goes out: a command sent
      // to an idle Redis costs a wake-up the pick need not wait for.
      await Promise.resolve();
    }
    return false;
  }

  /**
   * Sends a claim without waiting for it: several can be in flight, so Redis has the next one to
   * run while this process starts the jobs of the last. Its slots are held until its answer has
   * come and its jobs have started, in the same callback, so no slot is counted twice.
   */
  private sendClaim(wanted: number): void {
    const ticket = this.planner.claimSent(wanted, this.runsSuspect());
    const answered = (got: number | Error) => {
      this.planner.claimAnswered(ticket, got);
      this.claimsInFlight.delete(claim);
      // The loop's turn is queued before the jobs about to start: its next claim goes out first.
      this.wakeFetchLoop();
    };
    const claim: Promise<void> = this.fetcher
      .claim(wanted, !ticket.maySuspect, ticket.startsAtOnce)
      .then(
        (jobs) => {
          answered(jobs.length);
          this.startJobs(jobs);
        },
        (error: unknown) => {
          // A claim cut short by the stop is no failure to report.
          answered(this.stopping ? 0 : (error as Error));
        },
      );
    this.claimsInFlight.add(claim);
  }

  /** Tells Redis a job claimed behind the wait has started here (claim.lua `unconfirmed`). */
  private markStarted(job: ClaimedJob): void {
    this.options.redis.hdel(this.keys.job(job.id), 'unconfirmed').catch((error: Error) => {
      // The lease renewal that follows marks it too.
      this.log.warn({ err: error.message, job_id: job.id }, 'Could not mark a job started');
    });
  }

  private startJobs(jobs: ClaimedJob[]): void {
    if (jobs.length > 0) this.announcedIdle = false;
    for (const job of jobs) {
      const entry: RunningJob = {
        job,
        abort: new LazyAbort(),
        done: Promise.resolve(),
        handlerReturned: false,
      };
      const older = this.running.get(job.id);
      if (older) this.supersede(older);
      this.running.set(job.id, entry);
      if (this.planner.hasFreeSlot()) {
        this.startJob(entry);
      } else {
        entry.done = new Promise<void>((settle) => (entry.whenRun = settle));
        entry.waitingSince = performance.now();
        this.planner.jobQueued();
        this.waitingForSlot.push(entry);
      }
    }
  }

  private nextChange(): Promise<void> {
    return new Promise<void>((resolve) => (this.waitingLoop = resolve));
  }

  /** Whether this worker runs a suspect job: it may claim no other (see claim.lua). */
  private runsSuspect(): boolean {
    for (const entry of this.running.values()) if (entry.job.suspect) return true;
    return false;
  }

  private startJob(entry: RunningJob): void {
    const queued = entry.waitingSince !== undefined;
    entry.waitingSince = undefined;
    // A job claimed ahead counts its attempt once Redis hears it started (recover.lua).
    if (entry.job.ahead) this.acks.confirm(entry.job);
    this.planner.handlerStarted(queued);
    const startedAt = performance.now();
    const release = () => {
      if (entry.handlerReturned) return;
      entry.handlerReturned = true;
      this.planner.handlerReturned(performance.now() - startedAt);
      // The slot goes to the job that waited longest for one, if any.
      const next = this.waitingForSlot.shift();
      if (next) this.startJob(next);
      this.wakeFetchLoop();
    };
    const run = this.runThenLeave(entry, release);
    if (queued) entry.whenRun!(run);
    else entry.done = run;
  }

  private async runThenLeave(entry: RunningJob, release: () => void): Promise<void> {
    const { job, abort } = entry;
    // The job runs on a microtask: after the fetch loop has sent its next claim, so Redis works
    // on that claim while this process runs these jobs.
    await undefined;
    try {
      await this.runJob(job, abort, release);
    } finally {
      release();
      this.forget(entry);
      this.wakeFetchLoop();
    }
  }

  /** A failed round trip of one of this worker's loops: news, unless it is the outage said. */
  private redisTrouble(error: unknown, message: string): void {
    logLoopFailure(this.log, this.options.redisOutage, error, message);
  }

  private wakeFetchLoop(): void {
    const wake = this.waitingLoop;
    this.waitingLoop = undefined;
    wake?.();
  }

  /** `release` frees the job's slot: called once its handler has returned or thrown. */
  private async runJob(job: ClaimedJob, abort: LazyAbort, release: () => void): Promise<void> {
    const startedAt = performance.now();
    // The handler starts first, its bookkeeping after: the log lines are written at the end of
    // this turn either way (log-output.ts), so they read the same, and the job does not wait
    // for them (bench/README.md).
    const running = timeLimited(this.execute(job, abort), job.timeoutMs, abort);
    const log = this.log.child({ job_id: job.id, attempt: job.attempt });
    this.hooks.jobClaimed?.(job);
    log.info(`Picked job ${job.id}`);
    log.info(`Processing job ${job.id}: ${job.payload}`);
    const ended = (outcome: AttemptOutcome) =>
      this.hooks.attemptEnded?.(job, outcome, performance.now() - startedAt);
    let result: unknown;
    try {
      result = await running;
    } catch (error) {
      release();
      if (abort.reason instanceof JobCancelledError) {
        ended('cancelled');
        log.info(`Job ${job.id} cancelled while running; its handler stopped`);
        return;
      }
      // Past its timeout: a failed attempt, retried as any other; the handler may run on, but
      // its slot is free and its result is never sent.
      if (abort.reason instanceof JobTimeoutError) {
        await this.recordFailure(job, abort.reason.message, '', log, ended);
        return;
      }
      // Stopped by this worker (shutdown timeout, lost lease), not failed by the job: no failed
      // attempt is recorded; the lease expires and recovery hands the job to another worker.
      if (abort.aborted) {
        ended('stopped');
        log.warn(`Job ${job.id} stopped before finishing: ${describeError(abort.reason)}`);
        return;
      }
      await this.recordFailure(job, describeError(error), retryDirective(error), log, ended);
      return;
    }
    release();
    if (abort.reason instanceof JobCancelledError) {
      ended('cancelled');
      log.info(`Job ${job.id} cancelled while running; its result is dropped`);
      return;
    }
    try {
      const recorded = await this.acks.complete(job, result);
      ended(recorded ? 'completed' : 'lease_lost');
      if (recorded) log.info(`Job ${job.id} completed successfully`);
      else
        log.warn(
          `Job ${job.id} finished but its lease was lost; its result is dropped ${LEASE_LOST_TO}`,
        );
    } catch (error) {
      log.error({ err: (error as Error).message }, `Could not record completion of job ${job.id}`);
    }
  }

  private async execute(job: ClaimedJob, abort: LazyAbort): Promise<unknown> {
    const type = this.options.jobTypes.get(job.jobType);
    if (!type) throw new Error(`no handler registered for job type "${job.jobType}"`);
    // A payload the schema refuses (it changed since the job was accepted) is reported with the
    // input in each issue, so a wrong value is not said to be missing (issuesToDetails).
    const parsed = safeParseReporting(type.payloadSchema, JSON.parse(job.payload));
    if (!parsed.success) throw parsed.error;
    const payload = parsed.data;
    return type.run(payload, {
      jobId: job.id,
      attempt: job.attempt,
      maxAttempts: job.maxAttempts,
      get signal() {
        return abort.signal;
      },
      progress: (value) => this.report(job, 'progress', JSON.stringify(value ?? null)),
      log: (text) => this.report(job, 'log', String(text).slice(0, MAX_LOG_LINE)),
    });
  }

  /** Keeps a handler's progress or log line with its job, under the job's current lease. */
  private async report(job: ClaimedJob, kind: 'progress' | 'log', value: string): Promise<boolean> {
    const recorded = await runScript<number>(this.options.redis, 'report', this.keys, [
      this.keys.prefix,
      job.id,
      job.leaseToken,
      kind,
      value,
      this.options.eventsMaxLen,
      LOG_LINES_KEPT,
    ]);
    return recorded === 1;
  }

  private async recordFailure(
    job: ClaimedJob,
    message: string,
    retry: string,
    log: Logger,
    ended: (outcome: AttemptOutcome) => void,
  ): Promise<void> {
    log.warn({ error: message }, `Job ${job.id} failed: ${message}`);
    try {
      const outcome = await this.acks.fail(job, message, retry);
      ended(outcome.outcome);
      if (outcome.outcome === 'retrying') {
        log.info(
          { delay_ms: outcome.delayMs },
          `Retrying job ${job.id} after ${formatSeconds(outcome.delayMs)} seconds (attempt ${outcome.attempt})`,
        );
      } else if (outcome.outcome === 'failed') {
        const why =
          retry === 'never' && outcome.attempt < outcome.maxAttempts
            ? ' (not retried: its handler said retrying cannot help)'
            : '';
        const attempts = `${outcome.attempt} attempt${outcome.attempt === 1 ? '' : 's'}`;
        log.error(`Job ${job.id} permanently failed after ${attempts}${why}`);
      } else {
        log.warn(
          `Job ${job.id} failed but its lease was lost; its failure is dropped ${LEASE_LOST_TO}`,
        );
      }
    } catch (error) {
      log.error({ err: (error as Error).message }, `Could not record failure of job ${job.id}`);
    }
  }

  private leaseLost(attempts: ClaimedJob[]): void {
    for (const job of attempts) {
      const entry = this.running.get(job.id);
      // The job may have been claimed here again since the renewal went out: the lost lease is
      // the older attempt's, set apart already, not the newer one's.
      if (entry?.job !== job) continue;
      // A renewal can cross the completion of a job whose handler already returned: Redis has
      // finished it, not taken it away. If the lease really was lost, recording says so.
      if (entry.handlerReturned) continue;
      if (this.abortJob(entry, new Error('lease lost')))
        this.log.warn(
          { job_id: job.id },
          `Lost the lease on job ${job.id}; it may run elsewhere now`,
        );
    }
  }

  /** Resolves with how many jobs were still running when the timeout passed. */
  private async waitForRunningJobs(timeoutMs: number): Promise<number> {
    if (this.activeJobs === 0) return 0;
    const allDone = Promise.allSettled([...this.attemptsHere()].map((entry) => entry.done));
    return (await withinMs(allDone, timeoutMs)) ? 0 : this.activeJobs;
  }
}

/** Waits for `step` at most `ms` (a step that fails is over too); whether it ended in time. */
async function withinMs(step: Promise<unknown>, ms: number): Promise<boolean> {
  const ended = step.then(
    () => true,
    () => true,
  );
  return Promise.race([ended, sleep(Math.max(0, ms), false, { ref: false })]);
}

function describeError(error: unknown): string {
  if (error instanceof ZodError) {
    const details = issuesToDetails(error.issues, ['payload']);
    return `invalid payload: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`;
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(3).replace(/0+$/, '');
}

/** The handler's outcome, or a JobTimeoutError (its signal aborted) once timeoutMs have passed. */
function timeLimited<T>(running: Promise<T>, timeoutMs: number, abort: LazyAbort): Promise<T> {
  if (timeoutMs <= 0) return running;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const timedOut = new JobTimeoutError(timeoutMs);
      abort.abort(timedOut);
      reject(timedOut);
    }, timeoutMs);
    running.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
