// The job-type registry in Redis: workers declare the types they run (name, description, payload
// JSON Schema from zod, defaults); a queue that knows none of them checks submissions against the
// registered schemas, names every problem, lists the known types for an undeclared one, and keeps
// accepting a type whose workers are gone. The newest declaration of a name wins.
import Redis from 'ioredis';
import pino from 'pino';
import { Writable } from 'node:stream';
import { z } from 'zod';
import {
  checkDeclaration,
  createJobTypes,
  createRedis,
  JobQueue,
  PRODUCT_JOB_TYPES,
  ValidationError,
  Worker,
  type JobType,
  type JobTypeRegistry,
  type RedisClient,
} from '../src';
import { testRedisUrl, uniqueQueueName } from '../../../test/support/redis-url';

const builtIn = createJobTypes({
  mockEmail: { delayMs: 0, failureRate: 0 },
  allowShellJobs: false,
});

function resizeType(payload: z.ZodType, defaults: JobType['defaults'] = {}): JobType {
  return {
    name: 'resize_image',
    description: 'Resizes an image',
    payloadSchema: payload,
    defaults,
    run: async () => ({ ok: true }),
  };
}

const resizePayload = z.object({ url: z.string(), width: z.number().int().positive() });

let redis: RedisClient;
let queueName: string;
const workers: Worker[] = [];
const logLines: Record<string, unknown>[] = [];

beforeEach(() => {
  redis = createRedis({ redisUrl: testRedisUrl() });
  queueName = uniqueQueueName('types');
  logLines.length = 0;
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  redis.disconnect();
});

/** A queue with only the built-in types, as the API has: it knows resize_image from Redis alone. */
function apiQueue(): JobQueue {
  return new JobQueue({
    redis,
    queueName,
    jobTypes: builtIn,
    maxAttempts: 3,
    jobTtlSeconds: 3600,
    failedJobTtlSeconds: 3600,
    idempotencyTtlSeconds: 3600,
    eventsMaxLen: 1000,
  });
}

async function startWorker(types: JobType[], id: string): Promise<Worker> {
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const worker = new Worker({
    redis,
    queueName,
    jobTypes: new Map(types.map((type) => [type.name, type])) as JobTypeRegistry,
    logger,
    concurrency: 1,
    leaseMs: 2000,
    backoffBaseMs: 20,
    shutdownTimeoutMs: 1000,
    jobTtlSeconds: 3600,
    failedJobTtlSeconds: 3600,
    eventsMaxLen: 1000,
    workerId: id,
  });
  await worker.start();
  workers.push(worker);
  return worker;
}

async function problems(queue: JobQueue, body: unknown): Promise<ValidationError> {
  const error = await queue.submit(body).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

test('a worker declares its types; the queue lists them with schema, defaults and live workers', async () => {
  await startWorker([resizeType(resizePayload, { max_attempts: 5, priority: 'high' })], 'w-1');
  const types = await apiQueue().listJobTypes();
  const resize = types.find((type) => type.job_type === 'resize_image');
  expect(resize).toMatchObject({
    description: 'Resizes an image',
    defaults: { max_attempts: 5, priority: 'high' },
    workers: 1,
    declared_by: 'w-1',
    payload_schema: {
      type: 'object',
      properties: { url: { type: 'string' }, width: { type: 'integer', exclusiveMinimum: 0 } },
      required: ['url', 'width'],
    },
  });
  // The built-in type is listed too; shell, switched off here, is not.
  expect(types.map((type) => type.job_type)).toEqual(['resize_image', 'send_email']);
});

test('submissions of a declared type are checked against its schema, every problem named', async () => {
  await startWorker([resizeType(resizePayload)], 'w-1');
  const queue = apiQueue();
  const error = await problems(queue, {
    job_type: 'resize_image',
    payload: { width: 2.5, extra: true },
  });
  expect(error.details).toEqual(
    expect.arrayContaining([
      { path: 'payload.url', message: 'is required' },
      { path: 'payload.width', message: 'must be a whole number' },
    ]),
  );
  const accepted = await queue.submit({
    job_type: 'resize_image',
    payload: { url: 'https://example.com/a.png', width: 200 },
  });
  expect(accepted.status).toBe('queued');
});

test("a type's declared defaults apply to submissions that leave them out", async () => {
  await startWorker([resizeType(resizePayload, { max_attempts: 7, priority: 'low' })], 'w-1');
  const queue = apiQueue();
  const { job_id } = await queue.submit({
    job_type: 'resize_image',
    payload: { url: 'u', width: 1 },
  });
  expect(await queue.getOrThrow(job_id)).toMatchObject({ max_attempts: 7, priority: 'low' });
  const explicit = await queue.submit({
    job_type: 'resize_image',
    payload: { url: 'u', width: 1 },
    max_attempts: 2,
    priority: 'high',
  });
  expect(await queue.getOrThrow(explicit.job_id)).toMatchObject({
    max_attempts: 2,
    priority: 'high',
  });
});

test('a type nobody declared is refused, naming the known types', async () => {
  await startWorker([resizeType(resizePayload)], 'w-1');
  const error = await problems(apiQueue(), { job_type: 'resize_imag', payload: {} });
  expect(error.details[0]).toEqual({
    path: 'job_type',
    message: '"resize_imag" is not a known job type (known: http, resize_image, send_email, shell)',
  });
});

test('a type whose workers are all gone is still accepted, and listed with no workers', async () => {
  const worker = await startWorker([resizeType(resizePayload)], 'w-1');
  await worker.stop();
  workers.splice(workers.indexOf(worker), 1);
  const queue = apiQueue();
  const accepted = await queue.submit({
    job_type: 'resize_image',
    payload: { url: 'u', width: 3 },
  });
  expect(accepted.status).toBe('queued');
  const resize = (await queue.listJobTypes()).find((type) => type.job_type === 'resize_image');
  expect(resize?.workers).toBe(0);
});

test('the newest declaration of a name wins and the change is logged', async () => {
  const queue = apiQueue();
  await startWorker([resizeType(resizePayload)], 'w-old');
  await queue.refreshJobTypes();
  const before = await queue.submit({ job_type: 'resize_image', payload: { url: 'u', width: 3 } });

  const widened = z.object({
    url: z.string(),
    width: z.number().int().positive(),
    height: z.number(),
  });
  await startWorker([resizeType(widened)], 'w-new');
  expect(logLines).toContainEqual(
    expect.objectContaining({
      job_type: 'resize_image',
      msg: expect.stringMatching(/^Job type resize_image declared anew/),
    }),
  );
  await queue.refreshJobTypes();
  const error = await problems(queue, {
    job_type: 'resize_image',
    payload: { url: 'u', width: 3 },
  });
  expect(error.details).toEqual([{ path: 'payload.height', message: 'is required' }]);
  // A job accepted under the old declaration keeps its payload.
  expect((await queue.getOrThrow(before.job_id)).payload).toEqual({ url: 'u', width: 3 });
  const resize = (await queue.listJobTypes()).find((type) => type.job_type === 'resize_image');
  expect(resize).toMatchObject({ declared_by: 'w-new', workers: 2 });
});

test('a bad declaration stops the worker from starting, naming the problem', async () => {
  const badName = { ...resizeType(resizePayload), name: 'resize image!' };
  await expect(startWorker([badName], 'w-bad')).rejects.toThrow(
    /job_type must be 1-100 letters, digits, _ \. or -, starting with a letter/,
  );
  const notJsonSchema = resizeType(z.object({ at: z.date() }));
  await expect(startWorker([notJsonSchema], 'w-bad-2')).rejects.toThrow(
    /payload schema cannot be written as JSON Schema/,
  );
  // The type named once (before: 'invalid job type "resize_image" "resize_image": ...').
  await expect(startWorker([resizeType(z.string())], 'w-bad-3')).rejects.toThrow(
    'invalid job type "resize_image": payload_schema must describe a JSON object',
  );
  expect((await apiQueue().listJobTypes()).map((type) => type.job_type)).toEqual(['send_email']);
});

test("the names no one else may declare are the product's own types", () => {
  expect([...builtIn.keys()].sort()).toEqual([...PRODUCT_JOB_TYPES].sort());
});

test('an entry in the registry that is not a declaration is passed over, not an error', async () => {
  await startWorker([resizeType(resizePayload)], 'w-1');
  await redis.hset(`jq:{${queueName}}:types`, 'broken', '{not json', 'odd', '"a string"');
  await redis.hset(`jq:{${queueName}}:type_workers`, 'w-2', 'nonsense');
  const names = (await apiQueue().listJobTypes()).map((type) => type.job_type);
  expect(names).toEqual(['resize_image', 'send_email']);
});

test('a declaration with a schema that is not JSON Schema, or too large, is refused naming it', () => {
  const declare = (payload_schema: unknown) =>
    checkDeclaration({ job_type: 'resize_image', payload_schema });
  expect(() => declare({ type: 'object', properties: { url: { type: 'no-such-type' } } })).toThrow(
    /payload_schema is not a valid JSON Schema/,
  );
  const huge = { type: 'object', description: 'x'.repeat(70 * 1024) };
  expect(() => declare(huge)).toThrow(/payload_schema must be at most 65536 bytes of JSON/);
  expect(() => declare({ type: 'string' })).toThrow(
    /payload_schema must describe a JSON object \("type": "object"\): every payload is one/,
  );
  expect(declare({ type: 'object' }).job_type).toBe('resize_image');
  expect(declare({}).job_type).toBe('resize_image');
  // A field of the wrong type is named as such (before: "is required").
  const wrong = (() => {
    try {
      checkDeclaration({
        job_type: 'resize_image',
        payload_schema: { type: 'object' },
        description: 5,
        limits: { max_concurrency: '2' },
      });
    } catch (error) {
      return (error as ValidationError).details;
    }
  })();
  expect(wrong).toEqual([
    { path: 'description', message: 'must be a string' },
    { path: 'limits.max_concurrency', message: 'must be a number' },
  ]);
});

test('a type declared a moment after the registry was read is accepted at once', async () => {
  const queue = apiQueue();
  await queue.refreshJobTypes();
  await startWorker([resizeType(resizePayload)], 'w-1');
  const accepted = await queue.submit({
    job_type: 'resize_image',
    payload: { url: 'u', width: 1 },
  });
  expect(accepted.status).toBe('queued');
});

test('a pattern that backtracks catastrophically is matched in linear time; one RE2 cannot run is refused', async () => {
  const { compileSchema, payloadProblems, SchemaError } =
    await import('../src/job-types/payload-validator');
  const validate = compileSchema({
    type: 'object',
    properties: { s: { type: 'string', pattern: '^(a+)+$' } },
  });
  // 40 a's and a b: JavaScript's own engine would take hours on this.
  expect(payloadProblems(validate, { s: `${'a'.repeat(40)}b` }, 'payload')).toEqual([
    { path: 'payload.s', message: expect.stringContaining('must match pattern') },
  ]);
  expect(payloadProblems(validate, { s: 'aaaa' }, 'payload')).toEqual([]);
  expect(() => compileSchema({ type: 'string', pattern: '^(?=a)a$' })).toThrow(SchemaError);
});

test('submissions naming types nobody declared read those names, and the whole registry at most once a second', async () => {
  await startWorker([resizeType(resizePayload)], 'w-1');
  const queue = apiQueue();
  await queue.refreshJobTypes();
  const typesKey = queue.keys.types;
  const monitor = await new Redis(testRedisUrl()).monitor();
  const reads: string[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[1] === typesKey) reads.push(String(args[0]).toLowerCase());
  });
  const started = Date.now();
  const submissions = 30;
  for (let i = 0; i < submissions; i++) {
    await problems(queue, { job_type: `nope_${i}`, payload: {} });
  }
  const seconds = Math.ceil((Date.now() - started) / 1000);
  await new Promise((resolve) => setTimeout(resolve, 100)); // the monitor's last lines
  monitor.disconnect();
  // Before, each one read the whole registry.
  expect(reads.filter((command) => command === 'hgetall').length).toBeLessThanOrEqual(seconds);
  expect(reads.filter((command) => command === 'hmget').length).toBeGreaterThan(0);
  // The refusal still names the types declared.
  const error = await problems(queue, { job_type: 'resize_imag', payload: {} });
  expect(error.details[0]!.message).toContain('resize_image');
});
