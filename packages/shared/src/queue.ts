// JobQueue: the client every service uses to submit, read, list, cancel and retry jobs. Each
// state change is one script call; reads are plain commands. It knows nothing about HTTP.

import { stringify as stringifyUuid, v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { JobList, STATUS_INDEX, type JobPage } from './job-list';
import { readEventPage, readEventsAfter, readLatestEvents, type QueueEvent } from './events';
import { productTypeTaken, type JobTypeRegistry } from './job-types/registry';
import { queueKeys, WORKER_STALE_MS, type QueueKeys } from './keys';
import { priorityNumber } from './priority';
import { decodeJobRecord, JOB_STATUSES, type JobRecord, type JobStatus } from './record';
import { execPipeline, type RedisClient } from './redis';
import { unavailableWhenRedisIsAway } from './redis-errors';
import { registerScripts, runScript } from './scripts';
import { SubmitBatcher } from './submit-batcher';
import type { PauseChange, PausedState, QueueStats, SubmitResult } from './wire';
import { JobTypeCatalog } from './job-types/catalog';
import {
  listGroups,
  listGroupsSchema,
  setGroup,
  type GroupPage,
  type GroupSettingsInForce,
} from './groups';
import {
  checkDeclaration,
  limitsSchema,
  type JobTypeDeclaration,
  type JobTypeLimits,
} from './job-types/declaration';
import { RemoteWorkers, type RemoteWorkersOptions } from './remote-workers';
import { HTTP_DECLARER, TypeRegistry, type ListedJobType } from './job-types/type-registry';
import {
  MAX_BULK_JOBS,
  parseJobId,
  parseOrThrow,
  parseSubmission,
  listJobsSchema,
  type NewJob,
} from './schemas';

export type { JobPage } from './job-list';

export interface JobQueueOptions {
  redis: RedisClient;
  queueName: string;
  jobTypes: JobTypeRegistry;
  /** Attempts for a job that does not say. */
  maxAttempts: number;
  jobTtlSeconds: number;
  failedJobTtlSeconds: number;
  idempotencyTtlSeconds: number;
  eventsMaxLen: number;
}

export type { PauseChange, PausedState, QueueStats, SubmitResult } from './wire';

/** One entry of GET /job-types: as registered, or a built-in type no worker has declared yet. */
export type JobTypeListing = ListedJobType | (JobTypeDeclaration & { workers: number });

export class JobQueue {
  readonly keys: QueueKeys;
  readonly name: string;
  readonly redis: RedisClient;
  /** The job types this process knows built in (the product's own, or a test's). */
  readonly jobTypes: JobTypeRegistry;
  /** The job-type registry in Redis that workers declare their types in. */
  readonly typeRegistry: TypeRegistry;
  /** What submissions are checked against: the registry, with the built-in types. */
  private readonly catalog: JobTypeCatalog;
  private readonly jobList: JobList;
  private readonly submissions: SubmitBatcher<NewJob, SubmitResult>;

  constructor(private readonly options: JobQueueOptions) {
    this.name = options.queueName;
    this.keys = queueKeys(options.queueName);
    this.redis = options.redis;
    this.jobTypes = options.jobTypes;
    this.typeRegistry = new TypeRegistry(options.redis, this.keys);
    this.catalog = new JobTypeCatalog(options.jobTypes, this.typeRegistry);
    this.jobList = new JobList(options.redis, this.keys);
    registerScripts(options.redis);
    this.submissions = new SubmitBatcher({
      maxJobs: MAX_BULK_JOBS,
      store: (jobs) => this.store(jobs),
    });
  }

  /**
   * Checks one submission without submitting it, against the job types as last read from the
   * registry (refreshJobTypes); throws ValidationError.
   */
  parse(input: unknown, pathPrefix: string[] = []): NewJob {
    return parseSubmission(
      input,
      this.catalog,
      { maxAttempts: this.options.maxAttempts },
      pathPrefix,
    );
  }

  /** parse() against the registry as it is now (read again for a type not seen yet). */
  async parseChecked(input: unknown): Promise<NewJob> {
    await this.prepareTypes([input]);
    return this.parse(input);
  }

  /** Reads the job-type registry again, so parse() knows every type declared until now. */
  async refreshJobTypes(): Promise<void> {
    await unavailableWhenRedisIsAway('read job types', () => this.catalog.refresh());
  }

  /** Every job type a submission may use: registered ones with their live workers, built-ins. */
  async listJobTypes(): Promise<JobTypeListing[]> {
    const listed = await unavailableWhenRedisIsAway('read job types', () => this.typesListed());
    // The limits in force, which run-time changes may have set apart from the declaration.
    const limits = await this.limitsInForce();
    return listed
      .map((type) => ({ ...type, limits: limits[type.job_type] ?? {} }))
      .sort((a, b) => a.job_type.localeCompare(b.job_type));
  }

  /** The types listJobTypes lists, without their limits: built-ins, then the registry's. */
  private async typesListed(): Promise<JobTypeListing[]> {
    const listed = new Map<string, JobTypeListing>(
      this.catalog
        .builtInDeclarations()
        .map((declaration) => [declaration.job_type, { ...declaration, workers: 0 }]),
    );
    for (const type of await this.typeRegistry.list()) {
      if (!this.catalog.lookup(type.job_type)?.refusedBecause) listed.set(type.job_type, type);
    }
    return [...listed.values()];
  }

  /**
   * Of these job types, those workers may not claim: neither declared nor built in, or switched
   * off here. One registry read covers them all.
   */
  async refusedJobTypes(names: string[]): Promise<string[]> {
    await this.catalog.prepare(names);
    return names.filter((name) => {
      const type = this.catalog.lookup(name);
      return !type || Boolean(type.refusedBecause);
    });
  }

  /**
   * Declares a job type for a worker that is not a Node process (over HTTP): checked as a Node
   * worker's declaration is, then written to the registry. Resolves with the type as listed.
   */
  async declareJobType(name: string, input: unknown): Promise<JobTypeListing> {
    const body = input && typeof input === 'object' && !Array.isArray(input) ? input : {};
    if ('job_type' in body && (body as { job_type: unknown }).job_type !== name) {
      throw new ValidationError('invalid job type declaration: job_type differs from the path', [
        { path: 'job_type', message: `must be "${name}" (the name in the path) or left out` },
      ]);
    }
    const declaration = checkDeclaration({ ...body, job_type: name });
    const taken = productTypeTaken(name, this.jobTypes);
    if (taken) throw new ConflictError(taken);
    // A running Node worker's type would change under it: its handler would meet payloads its
    // own schema refuses, and its declared limits would go.
    const runner = await unavailableWhenRedisIsAway('read job types', () =>
      this.typeRegistry.runningDeclaredType(declaration),
    );
    if (runner) {
      throw new ConflictError(
        `job type "${name}" is declared otherwise by a Node worker, and worker ${runner} runs it: stop its workers before declaring the type over HTTP`,
      );
    }
    await unavailableWhenRedisIsAway('declare a job type', () =>
      this.typeRegistry.declare([declaration], HTTP_DECLARER),
    );
    await this.refreshJobTypes();
    const listed = (await this.listJobTypes()).find((type) => type.job_type === name);
    return listed!;
  }

  /** Claims, renewals and outcomes for workers over HTTP, with this queue's retention settings. */
  remoteWorkers(
    settings: Pick<RemoteWorkersOptions, 'leaseMs' | 'backoffBaseMs' | 'onError'>,
  ): RemoteWorkers {
    return new RemoteWorkers(this.redis, this.keys, {
      ...settings,
      eventsMaxLen: this.options.eventsMaxLen,
      jobTtlSeconds: this.options.jobTtlSeconds,
      failedJobTtlSeconds: this.options.failedJobTtlSeconds,
      refusedTypes: (names) => this.refusedJobTypes(names),
    });
  }

  async submit(input: unknown): Promise<SubmitResult> {
    await this.prepareTypes([input]);
    const [result] = await this.submissions.submit([this.parse(input)]);
    return result!;
  }

  /** A schedule's tick: its job, under the tick's own idempotency key (SCHEDULE_KEY_PREFIX). */
  async submitTick(input: unknown, idempotencyKey: string): Promise<SubmitResult> {
    await this.prepareTypes([input]);
    const [result] = await this.submissions.submit([{ ...this.parse(input), idempotencyKey }]);
    return result!;
  }

  /** Makes the registry read fresh enough to check these submissions' types. */
  private prepareTypes(inputs: unknown[]): Promise<void> {
    const names = new Set<string>();
    for (const input of inputs) {
      const name = (input as { job_type?: unknown } | null)?.job_type;
      if (typeof name === 'string') names.add(name);
    }
    return unavailableWhenRedisIsAway('read job types', () => this.catalog.prepare(names));
  }

  /** All or nothing: every job is checked first, then all are added in one atomic script. */
  async submitMany(inputs: unknown[]): Promise<SubmitResult[]> {
    if (inputs.length === 0 || inputs.length > MAX_BULK_JOBS) {
      const size = inputs.length === 0 ? 'at least one job' : `at most ${MAX_BULK_JOBS} jobs`;
      throw new ValidationError(`invalid bulk: jobs must hold ${size}`, [
        { path: 'jobs', message: `must hold ${size}` },
      ]);
    }
    await this.prepareTypes(inputs);
    const parsed: NewJob[] = [];
    const problems: ValidationError[] = [];
    inputs.forEach((input, i) => {
      try {
        parsed.push(this.parse(input, ['jobs', String(i)]));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        problems.push(error);
      }
    });
    if (problems.length > 0) {
      throw new ValidationError(
        `${problems.length} of ${inputs.length} jobs are invalid; none were submitted. First: ${problems[0]!.message}`,
        problems.flatMap((problem) => problem.details),
      );
    }
    return this.submissions.submit(parsed);
  }

  /** One submit script call for `jobs`, atomic: all are stored or none. */
  private async store(jobs: NewJob[]): Promise<SubmitResult[]> {
    const args: (string | Buffer | number)[] = [
      this.keys.prefix,
      this.options.eventsMaxLen,
      this.options.idempotencyTtlSeconds,
      // The index of every job covers the completed jobs' retention: most jobs complete and are
      // gone after it, so a longer window would mostly hold ids of records that expired. Failed
      // jobs, kept longer, stay listed under ?status=failed.
      this.options.jobTtlSeconds * 1000,
      jobs.length,
    ];
    // Each id is drawn straight into the bytes the created index keeps, then written out as
    // text: no parsing of the text back into bytes (bench/README.md).
    const idBytes = Buffer.allocUnsafe(16 * jobs.length);
    const ids = jobs.map((_, i) => stringifyUuid(uuidv7(undefined, idBytes, 16 * i), 16 * i));
    args.push(idBytes);
    jobs.forEach((job, i) => {
      args.push(
        ids[i]!,
        job.jobType,
        String(job.priority),
        priorityNumber(job.priority),
        JSON.stringify(job.payload),
        job.maxAttempts,
        job.delayMs,
        job.runAtMs,
        job.idempotencyKey ?? '',
        job.timeoutMs,
        job.backoff ? JSON.stringify(job.backoff) : '',
        job.group ?? '',
      );
    });
    const reply = await unavailableWhenRedisIsAway('submit', () =>
      runScript<(string | number)[]>(this.redis, 'submit', this.keys, args),
    );
    const results: SubmitResult[] = [];
    for (let i = 0; i < reply.length; i += 3) {
      results.push({
        job_id: String(reply[i]),
        status: reply[i + 1] as JobStatus,
        created: Number(reply[i + 2]) === 1,
      });
    }
    return results;
  }

  async get(id: string): Promise<JobRecord | null> {
    const jobId = parseJobId(id);
    const hash = await unavailableWhenRedisIsAway('get job', () =>
      this.redis.hgetall(this.keys.job(jobId)),
    );
    return decodeJobRecord(jobId, hash);
  }

  async getOrThrow(id: string): Promise<JobRecord> {
    const record = await this.get(id);
    if (!record) throw new NotFoundError(`job ${id} not found`);
    return record;
  }

  /** One page of jobs, newest first, with a cursor for the next (see job-list.ts). */
  async list(query: unknown): Promise<JobPage> {
    const listing = parseOrThrow(listJobsSchema, query, 'invalid query');
    if (!listing.status || listing.status === 'failed' || listing.status === 'cancelled') {
      await unavailableWhenRedisIsAway('list jobs', () => this.forgetExpired());
    }
    return this.jobList.page(listing);
  }

  async stats(): Promise<QueueStats> {
    const pipeline = this.redis.pipeline();
    for (const status of JOB_STATUSES) {
      // The completed index holds several ids an entry; its count is kept beside it.
      if (status === 'completed') pipeline.get(this.keys.completedCount);
      else pipeline.zcard(this.keys[STATUS_INDEX[status]]);
    }
    pipeline.hgetall(this.keys.totals);
    pipeline.zcount(this.keys.workers, Date.now() - WORKER_STALE_MS, '+inf');
    pipeline.hkeys(this.keys.paused);
    // Sent before the pipeline on the same connection, so the counts are read after it ran.
    const [, values] = await unavailableWhenRedisIsAway('stats', () =>
      Promise.all([this.forgetExpired(), execPipeline(pipeline)]),
    );
    const counts = Object.fromEntries(
      JOB_STATUSES.map((status, i) => [status, Number(values[i])]),
    ) as Record<JobStatus, number>;
    const totals = (values[JOB_STATUSES.length] ?? {}) as Record<string, string>;
    return {
      queue: this.name,
      counts,
      totals: {
        submitted: Number(totals.submitted ?? 0),
        completed: Number(totals.completed ?? 0),
        failed: Number(totals.failed ?? 0),
        retried: Number(totals.retried ?? 0),
        recovered: Number(totals.recovered ?? 0),
      },
      workers: Number(values[JOB_STATUSES.length + 1] ?? 0),
      paused: pausedOf((values[JOB_STATUSES.length + 2] ?? []) as string[]),
    };
  }

  /** PUT /groups/:name: a group's weight and max_concurrency (groups.ts). */
  async setGroup(name: unknown, input: unknown): Promise<GroupSettingsInForce> {
    return unavailableWhenRedisIsAway('set a group', () =>
      setGroup(this.redis, this.keys, name, input),
    );
  }

  /** GET /groups: what each group has queued, running and completed, a page at a time. */
  async groups(query: unknown): Promise<GroupPage> {
    // Checked first: a bad query is a 400 whether or not Redis answers.
    const page = parseOrThrow(listGroupsSchema, query, 'invalid query');
    return unavailableWhenRedisIsAway('list groups', async () => {
      const types = (await this.typesListed()).map((type) => type.job_type);
      return listGroups(this.redis, this.keys, types, page);
    });
  }

  /**
   * Pauses the whole queue (no `jobType`) or one job type: workers claim none of its jobs until
   * it is resumed; queued jobs keep their place, running ones finish. NotFound for an unknown type.
   */
  async pause(jobType?: string): Promise<PauseChange> {
    if (jobType !== undefined) await this.requireKnownType(jobType);
    // A pause already in place keeps the time it began. The state is read in the same
    // transaction, so the answer is what this call left, whatever other calls do meanwhile.
    const [added, fields] = await unavailableWhenRedisIsAway('pause', () =>
      execPipeline(
        this.redis
          .multi()
          .hsetnx(this.keys.paused, jobType ?? '*', String(Date.now()))
          .hkeys(this.keys.paused),
      ),
    );
    return { ...pausedOf(fields as string[]), changed: added === 1 };
  }

  /** Resumes what pause() paused, and wakes the workers of the types it frees. */
  async resume(jobType?: string): Promise<PauseChange> {
    if (jobType !== undefined) await this.requireKnownType(jobType);
    await this.refreshJobTypes();
    const freed = jobType !== undefined ? [jobType] : this.catalog.knownNames();
    const transaction = this.redis.multi().hdel(this.keys.paused, jobType ?? '*');
    // One worker of each type wakes and claims; it passes the wake-up on while work is left.
    for (const name of freed) transaction.zadd(this.keys.typeMarker(name), 0, '0');
    transaction.hkeys(this.keys.paused);
    const replies = await unavailableWhenRedisIsAway('resume', () => execPipeline(transaction));
    return { ...pausedOf(replies.at(-1) as string[]), changed: replies[0] === 1 };
  }

  /**
   * Changes a type's limits at run time: `max_concurrency` or `rate_limit` set one (null removes
   * it), over what its declaration says, until `reset: true` goes back to the declaration. The
   * change outlives later declarations, and a concurrency limit counts the jobs already running
   * (set_limits.lua). Resolves with the limits in force.
   */
  async setLimits(jobType: string, input: unknown): Promise<JobTypeLimits> {
    const { reset, ...fields } = parseOrThrow(limitsChangeSchema, input, 'invalid limits');
    await this.requireKnownType(jobType);
    await unavailableWhenRedisIsAway('change limits', () =>
      runScript(this.redis, 'set_limits', this.keys, [
        this.keys.prefix,
        jobType,
        'override',
        reset ? '' : JSON.stringify(fields),
      ]),
    );
    return (await this.limitsInForce())[jobType] ?? {};
  }

  /** One type's limits in force; NotFound for a type no one declared. */
  async limitsOf(jobType: string): Promise<JobTypeLimits> {
    await this.requireKnownType(jobType);
    return (await this.limitsInForce())[jobType] ?? {};
  }

  /** Each type's limits in force: its declaration's, with run-time changes over them. */
  async limitsInForce(): Promise<Record<string, JobTypeLimits>> {
    const stored = await unavailableWhenRedisIsAway('read limits', () =>
      this.redis.hgetall(this.keys.limits),
    );
    const inForce: Record<string, JobTypeLimits> = {};
    for (const field of Object.keys(stored)) {
      const type = field.replace(/:override$/, '');
      if (inForce[type]) continue;
      const declared = JSON.parse(stored[type] ?? '{}') as Record<string, unknown>;
      const override = JSON.parse(stored[`${type}:override`] ?? '{}') as Record<string, unknown>;
      const merged = { ...declared, ...override };
      inForce[type] = Object.fromEntries(
        Object.entries(merged).filter(([, value]) => value !== null),
      ) as JobTypeLimits;
    }
    return inForce;
  }

  private async requireKnownType(name: string): Promise<void> {
    await this.prepareTypes([{ job_type: name }]);
    if (!this.catalog.lookup(name)) throw new NotFoundError(`job type "${name}" is not known`);
  }

  /**
   * Drops index entries whose records expired (forget.lua). Never inside a pipeline: a pipeline
   * the Cluster client retries after CLUSTERDOWN resends its scripts by SHA without the fallback
   * that loads them, which fails with NOSCRIPT right after a master restarted.
   */
  private forgetExpired(): Promise<unknown> {
    return runScript(this.redis, 'forget', this.keys, [
      this.options.failedJobTtlSeconds,
      this.options.jobTtlSeconds,
    ]);
  }

  /**
   * Cancels a job that has not finished; a running one's handler is told to stop (its worker
   * aborts its signal) and its result is refused. ConflictError when it has finished.
   */
  async cancel(id: string): Promise<JobRecord> {
    const jobId = parseJobId(id);
    const [outcome, status] = await unavailableWhenRedisIsAway('cancel', () =>
      runScript<[string, string]>(this.redis, 'cancel', this.keys, [
        this.keys.prefix,
        jobId,
        this.options.jobTtlSeconds,
        this.options.eventsMaxLen,
      ]),
    );
    if (outcome === 'not_found') throw new NotFoundError(`job ${jobId} not found`);
    if (outcome === 'conflict')
      throw new ConflictError(
        `job ${jobId} is ${status}; only a job that has not finished can be cancelled`,
      );
    return this.getOrThrow(jobId);
  }

  /**
   * Puts a failed or cancelled job back in line with fresh attempts. A job of a type this
   * process would refuse at submission (switched off, or unknown to it) is refused here too.
   */
  async retry(id: string): Promise<JobRecord> {
    const jobId = parseJobId(id);
    const jobType = await unavailableWhenRedisIsAway('retry', () =>
      this.redis.hget(this.keys.job(jobId), 'job_type'),
    );
    if (jobType === null) throw new NotFoundError(`job ${jobId} not found`);
    await this.prepareTypes([{ job_type: jobType }]);
    const known = this.catalog.lookup(jobType);
    const refusal = known ? known.refusedBecause : `"${jobType}" is not a known job type here`;
    if (refusal) {
      throw new ValidationError(`job ${jobId} cannot be retried: job_type ${refusal}`, [
        { path: 'job_type', message: refusal },
      ]);
    }
    const [outcome, status] = await unavailableWhenRedisIsAway('retry', () =>
      runScript<[string, string]>(this.redis, 'retry', this.keys, [
        this.keys.prefix,
        jobId,
        this.options.eventsMaxLen,
      ]),
    );
    if (outcome === 'not_found') throw new NotFoundError(`job ${jobId} not found`);
    if (outcome === 'conflict')
      throw new ConflictError(
        `job ${jobId} is ${status}; only failed or cancelled jobs can be retried`,
      );
    return this.getOrThrow(jobId);
  }

  /** Events after `afterId`, or the newest `count` when no id is given. */
  async events(afterId: string | null, count = 100): Promise<QueueEvent[]> {
    return unavailableWhenRedisIsAway('read events', () =>
      afterId
        ? readEventsAfter(this.redis, this.keys.events, afterId, count)
        : readLatestEvents(this.redis, this.keys.events, count),
    );
  }

  /** Events after `afterId` from at most `count` stream entries; see readEventPage. */
  async eventPage(
    afterId: string,
    count: number,
    maxEvents?: number,
  ): Promise<{ events: QueueEvent[]; reachedEnd: boolean }> {
    return unavailableWhenRedisIsAway('read events', () =>
      readEventPage(this.redis, this.keys.events, afterId, count, maxEvents),
    );
  }

  /**
   * Whether the queue's Redis answers. A read of one of its keys, not PING: in a Redis Cluster it
   * goes to the master that holds the queue's slot, where PING goes to any node.
   */
  async ping(): Promise<void> {
    await unavailableWhenRedisIsAway('ping', () => this.redis.exists(this.keys.totals));
  }
}

function pausedOf(fields: string[]): PausedState {
  return { queue: fields.includes('*'), job_types: fields.filter((f) => f !== '*').sort() };
}

/** PATCH /job-types/:name: a limit to set, null to remove one, or reset to the declaration. */
const limitsChangeSchema = z
  .strictObject({
    max_concurrency: limitsSchema.shape.max_concurrency.unwrap().nullable().optional(),
    rate_limit: limitsSchema.shape.rate_limit.unwrap().nullable().optional(),
    reset: z
      .literal(true, { error: 'must be true (back to the declaration), or left out' })
      .optional(),
  })
  .refine((change) => !change.reset || Object.keys(change).length === 1, {
    path: ['reset'],
    error: 'goes back to the declaration: send it alone, then the limits to set',
  });
