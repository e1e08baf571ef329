// POST /submit-job and GET /jobs/status/:id on a real server and Redis: the reply shapes and
// status codes of the HTTP table, idempotency keys, scheduled jobs, and a job run to completion.

import { startApi, validEmail, type ApiFixture } from './api-fixture';

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

test('a submitted job answers 202 {job_id, status} and is stored as given', async () => {
  const reply = await api.post('/submit-job', { ...validEmail, priority: 'high' });
  expect(reply.status).toBe(202);
  expect(Object.keys(reply.body).sort()).toEqual(['job_id', 'status']);
  expect(reply.body.job_id).toMatch(UUID);
  expect(reply.body.status).toBe('queued');
  expect(reply.headers.get('location')).toBe(`/jobs/status/${reply.body.job_id}`);

  const status = await api.get(`/jobs/status/${reply.body.job_id}`);
  expect(status.status).toBe(200);
  expect(status.body).toMatchObject({
    job_id: reply.body.job_id,
    job_type: 'send_email',
    priority: 'high',
    payload: validEmail.payload,
    status: 'queued',
    attempts: 0,
    max_attempts: 3,
    picked_at: null,
    completed_at: null,
    failed_at: null,
    next_attempt_at: null,
    last_error: null,
    result: null,
  });
  expect(status.body.created_at).toMatch(ISO_MICROS);
});

test('a numeric priority and max_attempts come back as the client gave them', async () => {
  const id = await api.submitEmail({ priority: 7, max_attempts: 5 });
  const { body } = await api.get(`/jobs/status/${id}`);
  expect(body.priority).toBe(7);
  expect(body.max_attempts).toBe(5);
});

test('a job run by a worker shows every timestamp as ISO 8601 with microseconds', async () => {
  const worker = await api.startEmailWorker({ delayMs: 0, failureRate: 0 });
  try {
    const id = await api.submitEmail();
    await api.waitForJob(id, (record) => record.status === 'completed');
    const { status, body } = await api.get(`/jobs/status/${id}`);
    expect(status).toBe(200);
    expect(body.status).toBe('completed');
    expect(body.attempts).toBe(1);
    for (const field of ['created_at', 'picked_at', 'completed_at']) {
      expect(body[field]).toMatch(ISO_MICROS);
    }
    expect(body.failed_at).toBeNull();
    expect(body.result).toEqual({ message_id: expect.stringMatching(UUID) });
    expect(Date.parse(body.completed_at)).toBeGreaterThanOrEqual(Date.parse(body.created_at));
  } finally {
    await worker.stop();
  }
});

test('a repeated idempotency key answers 200 with the first job and creates nothing', async () => {
  const body = { ...validEmail, idempotency_key: 'order-4711' };
  const first = await api.post('/submit-job', body);
  const again = await api.post('/submit-job', body);
  const differentPayload = await api.post('/submit-job', {
    ...body,
    payload: { ...body.payload, subject: 'Other' },
  });
  expect(first.status).toBe(202);
  expect(again.status).toBe(200);
  expect(again.body).toEqual({ job_id: first.body.job_id, status: 'queued' });
  expect(differentPayload.status).toBe(200);
  expect(differentPayload.body.job_id).toBe(first.body.job_id);

  const submitted = (await api.queue.list({ limit: 500 })).jobs.filter(
    (job) => job.idempotency_key === 'order-4711',
  );
  expect(submitted.map((job) => job.job_id)).toEqual([first.body.job_id]);
});

test('delay_ms schedules the job for later', async () => {
  const before = Date.now();
  const reply = await api.post('/submit-job', { ...validEmail, delay_ms: 60_000 });
  expect(reply.status).toBe(202);
  expect(reply.body.status).toBe('scheduled');
  const { body } = await api.get(`/jobs/status/${reply.body.job_id}`);
  expect(body.status).toBe('scheduled');
  expect(body.next_attempt_at).toMatch(ISO_MICROS);
  const due = Date.parse(body.next_attempt_at);
  expect(due).toBeGreaterThanOrEqual(before + 59_000);
  expect(due).toBeLessThanOrEqual(Date.now() + 61_000);
});

test('run_at schedules the job for that time; a past run_at queues it at once', async () => {
  const runAt = new Date(Date.now() + 3_600_000);
  const later = await api.post('/submit-job', { ...validEmail, run_at: runAt.toISOString() });
  expect(later.status).toBe(202);
  expect(later.body.status).toBe('scheduled');
  const { body } = await api.get(`/jobs/status/${later.body.job_id}`);
  expect(Date.parse(body.next_attempt_at)).toBe(runAt.getTime());

  const past = await api.post('/submit-job', { ...validEmail, run_at: '2020-01-01T00:00:00Z' });
  expect(past.status).toBe(202);
  expect(past.body.status).toBe('queued');
});

test('an unknown job id answers 404 and a malformed one 400, both as error JSON', async () => {
  const unknown = await api.get('/jobs/status/0190f3c2-0000-7000-8000-000000000000');
  expect(unknown.status).toBe(404);
  expect(unknown.body).toEqual({
    error: { code: 'not_found', message: 'job 0190f3c2-0000-7000-8000-000000000000 not found' },
  });

  const malformed = await api.get('/jobs/status/not-a-job-id');
  expect(malformed.status).toBe(400);
  expect(malformed.body.error.code).toBe('validation_failed');
  expect(malformed.body.error.details).toEqual([{ path: 'job_id', message: 'must be a UUID' }]);
});
