// A Redis that has just started (after a crash) may hold claims whose workers started the jobs
// but could not confirm them while it was down: recovery gives such a job a few seconds before
// taking it as never started (which gives its attempt back), so no attempt runs twice. A job
// still unconfirmed after that is given back as before. A Redis of this file's own, started
// here, so its uptime is known.

import { setTimeout as sleep } from 'node:timers/promises';
import { RedisServerProcess } from '@jobqueue/testkit';
import { createRedis, JobQueue, type RedisClient } from '../src';
import { JobFetcher } from '../src/fetcher';
import { runScript } from '../src/scripts';
import { testJobType } from './queue-fixture';

let server: RedisServerProcess;
let redis: RedisClient;
let queue: JobQueue;

beforeAll(async () => {
  server = await new RedisServerProcess().start();
  redis = createRedis({ redisUrl: server.url });
  queue = new JobQueue({
    queueName: 'restart',
    redis,
    jobTypes: testJobType(async () => null),
    maxAttempts: 3,
    jobTtlSeconds: 3600,
    failedJobTtlSeconds: 3600,
    idempotencyTtlSeconds: 3600,
    eventsMaxLen: 1000,
  });
});
afterAll(async () => {
  redis.disconnect();
  await server.dispose();
});

/** A job claimed behind a wait whose short lease ran out before its worker confirmed it. */
async function unconfirmedExpiredClaim(): Promise<string> {
  const { job_id: id } = await queue.submit({ job_type: 'test', payload: { n: 1 } });
  const fetcher = new JobFetcher(redis, queue.keys, {
    workerId: 'w1',
    leaseMs: 30_000,
    eventsMaxLen: 1000,
    blockTimeoutMs: 100,
    jobTypes: ['test'],
  });
  expect((await fetcher.claim(1)).map((job) => job.id)).toEqual([id]);
  await fetcher.close();
  await redis.hset(queue.keys.job(id), 'unconfirmed', 1);
  await redis.zadd(queue.keys.active, 1, id);
  return id;
}

const recover = () => runScript(redis, 'recover', queue.keys, [queue.keys.prefix, 100, 3600, 1000]);

test('right after Redis starts, an unconfirmed claim keeps its attempt and its worker; later it is given back', async () => {
  const id = await unconfirmedExpiredClaim();
  expect(await recover()).toEqual([0, 0]);
  expect(await queue.get(id)).toMatchObject({ status: 'processing', attempts: 1 });
  expect(Number(await redis.zscore(queue.keys.active, id))).toBeGreaterThan(Date.now());

  // Nobody confirms it: once Redis has run a while, it goes back, its attempt not counted.
  await redis.zadd(queue.keys.active, 1, id);
  const uptime = async () => Number(/uptime_in_seconds:(\d+)/.exec(await redis.info('server'))![1]);
  while ((await uptime()) < 5) await sleep(200);
  expect(await recover()).toEqual([1, 0]);
  expect(await queue.get(id)).toMatchObject({ status: 'queued', attempts: 0 });
});
