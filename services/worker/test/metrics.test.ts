// A worker process's Prometheus metrics on WORKER_METRICS_PORT: what it claimed, completed,
// retried, failed and recovered, run and wait time histograms, and failed Redis round trips,
// all from real worker processes on a real Redis.

import { createJobTypes, createRedis, JobQueue, type RedisClient } from '@jobqueue/shared';
import { freePort, RedisServerProcess } from '@jobqueue/testkit';
import { eventually } from '../../../test/support/api-client';
import { testRedisUrl, uniqueQueueName } from '../../../test/support/redis-url';
import { startService, type ServiceProcess } from '../../../test/support/service-process';

const EMAIL = { to: 'user@example.com', subject: 'Test', message: 'Hello!' };
const clients: RedisClient[] = [];

afterAll(() => clients.forEach((client) => client.disconnect()));

function queueOn(redisUrl: string, queueName: string): JobQueue {
  const redis = createRedis({ redisUrl });
  clients.push(redis);
  return new JobQueue({
    redis,
    queueName,
    jobTypes: createJobTypes({ mockEmail: { delayMs: 0, failureRate: 0 } }),
    maxAttempts: 3,
    jobTtlSeconds: 3600,
    failedJobTtlSeconds: 3600,
    idempotencyTtlSeconds: 3600,
    eventsMaxLen: 10_000,
  });
}

interface MetricsWorker {
  process: ServiceProcess;
  scrape(): Promise<string>;
}

async function startWorker(env: Record<string, string>): Promise<MetricsWorker> {
  const port = await freePort();
  const process = startService('worker', {
    MOCK_EMAIL_DELAY_MS: '20',
    MOCK_EMAIL_FAILURE_RATE: '0',
    WORKER_METRICS_PORT: String(port),
    HOST: '127.0.0.1',
    ...env,
  });
  const url = `http://127.0.0.1:${port}/metrics`;
  await process.waitForHttp(url);
  return { process, scrape: async () => (await fetch(url)).text() };
}

/** The value of one sample, e.g. sample(text, 'jobqueue_worker_jobs_total', { event: 'completed' }). */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return undefined;
}

const jobs = (text: string, event: string) => sample(text, 'jobqueue_worker_jobs_total', { event });

test('counts completed jobs and times how long they ran and waited', async () => {
  const queueName = uniqueQueueName('worker-metrics');
  const queue = queueOn(testRedisUrl(), queueName);
  // Submitted before the worker starts, so each waits at least until it is up.
  for (let i = 0; i < 3; i++) await queue.submit({ job_type: 'send_email', payload: EMAIL });
  const worker = await startWorker({ REDIS_URL: testRedisUrl(), QUEUE_NAME: queueName });
  await eventually(async () => jobs(await worker.scrape(), 'completed') === 3, '3 completed');

  const text = await worker.scrape();
  expect(text).toContain('# TYPE jobqueue_worker_job_run_seconds histogram');
  expect(jobs(text, 'claimed')).toBe(3);
  expect(jobs(text, 'failed')).toBe(0);
  const run = { job_type: 'send_email', outcome: 'completed' };
  expect(sample(text, 'jobqueue_worker_job_run_seconds_count', run)).toBe(3);
  // MOCK_EMAIL_DELAY_MS is 20: no run is shorter.
  expect(sample(text, 'jobqueue_worker_job_run_seconds_bucket', { ...run, le: '0.01' })).toBe(0);
  const wait = { job_type: 'send_email' };
  expect(sample(text, 'jobqueue_worker_job_wait_seconds_count', wait)).toBe(3);
  expect(sample(text, 'jobqueue_worker_job_wait_seconds_sum', wait)).toBeGreaterThan(0);
  expect(sample(text, 'jobqueue_worker_running_jobs', { queue: queueName })).toBe(0);
  expect(text).toMatch(/worker_id="[^"]+"/);
});

test('counts retried and permanently failed attempts', async () => {
  const queueName = uniqueQueueName('worker-metrics');
  const queue = queueOn(testRedisUrl(), queueName);
  const worker = await startWorker({
    REDIS_URL: testRedisUrl(),
    QUEUE_NAME: queueName,
    MOCK_EMAIL_FAILURE_RATE: '1',
    BACKOFF_BASE_MS: '10',
  });
  await queue.submit({ job_type: 'send_email', payload: EMAIL, max_attempts: 2 });
  await eventually(async () => jobs(await worker.scrape(), 'failed') === 1, 'a failed job');

  const text = await worker.scrape();
  expect(jobs(text, 'retried')).toBe(1);
  expect(jobs(text, 'completed')).toBe(0);
  expect(sample(text, 'jobqueue_worker_job_run_seconds_count', { outcome: 'retrying' })).toBe(1);
  expect(sample(text, 'jobqueue_worker_job_run_seconds_count', { outcome: 'failed' })).toBe(1);
});

test('counts the jobs it recovered from a worker killed mid-job', async () => {
  const queueName = uniqueQueueName('worker-metrics');
  const queue = queueOn(testRedisUrl(), queueName);
  const env = { REDIS_URL: testRedisUrl(), QUEUE_NAME: queueName, JOB_LEASE_MS: '500' };
  const doomed = await startWorker({ ...env, MOCK_EMAIL_DELAY_MS: '60000' });
  const { job_id: id } = await queue.submit({ job_type: 'send_email', payload: EMAIL });
  await doomed.process.waitForLine(`Picked job ${id}`);
  doomed.process.signal('SIGKILL');
  await doomed.process.waitForExit();

  const rescuer = await startWorker(env);
  await eventually(async () => jobs(await rescuer.scrape(), 'completed') === 1, 'the job done');
  const text = await rescuer.scrape();
  expect(jobs(text, 'recovered')).toBe(1);
  // Waited from its submission until the rescuer claimed it again: at least the lease.
  expect(sample(text, 'jobqueue_worker_job_wait_seconds_sum')).toBeGreaterThanOrEqual(0.5);
});

test('counts failed Redis round trips while Redis is away', async () => {
  const redis = await new RedisServerProcess().start();
  const worker = await startWorker({ REDIS_URL: redis.url, QUEUE_NAME: uniqueQueueName() });
  await worker.process.waitForLine('No jobs in queue, waiting...');
  const before = await worker.scrape();
  expect(sample(before, 'jobqueue_worker_redis_errors_total')).toBeUndefined();

  await redis.stop();
  await eventually(
    async () => (sample(await worker.scrape(), 'jobqueue_worker_redis_errors_total') ?? 0) > 0,
    'a Redis error counted',
  );
  const text = await worker.scrape();
  expect(
    sample(text, 'jobqueue_worker_redis_errors_total', { during: 'connection' }),
  ).toBeGreaterThan(0);
  await redis.start();
});

test('a bad WORKER_METRICS_PORT stops the worker at start, naming the variable', async () => {
  const worker = startService('worker', {
    REDIS_URL: testRedisUrl(),
    WORKER_METRICS_PORT: 'ninety',
  });
  expect((await worker.waitForExit()).code).toBe(1);
  expect(worker.lines.join('\n')).toContain('WORKER_METRICS_PORT');
});
