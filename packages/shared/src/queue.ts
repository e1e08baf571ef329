// JobQueue: the client every service uses to submit, read, list, cancel and retry jobs. Each
// state change is one script call; reads are plain commands. It knows nothing about HTTP.

import { stringify as stringifyUuid, v7 as uuidv7 } from 'uuid';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { idsFromIndexEntry } from './job-id';
import { readEventPage, readEventsAfter, readLatestEvents, type QueueEvent } from './events';
import type { JobTypeRegistry } from './job-types/registry';
import { queueKeys, STREAM_INDEXES, WORKER_STALE_MS, type QueueKeys } from './keys';
import { priorityNumber } from './priority';
import { decodeJobRecord, JOB_STATUSES, type JobRecord, type JobStatus } from './record';
import type { RedisClient } from './redis';
import { whileRedisAnswers } from './redis-errors';
import { registerScripts, runScript } from './scripts';
import { SubmitBatcher } from './submit-batcher';
import {
  MAX_BULK_JOBS,
  parseJobId,
  parseOrThrow,
  parseSubmission,
  listJobsSchema,
  type NewJob,
} from './schemas';

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

export interface SubmitResult {
  job_id: string;
  status: JobStatus;
  /** false when an idempotency key matched an earlier job, whose id this is. */
  created: boolean;
}

export interface JobPage {
  jobs: JobRecord[];
  next_cursor: string | null;
}

export interface QueueStats {
  queue: string;
  counts: Record<JobStatus, number>;
  totals: {
    submitted: number;
    completed: number;
    failed: number;
    retried: number;
    recovered: number;
  };
  workers: number;
}

type IndexName =
  'queued' | 'scheduled' | 'active' | 'completed' | 'failed' | 'cancelled' | 'created';

/** Index entries one listing reads at most, whatever its filter matches. */
const LIST_SCAN_BUDGET = 1000;
/** Index entries (and records) one round trip of a listing reads. */
const LIST_READ = 200;
/** Stream index entries one read takes: each holds one id or up to a bulk's thousand. */
const STREAM_ENTRIES_PER_READ = 8;

const STATUS_INDEX: Record<JobStatus, IndexName> = {
  queued: 'queued',
  scheduled: 'scheduled',
  processing: 'active',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

export class JobQueue {
  readonly keys: QueueKeys;
  readonly name: string;
  readonly redis: RedisClient;
  readonly jobTypes: JobTypeRegistry;
  private readonly submissions: SubmitBatcher<NewJob, SubmitResult>;

  constructor(private readonly options: JobQueueOptions) {
    this.name = options.queueName;
    this.keys = queueKeys(options.queueName);
    this.redis = options.redis;
    this.jobTypes = options.jobTypes;
    registerScripts(options.redis);
    this.submissions = new SubmitBatcher({
      maxJobs: MAX_BULK_JOBS,
      store: (jobs) => this.store(jobs),
    });
  }

  /** Checks one submission without submitting it; throws ValidationError. */
  parse(input: unknown, pathPrefix: string[] = []): NewJob {
    return parseSubmission(
      input,
      this.jobTypes,
      { maxAttempts: this.options.maxAttempts },
      pathPrefix,
    );
  }

  async submit(input: unknown): Promise<SubmitResult> {
    const [result] = await this.submissions.submit([this.parse(input)]);
    return result!;
  }

  /** All or nothing: every job is checked first, then all are added in one atomic script. */
  async submitMany(inputs: unknown[]): Promise<SubmitResult[]> {
    if (inputs.length === 0)
      throw new ValidationError('jobs: must hold at least one job', [
        { path: 'jobs', message: 'must not be empty' },
      ]);
    if (inputs.length > MAX_BULK_JOBS) {
      throw new ValidationError(`jobs: at most ${MAX_BULK_JOBS} jobs per request`, [
        { path: 'jobs', message: `must hold at most ${MAX_BULK_JOBS} jobs` },
      ]);
    }
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
    const k = this.keys;
    const o = this.options;
    const args: (string | Buffer | number)[] = [
      k.prefix,
      o.eventsMaxLen,
      o.idempotencyTtlSeconds,
      // The index of every job covers the completed jobs' retention: most jobs complete and are
      // gone after it, so a longer window would mostly hold ids of records that expired. Failed
      // jobs, kept longer, stay listed under ?status=failed.
      o.jobTtlSeconds * 1000,
      jobs.length,
    ];
    // Each id is drawn straight into the bytes the created index keeps, then written out as
    // text: no parsing of the text back into bytes (a thirtieth of a millisecond at idle here).
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
      );
    });
    const reply = await whileRedisAnswers('submit', () =>
      runScript<(string | number)[]>(
        this.redis,
        'submit',
        [k.queued, k.scheduled, k.marker, k.events, k.totals, k.seq, k.created],
        args,
      ),
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
    const hash = await whileRedisAnswers('get job', () => this.redis.hgetall(this.keys.job(jobId)));
    return decodeJobRecord(jobId, hash);
  }

  async getOrThrow(id: string): Promise<JobRecord> {
    const record = await this.get(id);
    if (!record) throw new NotFoundError(`job ${id} not found`);
    return record;
  }

  /**
   * Newest first (for `queued`: last in line first), with an opaque cursor for the next page.
   * One call reads at most LIST_SCAN_BUDGET index entries, in reads of at most LIST_READ, so a
   * filter that matches little answers a short (even empty) page with a cursor to go on from,
   * instead of holding Redis and this process for a long scan. A `job_type` filter reads two
   * fields of each record, and whole records only for the jobs that match.
   */
  async list(query: unknown): Promise<JobPage> {
    const q = parseOrThrow(listJobsSchema, query, 'invalid query');
    const index = q.status ? STATUS_INDEX[q.status] : 'created';
    let cursor = q.cursor ? decodeCursor(q.cursor, isStreamIndex(index)) : null;
    if (index === 'failed' || index === 'cancelled' || index === 'created') {
      const pipeline = this.redis.pipeline();
      this.forgetExpired(pipeline);
      await whileRedisAnswers('list jobs', () => execPipeline(pipeline));
    }
    const jobs: JobRecord[] = [];
    let budget = LIST_SCAN_BUDGET;
    while (jobs.length < q.limit && budget > 0) {
      const batch = await this.readIndex(
        index,
        cursor,
        Math.min(q.limit - jobs.length, LIST_READ, budget),
      );
      if (batch.length === 0) return { jobs, next_cursor: null };
      budget -= batch.length;
      const ids = batch.map(([id]) => id);
      const wanted = q.job_type ? await this.idsOfType(ids, q.job_type, q.status) : undefined;
      const records = await this.fetchRecords(wanted ? ids.filter((id) => wanted.has(id)) : ids);
      const byId = new Map(records.filter((r) => r !== null).map((r) => [r.job_id, r]));
      for (const place of batch) {
        cursor = place;
        const record = byId.get(place[0]);
        if (record && (!q.status || record.status === q.status)) jobs.push(record);
        if (jobs.length === q.limit) break;
      }
    }
    return { jobs, next_cursor: cursor ? encodeCursor(cursor) : null };
  }

  /** Which of `ids` are jobs of `jobType` (and `status`, when given), reading two fields each. */
  private async idsOfType(
    ids: string[],
    jobType: string,
    status: JobStatus | undefined,
  ): Promise<Set<string>> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.keys.job(id), 'job_type', 'status');
    const replies = (await whileRedisAnswers('list jobs', () => execPipeline(pipeline))) as (
      string | null
    )[][];
    return new Set(
      ids.filter((_, i) => replies[i]![0] === jobType && (!status || replies[i]![1] === status)),
    );
  }

  /** Index entries strictly after `cursor` in newest-first order: [job id, place in the index]. */
  private async readIndex(
    index: IndexName,
    cursor: Cursor | null,
    count: number,
  ): Promise<Cursor[]> {
    if (isStreamIndex(index)) return this.readStreamIndex(this.keys[index], cursor, count);
    return this.readSortedIndex(this.keys[index], cursor as [string, number] | null, count);
  }

  /**
   * A stream index: each entry holds the ids one script call added (a bulk adds a thousand),
   * oldest first. A job's place is `<entry id>/<position in the entry>`. At most `count` ids come
   * back, fewer only when the index ends; entries are read a few at a time until they are had.
   */
  private async readStreamIndex(
    key: string,
    cursor: Cursor | null,
    count: number,
  ): Promise<Cursor[]> {
    const read = (start: string, end: string, reverse: boolean) =>
      whileRedisAnswers('list jobs', async () => {
        const entries = reverse
          ? await this.redis.xrevrangeBuffer(key, end, start, 'COUNT', STREAM_ENTRIES_PER_READ)
          : await this.redis.xrangeBuffer(key, start, end);
        return entries as unknown as [Buffer, Buffer[]][];
      });
    const placed = ([entryId, fields]: [Buffer, Buffer[]]): Cursor[] =>
      idsFromIndexEntry(fields[1]!)
        .map((id, position): Cursor => [id, `${entryId.toString()}/${position}`])
        .reverse();
    const out: Cursor[] = [];
    let end = '+';
    if (cursor) {
      const [entryId, position] = String(cursor[1]).split('/') as [string, string | undefined];
      // First the rest of the entry the last page stopped in.
      if (Number(position ?? 0) > 0) {
        for (const entry of await read(entryId, entryId, false)) {
          out.push(...placed(entry).filter(([, place]) => placeIndex(place) < Number(position)));
        }
      }
      end = `(${entryId}`;
    }
    while (out.length < count) {
      const entries = await read('-', end, true);
      for (const entry of entries) out.push(...placed(entry));
      if (entries.length < STREAM_ENTRIES_PER_READ) break;
      end = `(${entries.at(-1)![0].toString()}`;
    }
    return out.slice(0, count);
  }

  /** A sorted set index: the score is the place; equal scores come in reverse member order. */
  private async readSortedIndex(
    index: string,
    cursor: [string, number] | null,
    count: number,
  ): Promise<Cursor[]> {
    const max = cursor ? String(cursor[1]) : '+inf';
    const out: [string, number][] = [];
    for (let offset = 0; out.length < count; offset += count) {
      const flat = await whileRedisAnswers('list jobs', () =>
        this.redis.zrange(
          index,
          max,
          '-inf',
          'BYSCORE',
          'REV',
          'LIMIT',
          offset,
          count,
          'WITHSCORES',
        ),
      );
      if (flat.length === 0) break;
      for (let i = 0; i < flat.length; i += 2) {
        const entry: [string, number] = [flat[i]!, Number(flat[i + 1])];
        // Equal scores come in reverse member order: skip what the last page already returned.
        if (cursor && entry[1] === cursor[1] && entry[0] >= cursor[0]) continue;
        out.push(entry);
      }
      if (flat.length < count * 2) break;
    }
    return out.slice(0, count);
  }

  private async fetchRecords(ids: string[]): Promise<(JobRecord | null)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.job(id));
    const replies = await whileRedisAnswers('list jobs', () => execPipeline(pipeline));
    return replies.map((hash, i) => decodeJobRecord(ids[i]!, hash as Record<string, string>));
  }

  async stats(): Promise<QueueStats> {
    const k = this.keys;
    const pipeline = this.redis.pipeline();
    this.forgetExpired(pipeline);
    for (const status of JOB_STATUSES) {
      // The completed index holds several ids an entry; its count is kept beside it.
      if (status === 'completed') pipeline.get(k.completedCount);
      else pipeline.zcard(k[STATUS_INDEX[status]]);
    }
    pipeline.hgetall(k.totals);
    pipeline.zcount(k.workers, Date.now() - WORKER_STALE_MS, '+inf');
    const values = (await whileRedisAnswers('stats', () => execPipeline(pipeline))).slice(1);
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
    };
  }

  /** Queues on `pipeline` the dropping of index entries whose records expired (forget.lua). */
  private forgetExpired(pipeline: ReturnType<RedisClient['pipeline']>): void {
    const k = this.keys;
    void runScript(
      pipeline,
      'forget',
      [k.failed, k.cancelled, k.created],
      [this.options.failedJobTtlSeconds, this.options.jobTtlSeconds],
    );
  }

  /** Cancels a queued or scheduled job; ConflictError when it is running or finished. */
  async cancel(id: string): Promise<JobRecord> {
    const jobId = parseJobId(id);
    const k = this.keys;
    const [outcome, status] = await whileRedisAnswers('cancel', () =>
      runScript<[string, string]>(
        this.redis,
        'cancel',
        [k.queued, k.scheduled, k.cancelled, k.events],
        [k.prefix, jobId, this.options.jobTtlSeconds, this.options.eventsMaxLen],
      ),
    );
    if (outcome === 'not_found') throw new NotFoundError(`job ${jobId} not found`);
    if (outcome === 'conflict')
      throw new ConflictError(
        `job ${jobId} is ${status}; only queued or scheduled jobs can be cancelled`,
      );
    return this.getOrThrow(jobId);
  }

  /**
   * Puts a failed or cancelled job back in line with fresh attempts. A job of a type this
   * process would refuse at submission (switched off, or unknown to it) is refused here too.
   */
  async retry(id: string): Promise<JobRecord> {
    const jobId = parseJobId(id);
    const k = this.keys;
    const jobType = await whileRedisAnswers('retry', () =>
      this.redis.hget(k.job(jobId), 'job_type'),
    );
    if (jobType === null) throw new NotFoundError(`job ${jobId} not found`);
    const refusal = this.jobTypes.has(jobType)
      ? this.jobTypes.get(jobType)!.refusedBecause
      : `"${jobType}" is not a known job type here`;
    if (refusal) {
      throw new ValidationError(`job ${jobId} cannot be retried: job_type ${refusal}`, [
        { path: 'job_type', message: refusal },
      ]);
    }
    const [outcome, status] = await whileRedisAnswers('retry', () =>
      runScript<[string, string]>(
        this.redis,
        'retry',
        [k.queued, k.failed, k.cancelled, k.marker, k.events, k.totals, k.seq],
        [k.prefix, jobId, this.options.eventsMaxLen],
      ),
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
    return whileRedisAnswers('read events', () =>
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
    return whileRedisAnswers('read events', () =>
      readEventPage(this.redis, this.keys.events, afterId, count, maxEvents),
    );
  }

  async ping(): Promise<void> {
    await whileRedisAnswers('ping', () => this.redis.ping());
  }
}

/** A pipeline's replies; a command that failed (Redis went away mid-way) fails the whole call. */
async function execPipeline(pipeline: ReturnType<RedisClient['pipeline']>): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

/** Where a listing stopped: the last job id and its place (a score, or a stream entry id). */
type Cursor = [string, number | string];

/** The position within its index entry of a job placed `<entry id>/<position>`. */
function placeIndex(place: string | number): number {
  return Number(String(place).split('/')[1] ?? 0);
}

/** A place in a stream index: an entry id, and a position in it after a '/' (0 when left out). */
const STREAM_PLACE = /^\d+-\d+(\/\d+)?$/;

/** A stream place whose numbers all fit exactly, as in every cursor this API hands out. */
function isStreamPlace(place: string): boolean {
  return (
    STREAM_PLACE.test(place) && place.split(/[-/]/).every((n) => Number.isSafeInteger(Number(n)))
  );
}

function isStreamIndex(index: IndexName): index is (typeof STREAM_INDEXES)[number] {
  return (STREAM_INDEXES as readonly string[]).includes(index);
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(cursor: string, inStream: boolean): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const place = Array.isArray(value) ? (value[1] as unknown) : undefined;
    const placeFits = inStream
      ? typeof place === 'string' && isStreamPlace(place)
      : typeof place === 'number' && Number.isFinite(place);
    if (
      Array.isArray(value) &&
      typeof value[0] === 'string' &&
      value[0].length <= 64 &&
      placeFits
    ) {
      return [value[0], place as number | string];
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('invalid query: cursor is not one this API returned', [
    { path: 'cursor', message: 'is not a valid cursor' },
  ]);
}
