// The SDK as a user's code meets it: a job type defined with zod and run by startWorker is
// declared to the registry, the API process (which knows nothing of it) checks submissions against
// its schema, JobQueueClient submits and waits for the result, and what the handler reports with
// ctx.progress and ctx.log is kept with the job and streamed as events.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { z } from 'zod';
import {
  defineJobType,
  JobQueueClient,
  JobQueueError,
  startWorker,
  type RunningWorker,
} from '../src';
import { startApi, type ApiProcess } from '../../../test/support/api-client';
import { testRedisUrl, uniqueQueueName } from '../../../test/support/redis-url';
import { REPO_ROOT } from '../../../test/support/service-process';

const queue = uniqueQueueName('sdk');
let api: ApiProcess;
let worker: RunningWorker | undefined;

const renderReport = defineJobType({
  name: 'render_report',
  description: 'Renders a small report',
  payload: z.object({ title: z.string().min(1), rows: z.array(z.number()).max(1000) }),
  maxAttempts: 4,
  async run(payload, ctx) {
    await ctx.log(`rendering ${payload.rows.length} rows`);
    await ctx.progress({ percent: 50 });
    const total = payload.rows.reduce((sum, n) => sum + n, 0);
    await ctx.progress({ percent: 100 });
    return { title: payload.title, total, attempt: ctx.attempt };
  },
});

beforeAll(async () => {
  api = await startApi({ REDIS_URL: testRedisUrl(), QUEUE_NAME: queue });
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

test('a type run by startWorker is declared, checked by the API, run, and its result waited for', async () => {
  worker = await startWorker({
    redisUrl: testRedisUrl(),
    queue,
    jobTypes: [renderReport],
    concurrency: 2,
    logLevel: 'silent',
    handleSignals: false,
  });
  const client = new JobQueueClient({ url: api.url });

  const listed = (await fetch(`${api.url}/job-types`).then((reply) => reply.json())) as {
    job_types: unknown[];
  };
  expect(listed.job_types).toContainEqual(
    expect.objectContaining({
      job_type: 'render_report',
      description: 'Renders a small report',
      defaults: { max_attempts: 4 },
      workers: 1,
    }),
  );

  const refused = await client.submit('render_report', { title: '', rows: ['x'] }).catch((e) => e);
  expect(refused).toBeInstanceOf(JobQueueError);
  expect(refused).toMatchObject({ status: 400, code: 'validation_failed' });
  expect(refused.details).toEqual([
    { path: 'payload.title', message: 'must not be empty' },
    { path: 'payload.rows.0', message: 'must be a number' },
  ]);

  const { job_id } = await client.submit('render_report', { title: 'Q3', rows: [1, 2, 3] });
  const record = await client.waitFor(job_id, { timeoutMs: 20_000 });
  expect(record).toMatchObject({
    status: 'completed',
    max_attempts: 4,
    result: { title: 'Q3', total: 6, attempt: 1 },
    progress: { percent: 100 },
    logs: ['rendering 3 rows'],
  });

  // The reports were streamed as events too, in order.
  const events = await readEvents(job_id);
  expect(
    events.filter((e) => e.type === 'log' || e.type === 'progress').map((e) => e.message),
  ).toEqual([
    'rendering 3 rows',
    `Job ${job_id} progress: {"percent":50}`,
    `Job ${job_id} progress: {"percent":100}`,
  ]);
});

test('stop() lets a running job finish, and the worker no longer counts for its type', async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const slow = defineJobType({
    name: 'slow_report',
    payload: z.object({}),
    async run() {
      await released;
      return 'done';
    },
  });
  worker = await startWorker({
    redisUrl: testRedisUrl(),
    queue,
    jobTypes: [slow],
    logLevel: 'silent',
    handleSignals: false,
  });
  const client = new JobQueueClient({ url: api.url });
  const { job_id } = await client.submit('slow_report', {});
  while ((await client.get(job_id)).status !== 'processing')
    await new Promise((r) => setTimeout(r, 25));
  const stopping = worker.stop();
  release();
  await stopping;
  worker = undefined;
  expect((await client.get(job_id)).status).toBe('completed');
  const listed = (await fetch(`${api.url}/job-types`).then((reply) => reply.json())) as {
    job_types: unknown[];
  };
  expect(listed.job_types).toContainEqual(
    expect.objectContaining({ job_type: 'slow_report', workers: 0 }),
  );
});

/** The job's events so far, read from the API's live stream until it has sent its backlog. */
async function readEvents(jobId: string): Promise<{ type: string; message: string }[]> {
  const controller = new AbortController();
  const response = await fetch(`${api.url}/events?job_id=${jobId}`, { signal: controller.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 5000;
  while (!text.includes('completed successfully') && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)));
}

test('the client pauses and resumes a type, sets a timeout and a backoff, and cancels a running job', async () => {
  const started: string[] = [];
  const waitForCancel = defineJobType({
    name: 'wait_for_cancel',
    payload: z.object({ n: z.number() }),
    async run({ n }, ctx) {
      started.push(String(n));
      await new Promise((_, reject) => ctx.signal.addEventListener('abort', reject));
    },
  });
  worker = await startWorker({
    redisUrl: testRedisUrl(),
    queue,
    jobTypes: [waitForCancel],
    logLevel: 'silent',
    handleSignals: false,
  });
  const client = new JobQueueClient({ url: api.url });

  expect(await client.pause('wait_for_cancel')).toEqual({
    queue: false,
    job_types: ['wait_for_cancel'],
    changed: true,
  });
  const timed = await client.submit(
    'wait_for_cancel',
    { n: 1 },
    {
      maxAttempts: 1,
      timeoutMs: 200,
      backoff: { type: 'fixed', baseMs: 10 },
    },
  );
  expect(await client.get(timed.job_id)).toMatchObject({
    status: 'queued',
    timeout_ms: 200,
    backoff: { type: 'fixed', base_ms: 10 },
  });
  expect(await client.resume('wait_for_cancel')).toEqual({
    queue: false,
    job_types: [],
    changed: true,
  });
  expect(await client.waitFor(timed.job_id, { timeoutMs: 20_000 })).toMatchObject({
    status: 'failed',
    last_error: 'timed out after 200 ms',
  });

  const long = await client.submit('wait_for_cancel', { n: 2 });
  const deadline = Date.now() + 10_000;
  while ((await client.get(long.job_id)).status !== 'processing' && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await client.cancel(long.job_id)).toMatchObject({ status: 'cancelled' });
  expect(started).toEqual(['1', '2']);
});

test('the client schedules a job every second, lists the schedule and removes it', async () => {
  const client = new JobQueueClient({ url: api.url });
  const payload = { to: 'ops@example.com', subject: 'tick', message: 'tick' };
  const schedule = await client.schedule('sdk-tick', '* * * * * *', 'send_email', payload);
  expect(schedule).toMatchObject({ name: 'sdk-tick', timezone: 'UTC', job_type: 'send_email' });
  expect((await client.schedules()).map((s) => s.name)).toContain('sdk-tick');
  const bad = await client.schedule('sdk-bad', 'often', 'send_email', payload).catch((e) => e);
  expect(bad).toMatchObject({ status: 400, details: [{ path: 'cron' }] });

  const deadline = Date.now() + 10_000;
  let ticked = false;
  while (!ticked && Date.now() < deadline) {
    const page = (await fetch(`${api.url}/jobs?limit=100`).then((r) => r.json())) as {
      jobs: { idempotency_key: string | null }[];
    };
    ticked = page.jobs.some((job) => job.idempotency_key?.startsWith('schedule:sdk-tick:'));
    if (!ticked) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(ticked).toBe(true);
  await client.unschedule('sdk-tick');
  expect((await client.schedules()).map((s) => s.name)).not.toContain('sdk-tick');
});

test('the client submits into a group, sets its settings and lists what it has', async () => {
  const client = new JobQueueClient({ url: api.url });
  const payload = { to: 'ops@example.com', subject: 'group', message: 'turns' };
  const sent = await client.submit('send_email', payload, { group: 'sdk-tenant', delayMs: 60_000 });
  expect((await client.get(sent.job_id)).group).toBe('sdk-tenant');
  expect(await client.setGroup('sdk-tenant', { weight: 2, maxConcurrency: 4 })).toMatchObject({
    weight: 2,
    max_concurrency: 4,
  });
  const page = await client.groups({ limit: 100 });
  expect(page.groups.find((g) => g.group === 'sdk-tenant')).toMatchObject({
    weight: 2,
    max_concurrency: 4,
  });
  // One setting changed, the other kept; null is the default.
  expect(await client.setGroup('sdk-tenant', { weight: null })).toMatchObject({
    weight: 1,
    max_concurrency: 4,
  });
  const bad = await client.setGroup('sdk-tenant', { weight: -1 }).catch((e) => e);
  expect(bad).toMatchObject({ status: 400, details: [{ path: 'weight' }] });
  await client.cancel(sent.job_id);
});

test("startWorker refuses a type named like one of the product's own, which would take its jobs", async () => {
  const impostor = defineJobType({
    name: 'send_email',
    payload: z.object({}),
    run: async () => 1,
  });
  // Before, it started, replaced send_email's declaration (so the API took any payload) and
  // claimed the stack's send_email jobs.
  await expect(
    startWorker({
      redisUrl: testRedisUrl(),
      queue: uniqueQueueName('impostor'),
      jobTypes: [impostor],
    }),
  ).rejects.toThrow(
    `startWorker: job type "send_email" is one of this product's own; choose another name`,
  );
});

test('startWorker refuses a claimAhead that is not a whole number from 0 to 4', async () => {
  const type = defineJobType({ name: 'claims_ahead', payload: z.object({}), run: async () => 1 });
  for (const claimAhead of [1.5, -1, 5, Number.NaN]) {
    await expect(
      startWorker({
        redisUrl: testRedisUrl(),
        queue: uniqueQueueName('ahead'),
        jobTypes: [type],
        claimAhead,
      }),
    ).rejects.toThrow(
      `startWorker: claimAhead must be a whole number from 0 to 4 (got ${claimAhead})`,
    );
  }
});

test('startWorker reads WORKER_CLAIM_AHEAD as the worker service does', async () => {
  const type = defineJobType({ name: 'claims_ahead', payload: z.object({}), run: async () => 1 });
  const before = process.env.WORKER_CLAIM_AHEAD;
  process.env.WORKER_CLAIM_AHEAD = '9';
  try {
    // Before, the SDK did not read it: the worker started, claiming 2 a slot ahead.
    await expect(
      startWorker({ redisUrl: testRedisUrl(), queue: uniqueQueueName('ahead'), jobTypes: [type] }),
    ).rejects.toThrow('WORKER_CLAIM_AHEAD');
  } finally {
    if (before === undefined) delete process.env.WORKER_CLAIM_AHEAD;
    else process.env.WORKER_CLAIM_AHEAD = before;
  }
});

test('a worker refused at start leaves nothing open: a caller that catches the refusal exits', () => {
  // A process of its own with the built SDK: before, its blocking connection kept it alive.
  const script = `
    const { startWorker, defineJobType } = require(${JSON.stringify(join(REPO_ROOT, 'packages', 'sdk'))});
    const { z } = require('zod');
    const bad = defineJobType({ name: 'bad name', payload: z.object({}), run: async () => 1 });
    startWorker({ redisUrl: process.env.REDIS_URL, queue: process.env.QUEUE_NAME, jobTypes: [bad] })
      .catch((error) => console.log('refused: ' + error.message));`;
  const run = spawnSync(process.execPath, ['-e', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, REDIS_URL: testRedisUrl(), QUEUE_NAME: uniqueQueueName('refused') },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect({ status: run.status, signal: run.signal, stdout: run.stdout }).toEqual({
    status: 0,
    signal: null,
    stdout: expect.stringMatching(/^refused: invalid job type: job_type must be/),
  });
});
