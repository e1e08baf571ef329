// queuectl and the job-type registry: `queuectl types` lists what workers declared with their
// live workers, and enqueue (one job or a file) checks payloads of a declared type against its
// schema, though queuectl itself knows nothing of the type.
import pino from 'pino';
import { z } from 'zod';
import { createRedis, Worker, type JobType, type RedisClient } from '@jobqueue/shared';
import { queueEnv, queuectl, type Env } from './queuectl';

const resize: JobType = {
  name: 'resize_image',
  description: 'Resizes an image',
  payloadSchema: z.object({ url: z.string(), width: z.number().int() }),
  run: async () => null,
};

let env: Env;
let redis: RedisClient;
let worker: Worker;

beforeAll(async () => {
  env = queueEnv();
  redis = createRedis({ redisUrl: env.REDIS_URL! });
  worker = new Worker({
    redis,
    queueName: env.QUEUE_NAME!,
    jobTypes: new Map([[resize.name, resize]]),
    logger: pino({ level: 'silent' }),
    concurrency: 1,
    leaseMs: 5000,
    backoffBaseMs: 50,
    shutdownTimeoutMs: 1000,
    jobTtlSeconds: 3600,
    failedJobTtlSeconds: 3600,
    eventsMaxLen: 1000,
  });
  await worker.start();
});

afterAll(async () => {
  await worker.stop();
  redis.disconnect();
});

test('queuectl types lists declared and built-in types with their live workers', async () => {
  const run = await queuectl(['types'], env);
  expect(run.code).toBe(0);
  const lines = run.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^TYPE\s+WORKERS\s+DESCRIPTION$/);
  expect(lines).toContainEqual(expect.stringMatching(/^resize_image\s+1\s+Resizes an image$/));
  expect(lines).toContainEqual(expect.stringMatching(/^send_email\s+0\s+Sends an email/));
  const json = JSON.parse((await queuectl(['types', '--json'], env)).stdout);
  expect(json.job_types).toContainEqual(
    expect.objectContaining({
      job_type: 'resize_image',
      workers: 1,
      payload_schema: expect.objectContaining({ required: ['url', 'width'] }),
    }),
  );
});

test('enqueue checks a declared type against its schema, one job or a file', async () => {
  const bad = await queuectl(
    ['enqueue', '--type', 'resize_image', '--payload', '{"url":"u"}'],
    env,
  );
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('invalid job: payload.width is required');

  const lines = [
    { job_type: 'resize_image', payload: { url: 'u', width: 10 } },
    { job_type: 'resize_image', payload: { url: 'u', width: 'wide' } },
  ]
    .map((job) => JSON.stringify(job))
    .join('\n');
  const file = await queuectl(['enqueue', '--file', '-', '--json'], env, lines);
  const summary = JSON.parse(file.stdout);
  expect(summary.submitted).toBe(1);
  expect(summary.rejected).toEqual([
    {
      line: 2,
      error: 'invalid job: payload.width must be a whole number',
      details: [{ path: 'payload.width', message: 'must be a whole number' }],
    },
  ]);
});
