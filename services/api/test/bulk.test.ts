// POST /jobs/bulk: up to 1000 submit bodies in one request, all or nothing.

import { startApi, validEmail, type ApiFixture } from './api-fixture';

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const email = (i: number, message = `Hello ${i}`) => ({
  ...validEmail,
  payload: { to: `user${i}@example.com`, subject: `Subject ${i}`, message },
});

async function submittedSoFar(): Promise<number> {
  return (await api.queue.stats()).totals.submitted;
}

test('a bulk request answers 202 {job_ids} with one id per job, in order', async () => {
  const jobs = Array.from({ length: 50 }, (_, i) => email(i));
  const reply = await api.post('/jobs/bulk', { jobs });
  expect(reply.status).toBe(202);
  expect(Object.keys(reply.body)).toEqual(['job_ids']);
  expect(reply.body.job_ids).toHaveLength(50);
  expect(new Set(reply.body.job_ids).size).toBe(50);
  for (const [i, id] of (reply.body.job_ids as string[]).entries()) {
    const record = await api.queue.get(id);
    expect(record).toMatchObject({ status: 'queued', payload: { subject: `Subject ${i}` } });
  }
});

test('one bad job rejects the whole request, naming jobs.N.path, and submits nothing', async () => {
  const before = await submittedSoFar();
  const jobs = [
    email(0),
    email(1),
    { ...email(2), payload: { ...email(2).payload, to: 'not-an-email' } },
    email(3),
  ];
  const reply = await api.post('/jobs/bulk', { jobs });
  expect(reply.status).toBe(400);
  expect(reply.body.error.code).toBe('validation_failed');
  expect(reply.body.error.message).toMatch(/none were submitted/);
  expect(reply.body.error.details).toEqual([
    { path: 'jobs.2.payload.to', message: 'must be an email address' },
  ]);
  expect(await submittedSoFar()).toBe(before);
});

test('every bad job of a bulk request is named', async () => {
  const jobs = [email(0), { ...email(1), priority: 11 }, { ...email(2), status: 'completed' }];
  const reply = await api.post('/jobs/bulk', { jobs });
  expect(reply.status).toBe(400);
  const paths = (reply.body.error.details as { path: string }[]).map((detail) => detail.path);
  expect(paths).toEqual(['jobs.1.priority', 'jobs.2.status']);
});

test('more than 1000 jobs are refused with 400 and nothing is submitted', async () => {
  const before = await submittedSoFar();
  const jobs = Array.from({ length: 1001 }, (_, i) => email(i, ''));
  const reply = await api.post('/jobs/bulk', { jobs });
  expect(reply.status).toBe(400);
  expect(reply.body.error.details).toEqual([
    { path: 'jobs', message: 'must hold at most 1000 jobs' },
  ]);
  expect(await submittedSoFar()).toBe(before);
});

test('exactly 1000 jobs are accepted', async () => {
  const jobs = Array.from({ length: 1000 }, (_, i) => email(i, ''));
  const reply = await api.post('/jobs/bulk', { jobs });
  expect(reply.status).toBe(202);
  expect(reply.body.job_ids).toHaveLength(1000);
});

test('a bulk body may exceed 64 KiB but not 2 MiB (413)', async () => {
  const message = 'x'.repeat(4000);
  const large = { jobs: Array.from({ length: 100 }, (_, i) => email(i, message)) }; // ~400 KB
  const accepted = await api.post('/jobs/bulk', large);
  expect(accepted.status).toBe(202);

  const before = await submittedSoFar();
  const tooLarge = { jobs: Array.from({ length: 600 }, (_, i) => email(i, message)) }; // ~2.4 MB
  expect(JSON.stringify(tooLarge).length).toBeGreaterThan(2 * 1024 * 1024);
  const refused = await api.post('/jobs/bulk', tooLarge);
  expect(refused.status).toBe(413);
  expect(refused.body.error.code).toBe('payload_too_large');
  expect(await submittedSoFar()).toBe(before);
});

test('a body that is not {"jobs": [...]} is a 400 naming the problem', async () => {
  const notArray = await api.post('/jobs/bulk', { jobs: 'many' });
  expect(notArray.status).toBe(400);
  expect(notArray.body.error.details).toEqual([
    { path: 'jobs', message: 'must be an array of jobs' },
  ]);

  const extra = await api.post('/jobs/bulk', { jobs: [email(0)], priority: 'high' });
  expect(extra.status).toBe(400);
  expect(extra.body.error.details).toEqual([{ path: 'priority', message: 'is not a known field' }]);

  const empty = await api.post('/jobs/bulk', { jobs: [] });
  expect(empty.status).toBe(400);
  expect(empty.body.error).toMatchObject({
    message: 'invalid bulk: jobs must hold at least one job',
    details: [{ path: 'jobs', message: 'must hold at least one job' }],
  });

  const array = await api.post('/jobs/bulk', [email(0)]);
  expect(array.status).toBe(400);
  expect(array.body.error.code).toBe('validation_failed');
});
