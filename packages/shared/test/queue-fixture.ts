// A queue of a test's own on the run's Redis: a unique queue name, a JobQueue, Workers built with
// small leases and backoffs, and cleanup that stops every worker and deletes the queue's keys.

import pino from 'pino';
import { z } from 'zod';
import { testRedisUrl, uniqueQueueName } from '../../../test/support/redis-url';
import {
  createRedis,
  JobQueue,
  Worker,
  type JobType,
  type JobTypeRegistry,
  type RedisClient,
  type WorkerOptions,
} from '../src';

export const silentLogger = pino({ level: 'silent' });

export interface QueueFixture {
  redis: RedisClient;
  queue: JobQueue;
  queueName: string;
  startWorker(overrides?: Partial<WorkerOptions>): Promise<Worker>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  jobTypes: JobTypeRegistry;
  redisUrl?: string;
  maxAttempts?: number;
}

export function createFixture(options: FixtureOptions): QueueFixture {
  const redis = createRedis({ redisUrl: options.redisUrl ?? testRedisUrl() });
  const queueName = uniqueQueueName();
  const common = {
    queueName,
    jobTypes: options.jobTypes,
    jobTtlSeconds: 3600,
    failedJobTtlSeconds: 3600,
    eventsMaxLen: 100_000,
  };
  const queue = new JobQueue({
    redis,
    maxAttempts: options.maxAttempts ?? 3,
    idempotencyTtlSeconds: 3600,
    ...common,
  });
  const workers: Worker[] = [];
  return {
    redis,
    queue,
    queueName,
    async startWorker(overrides = {}) {
      const worker = new Worker({
        redis,
        logger: silentLogger,
        concurrency: 1,
        leaseMs: 2000,
        backoffBaseMs: 20,
        shutdownTimeoutMs: 2000,
        ...common,
        ...overrides,
      });
      workers.push(worker);
      await worker.start();
      return worker;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.stop()));
      const keys = await redis.keys(`jq:{${queueName}}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** A job type whose handler the test supplies; payload `{n: number, fail?: boolean}`. */
export function testJobType(
  run: (payload: TestPayload, attempt: number, jobId: string) => Promise<unknown>,
): JobTypeRegistry {
  const type: JobType<TestPayload> = {
    name: 'test',
    description: 'a job for tests',
    payloadSchema: testPayload,
    run: (payload, context) => run(payload, context.attempt, context.jobId),
  };
  return new Map([[type.name, type as JobType]]);
}

const testPayload = z.strictObject({ n: z.number().int() });
export type TestPayload = z.infer<typeof testPayload>;

/** Resolves when `check` returns true, polling every 10 ms; rejects after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
