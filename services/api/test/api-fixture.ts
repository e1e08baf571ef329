// The API of a test's own: createApp on a real HTTP server (port 0) over a JobQueue with a unique
// queue name on the run's Redis, a JSON-speaking fetch helper, email workers on the same queue,
// and cleanup that closes everything and deletes the queue's keys.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import {
  createJobTypes,
  createRedis,
  JobQueue,
  Worker,
  type JobRecord,
  type JobType,
  type JobTypeOptions,
  type WorkerOptions,
  type RedisClient,
} from '@jobqueue/shared';
import { testRedisUrl, uniqueQueueName } from '../../../test/support/redis-url';
import { createApp, type App, type AppOptions } from '../src/app';

export const silentLogger = pino({ level: 'silent' });

// Replies are checked field by field in each test, so their bodies stay loosely typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Reply<T = Json> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiFixture {
  url: string;
  queue: JobQueue;
  queueName: string;
  redis: RedisClient;
  app: App;
  /** fetch against the API; the reply body parsed as JSON when it is JSON. */
  call<T = Json>(method: string, path: string, init?: CallInit): Promise<Reply<T>>;
  /** POST with a JSON body. */
  post<T = Json>(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  get<T = Json>(path: string, headers?: Record<string, string>): Promise<Reply<T>>;
  /** Submits one send_email job and returns its id. */
  submitEmail(extra?: Record<string, unknown>): Promise<string>;
  /** Waits until the job's record satisfies `check`. */
  waitForJob(
    id: string,
    check: (record: JobRecord) => boolean,
    timeoutMs?: number,
  ): Promise<JobRecord>;
  /** A Worker running the mock send_email handler on this queue. */
  startEmailWorker(
    mock: JobTypeOptions['mockEmail'],
    overrides?: Partial<WorkerOptions>,
  ): Promise<Worker>;
  close(): Promise<void>;
}

export interface CallInit {
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

export interface FixtureOptions {
  app?: Partial<AppOptions>;
  redisUrl?: string;
  maxAttempts?: number;
  /** Job types the API accepts besides send_email. */
  extraJobTypes?: JobType[];
  /** Another API process's queue: default, a queue of its own. */
  queueName?: string;
  /** How long completed and cancelled jobs are kept: default an hour. */
  jobTtlSeconds?: number;
}

export const validEmail = {
  job_type: 'send_email',
  payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
};

export async function startApi(options: FixtureOptions = {}): Promise<ApiFixture> {
  // As services/api/src/main.ts does: fail at once while Redis is away instead of queueing.
  const redis = createRedis({
    redisUrl: options.redisUrl ?? testRedisUrl(),
    queueWhileOffline: false,
    commandTimeoutMs: 4000,
  });
  redis.on('error', () => {}); // reconnects by itself; tests look at the replies
  if (redis.status !== 'ready') await once(redis, 'ready');
  const queueName = options.queueName ?? uniqueQueueName('api');
  const jobTypes = new Map(createJobTypes({ mockEmail: { delayMs: 0, failureRate: 0 } }));
  for (const type of options.extraJobTypes ?? []) jobTypes.set(type.name, type);
  const retention = {
    jobTtlSeconds: options.jobTtlSeconds ?? 3600,
    failedJobTtlSeconds: 3600,
    eventsMaxLen: 100_000,
  };
  const queue = new JobQueue({
    redis,
    queueName,
    jobTypes,
    maxAttempts: options.maxAttempts ?? 3,
    idempotencyTtlSeconds: 3600,
    ...retention,
  });
  const app = createApp(queue, { logger: silentLogger, ...options.app });
  const server: Server = app.koa.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const workers: Worker[] = [];
  const workerRedis: RedisClient[] = [];

  const call = async <T>(method: string, path: string, init: CallInit = {}): Promise<Reply<T>> => {
    const response = await fetch(url + path, {
      method,
      headers: init.headers,
      body: init.body,
      signal: init.signal ?? AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    const isJson = (response.headers.get('content-type') ?? '').includes('json');
    return {
      status: response.status,
      headers: response.headers,
      body: (isJson ? JSON.parse(text) : text) as T,
    };
  };
  const post = <T>(path: string, body: unknown, headers: Record<string, string> = {}) =>
    call<T>('POST', path, {
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const get = <T>(path: string, headers: Record<string, string> = {}) =>
    call<T>('GET', path, { headers });

  const fixture: ApiFixture = {
    url,
    queue,
    queueName,
    redis,
    app,
    call,
    post,
    get,
    async submitEmail(extra = {}) {
      const reply = await post<{ job_id: string }>('/submit-job', { ...validEmail, ...extra });
      if (reply.status !== 202)
        throw new Error(`submit answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      return reply.body.job_id;
    },
    async waitForJob(id, check, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const record = await queue.get(id);
        if (record && check(record)) return record;
        if (Date.now() > deadline) {
          throw new Error(`job ${id} did not reach the expected state: ${JSON.stringify(record)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async startEmailWorker(mock, overrides = {}) {
      // A connection of its own that queues while offline, as services/worker does.
      const connection = createRedis({ redisUrl: options.redisUrl ?? testRedisUrl() });
      connection.on('error', () => {});
      workerRedis.push(connection);
      const worker = new Worker({
        redis: connection,
        queueName,
        jobTypes: createJobTypes({ mockEmail: mock }),
        logger: silentLogger,
        concurrency: 4,
        leaseMs: 5000,
        backoffBaseMs: 10,
        shutdownTimeoutMs: 100,
        ...retention,
        ...overrides,
      });
      workers.push(worker);
      await worker.start();
      return worker;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.stop()));
      for (const connection of workerRedis) connection.disconnect();
      await app.close();
      server.closeAllConnections();
      server.close();
      if (redis.status === 'ready') {
        const keys = await redis.keys(`jq:{${queueName}}:*`);
        if (keys.length > 0) await redis.del(...keys);
      }
      redis.disconnect();
    },
  };
  return fixture;
}
