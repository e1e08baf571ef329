// Pause and resume: the whole queue, or one job type. Paused work stays queued in order, running
// jobs finish, other types keep flowing; resuming wakes the workers at once.

import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  createRedis,
  defineJobType,
  JobQueue,
  NotFoundError,
  type JobType,
  type JobTypeRegistry,
} from '../src';
import { testRedisUrl } from '../../../test/support/redis-url';
import { createFixture, eventually, type QueueFixture } from './queue-fixture';

let fixture: QueueFixture;
const ran: string[] = [];

const typeNamed = (name: string, ms = 0): JobType =>
  defineJobType({
    name,
    payload: z.object({ n: z.number() }),
    async run({ n }) {
      await sleep(ms);
      ran.push(`${name} ${n}`);
      return null;
    },
  }) as JobType;
const registry: JobTypeRegistry = new Map(
  [typeNamed('alpha'), typeNamed('beta'), typeNamed('slowpoke', 300)].map((t) => [t.name, t]),
);

beforeEach(async () => {
  ran.length = 0;
  fixture = createFixture({ jobTypes: registry });
  await fixture.startWorker({ concurrency: 4 });
});
afterEach(() => fixture.close());

const submit = (jobType: string, n: number) =>
  fixture.queue.submit({ job_type: jobType, payload: { n } });
const status = async (id: string) => (await fixture.queue.get(id))?.status;

test('a paused queue starts nothing, a running job finishes, and resume runs the rest in order', async () => {
  const first = await submit('slowpoke', 0);
  await eventually(async () => (await status(first.job_id)) === 'processing');
  expect(await fixture.queue.pause()).toEqual({ queue: true, job_types: [], changed: true });
  const waiting = [];
  for (let n = 1; n <= 3; n++) waiting.push(await submit('alpha', n));
  await eventually(async () => (await status(first.job_id)) === 'completed');
  await sleep(200);
  expect((await fixture.queue.stats()).counts.queued).toBe(3);
  expect((await fixture.queue.stats()).paused).toEqual({ queue: true, job_types: [] });

  expect(await fixture.queue.resume()).toEqual({ queue: false, job_types: [], changed: true });
  await eventually(async () => (await fixture.queue.stats()).counts.completed === 4);
  expect(ran).toEqual(['slowpoke 0', 'alpha 1', 'alpha 2', 'alpha 3']);
});

test('a paused type waits while other types flow; resuming it wakes its workers', async () => {
  expect(await fixture.queue.pause('alpha')).toEqual({
    queue: false,
    job_types: ['alpha'],
    changed: true,
  });
  const held = await submit('alpha', 1);
  const flowing = await submit('beta', 2);
  await eventually(async () => (await status(flowing.job_id)) === 'completed');
  expect(await status(held.job_id)).toBe('queued');

  await fixture.queue.resume('alpha');
  await eventually(async () => (await status(held.job_id)) === 'completed', 3000);
  expect(ran).toEqual(['beta 2', 'alpha 1']);
});

test('pausing a type nobody knows is refused', async () => {
  await expect(fixture.queue.pause('nope')).rejects.toBeInstanceOf(NotFoundError);
});

test('a pause already in place keeps its start, and a repeated call says it changed nothing', async () => {
  expect((await fixture.queue.pause('alpha')).changed).toBe(true);
  const since = await fixture.redis.hget(fixture.queue.keys.paused, 'alpha');
  await sleep(5);
  expect(await fixture.queue.pause('alpha')).toEqual({
    queue: false,
    job_types: ['alpha'],
    changed: false,
  });
  expect(await fixture.redis.hget(fixture.queue.keys.paused, 'alpha')).toBe(since);
  expect((await fixture.queue.resume('alpha')).changed).toBe(true);
  expect(await fixture.queue.resume('alpha')).toEqual({
    queue: false,
    job_types: [],
    changed: false,
  });
});

test('each answer is what its own call left, while another process resumes', async () => {
  // A second API process: its own connection, so its calls fall between this one's.
  const redis = createRedis({ redisUrl: testRedisUrl() });
  const other = new JobQueue({
    redis,
    queueName: fixture.queueName,
    jobTypes: registry,
    maxAttempts: 3,
    jobTtlSeconds: 3600,
    failedJobTtlSeconds: 3600,
    idempotencyTtlSeconds: 3600,
    eventsMaxLen: 1000,
  });
  let racing = true;
  const resumer = (async () => {
    while (racing) await other.resume();
  })();
  try {
    for (let round = 0; round < 300; round++) {
      const paused = await fixture.queue.pause();
      expect(paused.queue).toBe(true);
    }
  } finally {
    racing = false;
    await resumer;
    redis.disconnect();
  }
});
