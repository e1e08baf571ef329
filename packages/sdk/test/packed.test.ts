// The SDK as users install it: the tarball `npm pack -w packages/sdk` makes installs into an empty
// project outside this repository from the npm registry alone, and a worker written there (with
// plain require(), or the example users copy, examples/custom-worker) declares its type, is
// checked by the API, runs jobs and stops on SIGTERM.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { postJson, startApi, waitForJob, type ApiProcess } from '../../../test/support/api-client';
import { testRedisUrl, uniqueQueueName } from '../../../test/support/redis-url';
import { REPO_ROOT, ServiceProcess } from '../../../test/support/service-process';

const run = promisify(execFile);
jest.setTimeout(240_000);

const queue = uniqueQueueName('packed');
let project: string;
let api: ApiProcess;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'jobqueue-sdk-user-'));
  const { stdout } = await run(
    'npm',
    ['pack', '-w', 'packages/sdk', '--pack-destination', project, '--json', '--silent'],
    { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-jobs', private: true }));
  await run(
    'npm',
    ['install', `./${filename}`, 'zod@^4', '--no-audit', '--no-fund', '--prefer-offline'],
    { cwd: project, maxBuffer: 16 * 1024 * 1024 },
  );
  api = await startApi({ REDIS_URL: testRedisUrl(), QUEUE_NAME: queue });
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

test('a worker written against the packed SDK runs its own job type beside the stack', async () => {
  writeFileSync(
    join(project, 'worker.js'),
    `const { z } = require('zod');
const { defineJobType, startWorker } = require('@jobqueue/sdk');

const double = defineJobType({
  name: 'double_it',
  description: 'Doubles a number',
  payload: z.object({ n: z.number() }),
  async run(payload, ctx) {
    await ctx.log('doubling ' + payload.n);
    return { doubled: payload.n * 2 };
  },
});

// Redis and the queue from REDIS_URL and QUEUE_NAME, as the stack's worker service reads them.
startWorker({ jobTypes: [double] });
`,
  );
  const worker = new ServiceProcess(process.execPath, ['worker.js'], {
    cwd: project,
    name: 'packed SDK worker',
    env: { REDIS_URL: testRedisUrl(), QUEUE_NAME: queue },
  });
  await worker.waitForLog((log) => String(log.msg).startsWith('Starting worker'));

  const bad = await postJson(`${api.url}/submit-job`, {
    job_type: 'double_it',
    payload: { n: 'two' },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details).toEqual([{ path: 'payload.n', message: 'must be a number' }]);

  const ok = await postJson(`${api.url}/submit-job`, { job_type: 'double_it', payload: { n: 21 } });
  expect(ok.status).toBe(202);
  const record = await waitForJob(api, ok.body.job_id, (job) => job.status === 'completed');
  expect(record).toMatchObject({
    status: 'completed',
    result: { doubled: 42 },
    logs: ['doubling 21'],
  });

  worker.signal('SIGTERM');
  expect(await worker.waitForExit()).toEqual({ code: 0, signal: null });
});

test('the example worker users copy renders its report, with progress and log lines kept', async () => {
  copyFileSync(join(REPO_ROOT, 'examples/custom-worker/worker.mjs'), join(project, 'worker.mjs'));
  const worker = new ServiceProcess(process.execPath, ['worker.mjs'], {
    cwd: project,
    name: 'example worker',
    env: { REDIS_URL: testRedisUrl(), QUEUE_NAME: queue },
  });
  await worker.waitForLog((log) => String(log.msg).startsWith('Starting worker'));

  const bad = await postJson(`${api.url}/submit-job`, {
    job_type: 'render_report',
    payload: { title: 'Q3', rows: [], currency: 'YEN' },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details).toEqual([
    { path: 'payload.rows', message: 'must not be empty' },
    { path: 'payload.currency', message: 'must be one of "EUR", "USD", "GBP"' },
  ]);

  const rows = [
    { label: 'North', amount: 1200 },
    { label: '<South>', amount: 800 },
  ];
  const ok = await postJson(`${api.url}/submit-job`, {
    job_type: 'render_report',
    payload: { title: 'Q3 sales', rows },
  });
  expect(ok.status).toBe(202);
  const record = await waitForJob(api, ok.body.job_id, (job) => job.status === 'completed');
  expect(record).toMatchObject({
    status: 'completed',
    result: { total: 2000, rows: 2 },
    progress: { rows_done: 2 },
    logs: ['rendering "Q3 sales": 2 rows'],
  });
  expect(record.result.html).toContain('<td>&#60;South&#62;</td><td>€800.00</td>');

  worker.signal('SIGTERM');
  expect(await worker.waitForExit()).toEqual({ code: 0, signal: null });
});
