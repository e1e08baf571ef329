// Global limits across three worker processes, set at run time through the API: never more than
// max_concurrency jobs of the type run at once, never more than rate_limit.max start in any
// window of per_ms, and every job still completes. Checked from the records' own times.
import { setTimeout as sleep } from 'node:timers/promises';
import { getJson, postJson, startApi, type ApiProcess } from './support/api-client';
import { startWorker, type QueueStack } from './support/queue-stack';
import { testRedisUrl, uniqueQueueName } from './support/redis-url';
import type { ServiceProcess } from './support/service-process';

let api: ApiProcess;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  const redisUrl = testRedisUrl();
  const queueName = uniqueQueueName('limits');
  const env = { REDIS_URL: redisUrl, QUEUE_NAME: queueName };
  api = await startApi(env);
  const stack: QueueStack = { redisUrl, queueName, env, api };
  for (let i = 0; i < 3; i++)
    workers.push(
      await startWorker(stack, { MOCK_EMAIL_DELAY_MS: '150', WORKER_CONCURRENCY: '10' }),
    );
});
afterAll(async () => {
  await Promise.all([...workers, api.service].map((p) => p.stop()));
});

const limit = (body: unknown) =>
  fetch(`${api.url}/job-types/send_email`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (reply) => ({
    status: reply.status,
    body: (await reply.json()) as { job_type: string; limits: Record<string, unknown> },
  }));

async function runJobs(count: number): Promise<{ picked: number; completed: number }[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const reply = await postJson(`${api.url}/submit-job`, {
      job_type: 'send_email',
      payload: { to: 'user@example.com', subject: `limit ${n}`, message: 'Hello!' },
    });
    ids.push(reply.body.job_id);
  }
  const records = [];
  for (const id of ids) {
    for (;;) {
      const record = (await getJson(`${api.url}/jobs/status/${id}`)).body;
      if (record.status === 'completed') {
        records.push({
          picked: Date.parse(record.picked_at),
          completed: Date.parse(record.completed_at),
        });
        break;
      }
      await sleep(50);
    }
  }
  return records;
}

test('max_concurrency holds over three worker processes', async () => {
  expect(await limit({ max_concurrency: 2 })).toEqual({
    status: 200,
    body: { job_type: 'send_email', limits: { max_concurrency: 2 } },
  });
  const records = await runJobs(12);
  // The most jobs running at any one moment, from the records' start and end times.
  const edges = records.flatMap((r) => [
    { at: r.picked, step: 1 },
    { at: r.completed, step: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let runningNow = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (runningNow += edge.step));
  expect(most).toBe(2);
  expect((await limit({ max_concurrency: null })).body.limits).toEqual({});
}, 60_000);

test('rate_limit holds over three worker processes', async () => {
  await limit({ rate_limit: { max: 3, per_ms: 1000 } });
  const records = await runJobs(9);
  const starts = records.map((r) => r.picked).sort((a, b) => a - b);
  // Any four consecutive starts span more than the window (a millisecond of clock rounding).
  for (let i = 3; i < starts.length; i++) expect(starts[i]! - starts[i - 3]!).toBeGreaterThan(998);
  expect((await limit({ reset: true })).body.limits).toEqual({});
}, 60_000);
