// Schedules with two API processes (each fires due ticks) and two worker processes on one queue:
// every tick gives exactly one job, and the workers run each once.
import { setTimeout as sleep } from 'node:timers/promises';
import { getJson, postJson, startApi, type ApiProcess } from './support/api-client';
import { startWorker, type QueueStack } from './support/queue-stack';
import { testRedisUrl, uniqueQueueName } from './support/redis-url';
import type { ServiceProcess } from './support/service-process';

const redisUrl = testRedisUrl();
const queueName = uniqueQueueName('cron');
const env = { REDIS_URL: redisUrl, QUEUE_NAME: queueName };
const apis: ApiProcess[] = [];
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  apis.push(await startApi(env), await startApi(env));
  const stack: QueueStack = { redisUrl, queueName, env, api: apis[0]! };
  workers.push(
    await startWorker(stack, { MOCK_EMAIL_DELAY_MS: '10' }),
    await startWorker(stack, { MOCK_EMAIL_DELAY_MS: '10' }),
  );
});
afterAll(async () => {
  await Promise.all([...workers, ...apis.map((api) => api.service)].map((p) => p.stop()));
});

test('two API processes fire each tick once; two workers run each job once', async () => {
  const created = await postJson(`${apis[0]!.url}/schedules`, {
    name: 'heartbeat',
    cron: '* * * * * *',
    job_type: 'send_email',
    payload: { to: 'ops@example.com', subject: 'tick', message: 'tick' },
  });
  expect(created.status).toBe(201);
  await sleep(3500);
  const removed = await fetch(`${apis[1]!.url}/schedules/heartbeat`, { method: 'DELETE' });
  expect(removed.status).toBe(204);
  await sleep(500);

  const jobs = (await getJson(`${apis[1]!.url}/jobs?limit=500`)).body.jobs as {
    idempotency_key: string;
    status: string;
    job_id: string;
  }[];
  const keys = jobs.map((job) => job.idempotency_key);
  expect(keys.length).toBeGreaterThanOrEqual(3);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys.every((key) => key.startsWith('schedule:heartbeat:'))).toBe(true);

  const deadline = Date.now() + 10_000;
  let statuses: string[] = [];
  while (Date.now() < deadline) {
    const page = (await getJson(`${apis[0]!.url}/jobs?limit=500`)).body.jobs as {
      status: string;
    }[];
    statuses = page.map((job) => job.status);
    if (statuses.every((status) => status === 'completed')) break;
    await sleep(100);
  }
  expect(statuses).toEqual(keys.map(() => 'completed'));
  const stats = (await getJson(`${apis[0]!.url}/stats`)).body;
  expect(stats.totals.completed).toBe(keys.length); // each job ran once
});
