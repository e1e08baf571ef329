// GET /metrics: Prometheus text with the queue's job counts (submitted, completed, failed,
// retried, recovered) as of the scrape, depth per status, this API's submissions and requests.
// The recovered job comes from a real worker process killed with SIGKILL mid-job.

import { startService } from '../../../test/support/service-process';
import { testRedisUrl } from '../../../test/support/redis-url';
import { startApi, type ApiFixture } from './api-fixture';

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

/** The value of one sample, e.g. sample(text, 'jobqueue_jobs', { status: 'queued' }). */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.length === present.length && wanted.every((label) => present.includes(label)))
      return Number(match[3]);
  }
  return undefined;
}

async function recoveredJob(): Promise<string> {
  const worker = startService('worker', {
    REDIS_URL: testRedisUrl(),
    QUEUE_NAME: api.queueName,
    JOB_LEASE_MS: '500',
    MOCK_EMAIL_DELAY_MS: '60000',
    MOCK_EMAIL_FAILURE_RATE: '0',
    LOG_LEVEL: 'info',
  });
  const id = await api.submitEmail();
  await worker.waitForLine(`Picked job ${id}`);
  worker.signal('SIGKILL');
  await worker.waitForExit();
  // A live worker's lease keeper finds the expired lease and puts the job back in line.
  const rescuer = await api.startEmailWorker({ delayMs: 0, failureRate: 0 }, { leaseMs: 500 });
  try {
    await api.waitForJob(id, (record) => record.status === 'completed');
  } finally {
    await rescuer.stop();
  }
  return id;
}

test('GET /metrics reports the queue as it is at the scrape, in Prometheus text', async () => {
  const failing = await api.startEmailWorker({ delayMs: 0, failureRate: 1 });
  const retriedId = await api.submitEmail({ max_attempts: 1 });
  await api.waitForJob(retriedId, (record) => record.status === 'failed');
  await failing.stop();
  expect((await api.call('POST', `/jobs/${retriedId}/retry`)).status).toBe(200);
  const succeeding = await api.startEmailWorker({ delayMs: 0, failureRate: 0 });
  await api.waitForJob(retriedId, (record) => record.status === 'completed');
  await succeeding.stop();

  const cancelled = await api.submitEmail({ delay_ms: 60_000 });
  expect((await api.call('DELETE', `/jobs/${cancelled}`)).status).toBe(200);
  await recoveredJob();

  const reply = await api.call('GET', '/metrics');
  expect(reply.status).toBe(200);
  expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text: string = reply.body;

  const totals = { submitted: 3, completed: 2, failed: 1, retried: 1, recovered: 1 };
  for (const [event, count] of Object.entries(totals)) {
    expect({ event, value: sample(text, 'jobqueue_queue_jobs_total', { event }) }).toEqual({
      event,
      value: count,
    });
  }
  expect((await api.get('/stats')).body.totals).toEqual(totals);
  expect(text).toContain('# TYPE jobqueue_queue_jobs_total counter');

  const depth = { queued: 0, scheduled: 0, processing: 0, completed: 2, failed: 0, cancelled: 1 };
  for (const [status, count] of Object.entries(depth)) {
    expect({ status, value: sample(text, 'jobqueue_jobs', { status }) }).toEqual({
      status,
      value: count,
    });
  }

  expect(sample(text, 'jobqueue_api_jobs_submitted_total')).toBe(3);
  expect(
    sample(text, 'jobqueue_http_requests_total', {
      method: 'POST',
      route: '/submit-job',
      status: '202',
    }),
  ).toBe(3);
  expect(
    sample(text, 'jobqueue_http_requests_total', {
      method: 'DELETE',
      route: '/jobs/:id',
      status: '200',
    }),
  ).toBe(1);
  expect(sample(text, 'jobqueue_redis_errors_total')).toBe(0);
  expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
});

test('a scrape sees a submission made just before it', async () => {
  const before = sample((await api.call('GET', '/metrics')).body, 'jobqueue_queue_jobs_total', {
    event: 'submitted',
  })!;
  await api.submitEmail({ delay_ms: 60_000 });
  const after = await api.call('GET', '/metrics');
  expect(sample(after.body, 'jobqueue_queue_jobs_total', { event: 'submitted' })).toBe(before + 1);
  expect(sample(after.body, 'jobqueue_jobs', { status: 'scheduled' })).toBe(1);
});

test('per-group gauges name the 10 busiest groups and sum the rest in a series of their own', async () => {
  const jobs = [];
  // Twelve groups: g1 with 1 job ... g12 with 12.
  for (let g = 1; g <= 12; g++)
    for (let i = 0; i < g; i++)
      jobs.push({
        job_type: 'send_email',
        group: `g${g}`,
        delay_ms: 0,
        payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
      });
  expect((await api.post('/jobs/bulk', { jobs })).status).toBe(202);
  const text = (await api.call<string>('GET', '/metrics')).body as unknown as string;
  expect(sample(text, 'jobqueue_group_jobs', { group: 'g12', state: 'queued' })).toBe(12);
  expect(sample(text, 'jobqueue_group_jobs', { group: 'g3', state: 'queued' })).toBe(3);
  expect(sample(text, 'jobqueue_group_jobs', { group: 'g2', state: 'queued' })).toBeUndefined();
  expect(sample(text, 'jobqueue_group_jobs_others', { state: 'queued' })).toBe(1 + 2);
  expect(
    sample(text, 'jobqueue_group_oldest_wait_seconds', { group: 'g12' }),
  ).toBeGreaterThanOrEqual(0);
});
