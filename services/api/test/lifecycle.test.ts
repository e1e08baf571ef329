// POST /jobs/:id/retry and DELETE /jobs/:id against jobs in every state, with real workers
// running the mock send_email handler.

import { createJobTypes, JobQueue, type Worker } from '@jobqueue/shared';
import { startApi, type ApiFixture } from './api-fixture';

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

async function withWorker<T>(
  mock: { delayMs: number; failureRate: number },
  use: (worker: Worker) => Promise<T>,
): Promise<T> {
  const worker = await api.startEmailWorker(mock);
  try {
    return await use(worker);
  } finally {
    await worker.stop();
  }
}

async function failedJob(): Promise<string> {
  return withWorker({ delayMs: 0, failureRate: 1 }, async () => {
    const id = await api.submitEmail({ max_attempts: 1 });
    await api.waitForJob(id, (record) => record.status === 'failed');
    return id;
  });
}

async function completedJob(): Promise<string> {
  return withWorker({ delayMs: 0, failureRate: 0 }, async () => {
    const id = await api.submitEmail();
    await api.waitForJob(id, (record) => record.status === 'completed');
    return id;
  });
}

test('a failed job is retried: back to queued with fresh attempts, then it runs again', async () => {
  const id = await failedJob();
  const failed = await api.get(`/jobs/status/${id}`);
  expect(failed.body).toMatchObject({
    status: 'failed',
    attempts: 1,
    last_error: 'Mock email sending failed',
  });
  expect(failed.body.failed_at).toMatch(ISO_MICROS);

  const retried = await api.call('POST', `/jobs/${id}/retry`);
  expect(retried.status).toBe(200);
  expect(retried.body).toMatchObject({
    job_id: id,
    status: 'queued',
    attempts: 0,
    failed_at: null,
    last_error: null,
    picked_at: null,
  });

  await withWorker({ delayMs: 0, failureRate: 0 }, async () => {
    const record = await api.waitForJob(id, (job) => job.status === 'completed');
    expect(record.attempts).toBe(1);
  });
});

test('a cancelled job can be retried', async () => {
  const id = await api.submitEmail({ delay_ms: 60_000 });
  expect((await api.call('DELETE', `/jobs/${id}`)).status).toBe(200);
  const retried = await api.call('POST', `/jobs/${id}/retry`);
  expect(retried.status).toBe(200);
  expect(retried.body).toMatchObject({ status: 'queued', cancelled_at: null });
  // Leave the queue empty for the tests after this one.
  expect((await api.call('DELETE', `/jobs/${id}`)).status).toBe(200);
});

test('retrying a job that is scheduled, running or completed answers 409', async () => {
  const queued = await api.submitEmail({ delay_ms: 60_000 });
  const scheduledReply = await api.call('POST', `/jobs/${queued}/retry`);
  expect(scheduledReply.status).toBe(409);
  expect(scheduledReply.body.error).toEqual({
    code: 'conflict',
    message: `job ${queued} is scheduled; only failed or cancelled jobs can be retried`,
  });
  await api.call('DELETE', `/jobs/${queued}`);

  const completed = await completedJob();
  const completedReply = await api.call('POST', `/jobs/${completed}/retry`);
  expect(completedReply.status).toBe(409);
  expect(completedReply.body.error.message).toMatch(/is completed/);

  await withWorker({ delayMs: 10_000, failureRate: 0 }, async () => {
    const running = await api.submitEmail();
    await api.waitForJob(running, (record) => record.status === 'processing');
    const runningReply = await api.call('POST', `/jobs/${running}/retry`);
    expect(runningReply.status).toBe(409);
    expect(runningReply.body.error.message).toMatch(/is processing/);
  });
});

test('a queued job is cancelled: 200 with the cancelled record, and no worker runs it', async () => {
  const id = await api.submitEmail();
  const reply = await api.call('DELETE', `/jobs/${id}`);
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ job_id: id, status: 'cancelled', attempts: 0 });
  expect(reply.body.cancelled_at).toMatch(ISO_MICROS);

  await withWorker({ delayMs: 0, failureRate: 0 }, async () => {
    const marker = await api.submitEmail();
    await api.waitForJob(marker, (record) => record.status === 'completed');
  });
  expect((await api.get(`/jobs/status/${id}`)).body).toMatchObject({
    status: 'cancelled',
    picked_at: null,
  });
});

test('a scheduled job is cancelled and never runs when its time comes', async () => {
  const id = await api.submitEmail({ delay_ms: 200 });
  const reply = await api.call('DELETE', `/jobs/${id}`);
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ status: 'cancelled', next_attempt_at: null });

  await withWorker({ delayMs: 0, failureRate: 0 }, async () => {
    const later = await api.submitEmail({ delay_ms: 400 });
    await api.waitForJob(later, (record) => record.status === 'completed');
  });
  expect((await api.get(`/jobs/status/${id}`)).body).toMatchObject({
    status: 'cancelled',
    picked_at: null,
  });
});

test('cancelling a completed, failed or cancelled job answers 409; a running one is cancelled', async () => {
  const completed = await completedJob();
  const failed = await failedJob();
  const cancelled = await api.submitEmail({ delay_ms: 60_000 });
  await api.call('DELETE', `/jobs/${cancelled}`);
  for (const [id, status] of [
    [completed, 'completed'],
    [failed, 'failed'],
    [cancelled, 'cancelled'],
  ] as const) {
    const reply = await api.call('DELETE', `/jobs/${id}`);
    expect(reply.status).toBe(409);
    expect(reply.body.error).toEqual({
      code: 'conflict',
      message: `job ${id} is ${status}; only a job that has not finished can be cancelled`,
    });
  }

  await withWorker({ delayMs: 10_000, failureRate: 0 }, async () => {
    const running = await api.submitEmail();
    await api.waitForJob(running, (record) => record.status === 'processing');
    const reply = await api.call('DELETE', `/jobs/${running}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'cancelled', attempts: 1 });
    expect(await api.redis.zscore(api.queue.keys.active, running)).toBeNull();
  });
});

test('retry and cancel answer 404 for an unknown job and 400 for a malformed id', async () => {
  const unknown = '0190f3c2-0000-7000-8000-000000000000';
  for (const [method, path] of [
    ['POST', `/jobs/${unknown}/retry`],
    ['DELETE', `/jobs/${unknown}`],
  ] as const) {
    const reply = await api.call(method, path);
    expect(reply.status).toBe(404);
    expect(reply.body.error).toEqual({ code: 'not_found', message: `job ${unknown} not found` });
  }
  for (const [method, path] of [
    ['POST', '/jobs/12345/retry'],
    ['DELETE', '/jobs/12345'],
  ] as const) {
    const reply = await api.call(method, path);
    expect(reply.status).toBe(400);
    expect(reply.body.error.details).toEqual([{ path: 'job_id', message: 'must be a UUID' }]);
  }
});

test('an API with shell jobs off refuses to retry a shell job made elsewhere', async () => {
  // Another process (queuectl, say) with shell jobs on submits and cancels one on this queue.
  const shellOn = new JobQueue({
    redis: api.redis,
    queueName: api.queueName,
    jobTypes: createJobTypes({ mockEmail: { delayMs: 0, failureRate: 0 }, allowShellJobs: true }),
    maxAttempts: 3,
    jobTtlSeconds: 3600,
    failedJobTtlSeconds: 3600,
    idempotencyTtlSeconds: 3600,
    eventsMaxLen: 1000,
  });
  const { job_id: id } = await shellOn.submit({
    job_type: 'shell',
    payload: { argv: ['echo', 'hi'] },
    delay_ms: 60_000,
  });
  await shellOn.cancel(id);

  const reply = await api.call('POST', `/jobs/${id}/retry`);
  expect(reply.status).toBe(400);
  expect(reply.body.error.details).toEqual([
    { path: 'job_type', message: expect.stringMatching(/ALLOW_SHELL_JOBS/) },
  ]);
  expect((await api.get(`/jobs/status/${id}`)).body.status).toBe('cancelled');
  expect(await api.redis.zcard(api.queue.keys.queued)).toBe(0);
});
