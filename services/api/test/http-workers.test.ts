// Workers over HTTP against the real API and Redis, with no Node worker at all: declare a type,
// claim (waiting for work), renew, complete, fail; fencing answers 409; a worker that vanished
// has its job recovered and a delayed job still becomes due, by the API alone.

import { setTimeout as sleep } from 'node:timers/promises';
import { defineJobType, type JobType } from '@jobqueue/shared';
import { RedisServerProcess } from '@jobqueue/testkit';
import { z } from 'zod';
import { eventually } from '../../../test/support/api-client';
import { startApi, type ApiFixture, type Json } from './api-fixture';

let api: ApiFixture;

const TYPE = 'resize_image';
const declaration = {
  description: 'Resizes an image',
  payload_schema: {
    type: 'object',
    required: ['url', 'width'],
    properties: { url: { type: 'string' }, width: { type: 'integer', minimum: 1 } },
    additionalProperties: false,
  },
  defaults: { max_attempts: 3 },
};
const put = (path: string, body: unknown) =>
  api.call('PUT', path, {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const claim = (body: Record<string, unknown>, signal?: AbortSignal) =>
  api.call('POST', '/workers/claim', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ worker_id: 'py-1', job_types: [TYPE], ...body }),
    signal: signal ?? AbortSignal.timeout(40_000),
  });
const submit = async (extra: Record<string, unknown> = {}) => {
  const reply = await api.post('/submit-job', {
    job_type: TYPE,
    payload: { url: 'https://img.example/a.png', width: 200 },
    ...extra,
  });
  expect(reply.status).toBe(202);
  return reply.body.job_id as string;
};

/** A job with a 300 ms timeout, claimed and left to run past it: its id and the attempt. */
async function pastItsTimeout(maxAttempts: number): Promise<{ id: string; job: Json }> {
  const id = await submit({ timeout_ms: 300, max_attempts: maxAttempts });
  const [job] = (await claim({})).body.jobs;
  expect(job).toMatchObject({ job_id: id, timeout_ms: 300, attempt: 1 });
  await sleep(400);
  return { id, job };
}

/** A 409 with this message. */
const expectRefused = (reply: { status: number; body: Json }, message: string) =>
  expect({ status: reply.status, message: reply.body?.error?.message }).toEqual({
    status: 409,
    message,
  });

beforeEach(async () => {
  api = await startApi({ app: { httpWorkers: { leaseMs: 1500, backoffBaseMs: 20 } } });
  expect((await put(`/job-types/${TYPE}`, declaration)).status).toBe(200);
});
afterEach(() => api.close());

test('a type declared over HTTP is listed and checks submissions', async () => {
  const listed = (await api.get('/job-types')).body.job_types.find(
    (type: Json) => type.job_type === TYPE,
  );
  expect(listed).toMatchObject({ description: 'Resizes an image', defaults: { max_attempts: 3 } });
  const refused = await api.post('/submit-job', {
    job_type: TYPE,
    payload: { url: 'x', width: 0 },
  });
  expect(refused.status).toBe(400);
  expect(refused.body.error.details).toEqual([
    { path: 'payload.width', message: expect.stringContaining('1') },
  ]);
});

test('a bad declaration is refused, naming the problem; a product type cannot be taken over', async () => {
  const badSchema = await put('/job-types/thumbnail', { payload_schema: { type: 'nonsense' } });
  expect(badSchema.status).toBe(400);
  expect(badSchema.body.error.details[0].path).toBe('payload_schema');
  const badName = await put('/job-types/9lives', declaration);
  expect(badName.status).toBe(400);
  expect(badName.body.error.details[0].path).toBe('job_type');
  const taken = await put('/job-types/send_email', declaration);
  expect(taken.status).toBe(409);
});

test('a type Node workers declared is not changed over HTTP while one of them runs it', async () => {
  const owned = defineJobType({
    name: 'node_owned',
    payload: z.object({ n: z.number() }),
    maxConcurrency: 2,
    run: async () => null,
  });
  const start = () =>
    api.startEmailWorker(
      { delayMs: 0, failureRate: 0 },
      { jobTypes: new Map([[owned.name, owned as JobType]]) },
    );
  // The declaration names the first worker; after it stops, a second one runs the type.
  await (await start()).stop();
  const running = await start();
  const other = {
    payload_schema: { type: 'object', properties: { n: { type: 'string' } }, required: ['n'] },
  };
  const refused = await put('/job-types/node_owned', other);
  expect(refused.status).toBe(409);
  expect(refused.body.error.message).toBe(
    `job type "node_owned" is declared otherwise by a Node worker, and worker ${running.id} runs it: stop its workers before declaring the type over HTTP`,
  );
  const listed = (await api.get('/job-types')).body.job_types as Json[];
  expect(listed.find((type) => type.job_type === 'node_owned')).toMatchObject({
    limits: { max_concurrency: 2 },
  });
  await running.stop();
  // A worker over HTTP that claims the type does not hold its declaration: moving the type to
  // HTTP workers is not blocked by them.
  const claimed = await api.post('/workers/claim', {
    worker_id: 'py-1',
    job_types: ['node_owned'],
  });
  expect(claimed.status).toBe(200);
  expect((await put('/job-types/node_owned', other)).status).toBe(200);
});

test('a type declared over HTTP is changed over HTTP, whatever heartbeats came for unknown jobs', async () => {
  // A heartbeat for a job no worker holds renews nothing in anyone's name.
  const unknown = '0190f3c2-0000-7000-8000-00000000abcd';
  const heartbeat = await api.post(`/jobs/${unknown}/heartbeat`, { lease_token: 'x:1' });
  expect(heartbeat.status).toBe(404);
  expect(await api.redis.zrange(api.queue.keys.workers, 0, -1)).toEqual([]);
  // Nor does a heartbeat with a token not the job's renew its worker, gone meanwhile.
  const id = await submit();
  expect((await claim({ worker_id: 'gone-1' })).body.jobs).toHaveLength(1);
  await api.redis.zrem(api.queue.keys.workers, 'gone-1');
  expect((await api.post(`/jobs/${id}/heartbeat`, { lease_token: 'not-its:1' })).status).toBe(409);
  expect(await api.redis.zscore(api.queue.keys.workers, 'gone-1')).toBeNull();
  const changed = { ...declaration, description: 'Resizes an image, now smaller' };
  expect((await put(`/job-types/${TYPE}`, changed)).status).toBe(200);
});

test('a claim hands out a job with its lease; complete records the result, once', async () => {
  const id = await submit();
  const reply = await claim({ max_jobs: 5 });
  expect(reply.status).toBe(200);
  expect(reply.body.jobs).toEqual([
    {
      job_id: id,
      lease_token: expect.any(String),
      job_type: TYPE,
      payload: { url: 'https://img.example/a.png', width: 200 },
      attempt: 1,
      max_attempts: 3,
      lease_expires_at: expect.any(String),
      timeout_ms: null,
    },
  ]);
  const token = reply.body.jobs[0].lease_token;
  expect((await api.post(`/jobs/${id}/heartbeat`, { lease_token: token })).status).toBe(200);
  const done = await api.post(`/jobs/${id}/complete`, { lease_token: token, result: { w: 200 } });
  expect(done).toMatchObject({ status: 200, body: { job_id: id, status: 'completed' } });
  expect(await api.queue.get(id)).toMatchObject({ status: 'completed', result: { w: 200 } });

  const again = await api.post(`/jobs/${id}/complete`, { lease_token: token, result: null });
  expect(again.status).toBe(409);
  expect((await claim({})).body.jobs).toEqual([]);
});

test('past its timeout_ms an attempt over HTTP fails as timed out: its heartbeat and result are refused', async () => {
  const { id, job } = await pastItsTimeout(2);
  // Before, the attempt ran on for as long as its worker kept heartbeating.
  const beat = await api.post(`/jobs/${id}/heartbeat`, { lease_token: job.lease_token });
  expectRefused(
    beat,
    `job ${id} timed out after 300 ms: its attempt failed and it will be retried`,
  );
  expect(await api.queue.get(id)).toMatchObject({
    status: 'scheduled',
    last_error: 'timed out after 300 ms',
    errors: [expect.objectContaining({ attempt: 1, error: 'timed out after 300 ms' })],
  });
  const late = await api.post(`/jobs/${id}/complete`, { lease_token: job.lease_token });
  expectRefused(
    late,
    `job ${id} is not running: this attempt ended (timed out, or its lease ran out) and the job waits for its next`,
  );

  const [second] = (await claim({ wait_ms: 5000 })).body.jobs;
  expect(second).toMatchObject({ job_id: id, attempt: 2 });
  await sleep(400);
  const refused = await api.post(`/jobs/${id}/complete`, {
    lease_token: second.lease_token,
    result: { w: 1 },
  });
  expectRefused(
    refused,
    `job ${id} timed out after 300 ms: its attempt failed and it failed for good`,
  );
  expect(await api.queue.get(id)).toMatchObject({ status: 'failed', result: null });
});

test('an attempt claimed through another API process is timed out by this one too', async () => {
  const other = await startApi({
    queueName: api.queue.name,
    app: { httpWorkers: { leaseMs: 1500, backoffBaseMs: 20 } },
  });
  try {
    const { id, job } = await pastItsTimeout(1);
    // This process handed nothing out: it reads the attempt's claim time from Redis.
    const late = await other.post(`/jobs/${id}/complete`, { lease_token: job.lease_token });
    expectRefused(
      late,
      `job ${id} timed out after 300 ms: its attempt failed and it failed for good`,
    );
  } finally {
    await other.close();
  }
});

test('with no Node worker, a job completed over HTTP is forgotten after JOB_TTL_SECONDS', async () => {
  const short = await startApi({
    jobTtlSeconds: 1,
    app: { httpWorkers: { leaseMs: 1500, backoffBaseMs: 20 } },
  });
  try {
    const declared = await short.call('PUT', `/job-types/${TYPE}`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(declaration),
    });
    expect(declared.status).toBe(200);
    const { job_id } = (
      await short.post('/submit-job', {
        job_type: TYPE,
        payload: { url: 'https://img.example/a.png', width: 1 },
      })
    ).body;
    const claimed = await short.post('/workers/claim', { worker_id: 'py-1', job_types: [TYPE] });
    const [job] = claimed.body.jobs;
    const done = await short.post(`/jobs/${job_id}/complete`, { lease_token: job.lease_token });
    expect(done.status).toBe(200);
    // No other job completes: only the API's own upkeep can forget this one.
    await eventually(
      async () => (await short.get(`/jobs/status/${job_id}`)).status === 404,
      'the completed job to be forgotten',
    );
  } finally {
    await short.close();
  }
});

test("a failure sent past the timeout is the timeout's, as a result would be", async () => {
  const { id, job } = await pastItsTimeout(1);
  const failed = await api.post(`/jobs/${id}/fail`, {
    lease_token: job.lease_token,
    error: 'worker says boom',
  });
  expectRefused(
    failed,
    `job ${id} timed out after 300 ms: its attempt failed and it failed for good`,
  );
  expect(await api.queue.get(id)).toMatchObject({
    status: 'failed',
    last_error: 'timed out after 300 ms',
  });
});

test('a worker claiming over HTTP counts as a live worker of the types it claims', async () => {
  const workersOf = async () =>
    (await api.get('/job-types')).body.job_types.find((type: Json) => type.job_type === TYPE)
      .workers;
  expect(await workersOf()).toBe(0);
  expect((await claim({ worker_id: 'py-live' })).status).toBe(200);
  // Before, a worker over HTTP never counted: its type said 0 workers while it ran its jobs.
  expect(await workersOf()).toBe(1);
  expect((await api.get('/stats')).body.workers).toBeGreaterThanOrEqual(1);
});

test('a claim waiting for work gets a job submitted meanwhile at once', async () => {
  const waiting = claim({ wait_ms: 30_000 });
  await sleep(300); // the claim is waiting in Redis now
  const id = await submit();
  // Well before the wait would have ended by itself.
  const reply = await Promise.race([waiting, sleep(20_000, null)]);
  expect(reply?.body.jobs.map((job: Json) => job.job_id)).toEqual([id]);
});

test('fail retries the job, or with retry false fails it at once', async () => {
  const first = await submit();
  const [job] = (await claim({})).body.jobs;
  const retried = await api.post(`/jobs/${first}/fail`, {
    lease_token: job.lease_token,
    error: 'decoder crashed',
  });
  expect(retried.body).toEqual({ job_id: first, status: 'scheduled' });
  const second = (await claim({ wait_ms: 5000 })).body.jobs[0];
  expect(second).toMatchObject({ job_id: first, attempt: 2 });

  const given = await api.post(`/jobs/${first}/fail`, {
    lease_token: second.lease_token,
    error: 'not an image',
    retry: false,
  });
  expect(given.body).toEqual({ job_id: first, status: 'failed' });
  expect(await api.queue.get(first)).toMatchObject({
    status: 'failed',
    attempts: 2,
    last_error: 'not an image',
  });
});

test('a stale token, an unknown job and a malformed request answer 409, 404 and 400', async () => {
  const id = await submit();
  await claim({});
  const stale = await api.post(`/jobs/${id}/heartbeat`, { lease_token: 'not-the-token' });
  expect(stale.status).toBe(409);
  const unknown = await api.post('/jobs/0190b6a2-0000-7000-8000-000000000000/complete', {
    lease_token: 'x',
  });
  expect(unknown.status).toBe(404);
  const malformed = await claim({ max_jobs: 0, job_types: [] });
  expect(malformed.status).toBe(400);
  expect(malformed.body.error.details.map((d: Json) => d.path).sort()).toEqual([
    'job_types',
    'max_jobs',
  ]);
  const undeclared = await claim({ job_types: ['never_declared'] });
  expect(undeclared.status).toBe(400);
  expect(undeclared.body.error.details[0].path).toBe('job_types.0');
  expect(undeclared.body.error.message).toBe(
    'invalid claim: job_types.0 "never_declared" is not a declared job type (declare it with PUT /job-types/:name)',
  );
});

test('with no Node worker, a vanished HTTP worker’s job is recovered and a delayed job becomes due', async () => {
  const lost = await submit();
  const [job] = (await claim({})).body.jobs;
  expect(job.job_id).toBe(lost);
  // The worker vanishes: no heartbeat. Its lease (1.5 s here) runs out; the API recovers it.
  const again = (await claim({ worker_id: 'py-2', wait_ms: 10_000 })).body.jobs[0];
  expect(again).toMatchObject({ job_id: lost, attempt: 2 });
  const late = await api.post(`/jobs/${lost}/complete`, { lease_token: job.lease_token });
  expect(late.status).toBe(409);

  const delayed = await submit({ delay_ms: 500 });
  const due = (await claim({ worker_id: 'py-2', wait_ms: 10_000 })).body.jobs[0];
  expect(due).toMatchObject({ job_id: delayed, attempt: 1 });
});

test('a worker that hangs up while its claim waits takes nothing with it', async () => {
  const hangUp = new AbortController();
  const waiting = claim({ wait_ms: 30_000 }, hangUp.signal).catch(() => 'hung up');
  await sleep(300);
  hangUp.abort();
  expect(await waiting).toBe('hung up');
  await sleep(100);
  const id = await submit();
  const reply = await claim({ worker_id: 'py-2', wait_ms: 5000 });
  expect(reply.body.jobs[0]).toMatchObject({ job_id: id, attempt: 1 });
  // The wait ended with the connection: no claim ran for the worker that hung up.
  const picked = (await api.queue.events('0', 1000)).filter((e) => e.type === 'picked');
  expect(picked.map((e) => [e.job_id, e.worker_id])).toEqual([[id, 'py-2']]);
});

test('an idle claim waits inside Redis: one blocking wait, not a loop of them', async () => {
  // A Redis of its own, so no other test's commands count.
  const server = await new RedisServerProcess().start();
  const own = await startApi({ redisUrl: server.url, app: { httpWorkers: { leaseMs: 1500 } } });
  try {
    const declared = await own.call('PUT', `/job-types/${TYPE}`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(declaration),
    });
    expect(declared.status).toBe(200);
    const waits = async () =>
      Number(/cmdstat_bzpopmin:calls=(\d+)/.exec(await own.redis.info('commandstats'))?.[1] ?? 0);
    const before = await waits();
    const reply = await own.post('/workers/claim', {
      worker_id: 'idle',
      job_types: [TYPE],
      wait_ms: 1500,
    });
    expect(reply.body).toEqual({ jobs: [] });
    expect((await waits()) - before).toBeLessThanOrEqual(2);
  } finally {
    await own.close();
    await server.dispose();
  }
});

test('a bad claim is refused in plain words, naming each field', async () => {
  const reply = await claim({ wait_ms: 99_999, max_jobs: 0 });
  expect(reply.status).toBe(400);
  expect(reply.body.error.details).toEqual([
    { path: 'max_jobs', message: 'must be at least 1' },
    { path: 'wait_ms', message: 'must be at most 30000' },
  ]);
});

test('a refused result says why: cancelled, ended, or another attempt holds the lease', async () => {
  const cancelled = await submit();
  const [job] = (await claim({})).body.jobs;
  expect((await api.call('DELETE', `/jobs/${cancelled}`)).status).toBe(200);
  const refused = await api.post(`/jobs/${cancelled}/complete`, { lease_token: job.lease_token });
  // Before, every refusal said another attempt might hold the lease.
  expectRefused(refused, `job ${cancelled} was cancelled`);

  const ended = await submit();
  const [done] = (await claim({})).body.jobs;
  await api.post(`/jobs/${ended}/complete`, { lease_token: done.lease_token });
  const again = await api.post(`/jobs/${ended}/complete`, { lease_token: done.lease_token });
  expectRefused(again, `job ${ended} has ended (completed)`);
});
