// GET /job-types, /stats, /health and /ready: what the queue can do and how it is doing.

import { request as httpRequest } from 'node:http';
import { startApi, type ApiFixture } from './api-fixture';

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

test('GET /job-types lists send_email with its payload as JSON Schema', async () => {
  const reply = await api.get('/job-types');
  expect(reply.status).toBe(200);
  expect(reply.body.job_types).toHaveLength(1);
  const [sendEmail] = reply.body.job_types;
  expect(sendEmail.job_type).toBe('send_email');
  expect(typeof sendEmail.description).toBe('string');
  expect(sendEmail.payload_schema).toMatchObject({
    type: 'object',
    properties: {
      to: { type: 'string', format: 'email' },
      subject: { type: 'string', minLength: 1 },
      message: { type: 'string' },
    },
    additionalProperties: false,
  });
  expect([...sendEmail.payload_schema.required].sort()).toEqual(['message', 'subject', 'to']);
});

test('GET /stats counts jobs per status, lifetime totals and live workers', async () => {
  const empty = await api.get('/stats');
  expect(empty.status).toBe(200);
  expect(empty.body).toEqual({
    queue: api.queueName,
    counts: { queued: 0, scheduled: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 },
    totals: { submitted: 0, completed: 0, failed: 0, retried: 0, recovered: 0 },
    workers: 0,
    paused: { queue: false, job_types: [] },
  });

  await api.submitEmail({ delay_ms: 60_000 });
  const cancelled = await api.submitEmail({ delay_ms: 60_000 });
  await api.call('DELETE', `/jobs/${cancelled}`);
  const worker = await api.startEmailWorker({ delayMs: 0, failureRate: 1 });
  try {
    const failed = await api.submitEmail({ max_attempts: 1 });
    await api.waitForJob(failed, (record) => record.status === 'failed');
    const reply = await api.get('/stats');
    expect(reply.body).toEqual({
      queue: api.queueName,
      counts: { queued: 0, scheduled: 1, processing: 0, completed: 0, failed: 1, cancelled: 1 },
      totals: { submitted: 3, completed: 0, failed: 1, retried: 0, recovered: 0 },
      workers: 1,
      paused: { queue: false, job_types: [] },
    });
  } finally {
    await worker.stop();
  }
});

test('GET /health answers 200 and GET /ready answers 200 while Redis answers', async () => {
  const health = await api.get('/health');
  expect(health.status).toBe(200);
  expect(health.body).toEqual({ status: 'ok' });
  const ready = await api.get('/ready');
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({ status: 'ready', redis: 'ok' });
});

test("POST /queue/pause and /resume, and a type's, take no body or an empty object", async () => {
  const emptyObject = { headers: { 'content-type': 'application/json' }, body: '{}' };
  expect((await api.call('POST', '/queue/pause')).body).toMatchObject({ queue: true });
  expect((await api.call('POST', '/queue/resume', emptyObject)).body).toMatchObject({
    queue: false,
  });
  expect((await api.call('POST', '/job-types/send_email/pause', emptyObject)).body).toEqual({
    queue: false,
    job_types: ['send_email'],
    changed: true,
  });
  expect((await api.call('POST', '/job-types/send_email/resume')).body).toEqual({
    queue: false,
    job_types: [],
    changed: true,
  });
  // Again: nothing left to resume, and the answer says so.
  expect((await api.call('POST', '/job-types/send_email/resume')).body).toEqual({
    queue: false,
    job_types: [],
    changed: false,
  });
  // A chunked body of no bytes, with no Content-Type, as some clients send for an empty POST.
  const chunked = await new Promise<number>((resolve, reject) => {
    const request = httpRequest(`${api.url}/queue/pause`, {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked' },
    });
    request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode!);
    });
    request.on('error', reject);
    request.end();
  });
  expect(chunked).toBe(200);
  expect((await api.call('POST', '/queue/resume')).status).toBe(200);
});
