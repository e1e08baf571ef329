// This queue, driven through its own client (JobQueue) and read through its events stream.

import { join } from 'node:path';
import Redis from 'ioredis';
import {
  createJobTypes,
  entryJobs,
  JobQueue,
  loadConfig,
  queueKeys,
  type QueueKeys,
  queueSettings,
  storePriorityAging,
  type StreamEntry,
} from '@jobqueue/shared';
import { ATTEMPTS, benchJobTypes, NOOP_TYPE, priorityOf, README_BODY } from '../jobs';
import type { QueueSystem } from './system';

const BATCH = 1000;

export class OurQueue implements QueueSystem {
  readonly label = 'jobqueue';
  readonly workerScript = join(__dirname, '..', 'workers', 'ours-worker.js');
  private readonly redis: Redis;
  private readonly queue: JobQueue;
  private readonly keys: QueueKeys;
  private reader: Redis | undefined;
  private closed = false;

  /**
   * `env` adds configuration (JOB_TTL_SECONDS, ...) as the services would read it; `jobType` is
   * what the jobs are (the no-op, or the product's send_email for the deployed worker service).
   */
  constructor(
    redisUrl: string,
    queueName: string,
    env: Record<string, string> = {},
    private readonly jobType: string = NOOP_TYPE,
    /** Jobs of submitMixed spread over this many groups in turn (0: no group). */
    private readonly groups = 0,
  ) {
    const config = loadConfig({ ...env, REDIS_URL: redisUrl, QUEUE_NAME: queueName });
    this.redis = new Redis(redisUrl);
    this.keys = queueKeys(queueName);
    this.queue = new JobQueue({
      ...queueSettings(config),
      redis: this.redis,
      jobTypes: new Map([
        ...benchJobTypes(),
        ...createJobTypes({ mockEmail: { delayMs: 0, failureRate: 0 }, allowShellJobs: false }),
      ]),
    });
  }

  async submitMixed(n: number): Promise<void> {
    for (let start = 0; start < n; start += BATCH) {
      const jobs = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) {
        const group = this.groups > 0 ? `g${i % this.groups}` : undefined;
        jobs.push({ ...job(priorityOf(i), this.jobType), ...(group ? { group } : {}) });
      }
      await this.queue.submitMany(jobs);
    }
  }

  /** Submits these jobs (at most 1,000) of mixed priority, numbered from `first`. */
  async submitBatch(first: number, count: number): Promise<void> {
    const jobs = [];
    for (let i = first; i < first + count; i++) jobs.push(job(priorityOf(i), this.jobType));
    await this.queue.submitMany(jobs);
  }

  /** Submits `count` jobs of one priority in `group` ('' none), in batches; their ids, in order. */
  async submitToGroup(group: string, count: number, priority = 5): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < count; start += BATCH) {
      const jobs = Array.from({ length: Math.min(BATCH, count - start) }, () => ({
        ...job(priority, this.jobType),
        ...(group ? { group } : {}),
      }));
      ids.push(...(await this.queue.submitMany(jobs)).map((result) => result.job_id));
    }
    return ids;
  }

  /** PRIORITY_AGING_MS for this queue, as the API stores it at start. */
  async setPriorityAging(ms: number): Promise<void> {
    await storePriorityAging(this.redis, this.keys, ms);
  }

  async completed(): Promise<number> {
    return Number((await this.redis.hget(this.keys.totals, 'completed')) ?? 0);
  }

  async submitOne(priority: number): Promise<string> {
    return (await this.queue.submit(job(priority, this.jobType))).job_id;
  }

  async watch(onPicked: (id: string) => void, onCompleted: (id: string) => void): Promise<void> {
    const reader = new Redis(this.redis.options);
    this.reader = reader;
    const newest = await reader.xrevrange(this.keys.events, '+', '-', 'COUNT', 1);
    let lastId = newest[0]?.[0] ?? '0-0';
    void (async () => {
      while (!this.closed) {
        const reply = await reader
          .xread('COUNT', 1000, 'BLOCK', 0, 'STREAMS', this.keys.events, lastId)
          .catch(() => null);
        for (const [, entries] of (reply ?? []) as [string, StreamEntry[]][]) {
          for (const entry of entries) {
            lastId = entry[0];
            // Only the jobs, not the events' messages and times: the watcher times the pick.
            const { type, jobIds } = entryJobs(entry);
            if (type === 'picked') jobIds.forEach(onPicked);
            else if (type === 'completed') jobIds.forEach(onCompleted);
          }
        }
      }
    })();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reader?.disconnect();
    this.redis.disconnect();
  }
}

function job(priority: number, jobType: string) {
  return { job_type: jobType, priority, payload: README_BODY.payload, max_attempts: ATTEMPTS };
}
