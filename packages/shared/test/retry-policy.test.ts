// Retry policies and the error history: a job's backoff comes from its submission, else its
// type's declaration, else the queue's doubling; a handler can fail a job at once; every failed
// attempt is kept in the record.

import { z } from 'zod';
import { defineJobType, UnrecoverableError, ValidationError, type JobTypeRegistry } from '../src';
import { createFixture, eventually, type QueueFixture } from './queue-fixture';

let fixture: QueueFixture;
let failWith: () => Error;

const flaky = defineJobType({
  name: 'flaky',
  payload: z.object({ n: z.number() }),
  backoff: { type: 'fixed', baseMs: 50 },
  async run() {
    throw failWith();
  },
});
/** Declares no backoff: the queue's doubling applies. */
const plain = defineJobType({
  name: 'plain',
  payload: z.object({ n: z.number() }),
  async run() {
    throw failWith();
  },
});
const registry: JobTypeRegistry = new Map([
  [flaky.name, flaky],
  [plain.name, plain],
]);

beforeEach(async () => {
  failWith = () => new Error('upstream said no');
  fixture = createFixture({ jobTypes: registry });
  await fixture.startWorker({ concurrency: 2 });
});
afterEach(() => fixture.close());

async function failedRecord(id: string) {
  await eventually(async () => (await fixture.queue.get(id))?.status === 'failed', 15_000);
  return (await fixture.queue.get(id))!;
}

async function retryMessages(id: string): Promise<string[]> {
  return (await fixture.queue.events('0', 1000))
    .filter((event) => event.type === 'retrying' && event.job_id === id)
    .map((event) => event.message);
}

test("a type's declared backoff applies; the error history keeps every failed attempt", async () => {
  const { job_id } = await fixture.queue.submit({ job_type: 'flaky', payload: { n: 1 } });
  const record = await failedRecord(job_id);
  expect(record.backoff).toEqual({ type: 'fixed', base_ms: 50 });
  expect(await retryMessages(job_id)).toEqual([
    `Retrying job ${job_id} after 0.05 seconds (attempt 1)`,
    `Retrying job ${job_id} after 0.05 seconds (attempt 2)`,
  ]);
  expect(record.errors.map(({ attempt, error }) => ({ attempt, error }))).toEqual([
    { attempt: 1, error: 'upstream said no' },
    { attempt: 2, error: 'upstream said no' },
    { attempt: 3, error: 'upstream said no' },
  ]);
  expect(record.errors.every(({ at }) => /^\d{4}-\d\d-\d\dT/.test(at))).toBe(true);
  expect(record.last_error).toBe('upstream said no');
});

test("a submission's backoff overrides the type's: exponential, capped at max_ms", async () => {
  const { job_id } = await fixture.queue.submit({
    job_type: 'flaky',
    payload: { n: 2 },
    max_attempts: 4,
    backoff: { type: 'exponential', base_ms: 100, max_ms: 250 },
  });
  await failedRecord(job_id);
  expect(await retryMessages(job_id)).toEqual([
    `Retrying job ${job_id} after 0.1 seconds (attempt 1)`,
    `Retrying job ${job_id} after 0.2 seconds (attempt 2)`,
    `Retrying job ${job_id} after 0.25 seconds (attempt 3)`,
  ]);
});

test('jitter takes up to its share off the delay', async () => {
  const { job_id } = await fixture.queue.submit({
    job_type: 'flaky',
    payload: { n: 3 },
    max_attempts: 2,
    backoff: { type: 'fixed', base_ms: 1000, jitter: 0.5 },
  });
  await failedRecord(job_id);
  const [message] = await retryMessages(job_id);
  const seconds = Number(/after ([\d.]+) seconds/.exec(message!)![1]);
  expect(seconds).toBeGreaterThan(0.5);
  expect(seconds).toBeLessThanOrEqual(1);
});

test('an UnrecoverableError fails the job at once, with attempts left', async () => {
  failWith = () => new UnrecoverableError('the image is not an image');
  const { job_id } = await fixture.queue.submit({ job_type: 'flaky', payload: { n: 4 } });
  const record = await failedRecord(job_id);
  expect(record).toMatchObject({
    attempts: 1,
    max_attempts: 3,
    last_error: 'the image is not an image',
  });
  expect(await retryMessages(job_id)).toEqual([]);
  const dead = (await fixture.queue.events('0', 1000)).filter(
    (event) => event.type === 'dead' && event.job_id === job_id,
  );
  expect(dead.map((event) => event.message)).toEqual([
    `Job ${job_id} permanently failed after 1 attempt (not retried: its handler said retrying cannot help)`,
  ]);
});

test('a bad backoff in a submission is refused, naming the field', async () => {
  const refusal = (await fixture.queue
    .submit({ job_type: 'flaky', payload: { n: 5 }, backoff: { type: 'linear', base_ms: 0 } })
    .catch((error: unknown) => error)) as ValidationError;
  expect(refusal).toBeInstanceOf(ValidationError);
  expect(refusal.details.map((d) => d.path).sort()).toEqual(['backoff.base_ms', 'backoff.type']);
});

test('a backoff whose max_ms is below its base_ms is refused, naming max_ms', async () => {
  const refusal = (await fixture.queue
    .submit({
      job_type: 'flaky',
      payload: { n: 6 },
      backoff: { type: 'exponential', base_ms: 5000, max_ms: 1000 },
    })
    .catch((error: unknown) => error)) as ValidationError;
  expect(refusal).toBeInstanceOf(ValidationError);
  expect(refusal.details).toEqual([
    { path: 'backoff.max_ms', message: 'must be at least base_ms' },
  ]);
});

describe('a retry waits at most 7 days, however many attempts came before', () => {
  const WEEK_SECONDS = 7 * 24 * 3600;

  /** Submits a job held back by a pause, as if it had already run `attempts` times. */
  async function failOnAttempt(jobType: string, attempts: number, backoff?: object) {
    await fixture.queue.pause(jobType);
    const { job_id } = await fixture.queue.submit({
      job_type: jobType,
      payload: { n: attempts },
      max_attempts: 100,
      ...(backoff ? { backoff } : {}),
    });
    await fixture.redis.hset(fixture.queue.keys.job(job_id), 'attempts', attempts);
    await fixture.queue.resume(jobType);
    await eventually(async () => (await fixture.queue.get(job_id))?.status === 'scheduled');
    return job_id;
  }

  test.each([
    [
      'an exponential backoff without max_ms',
      'flaky',
      { type: 'exponential', base_ms: 86_400_000 },
    ],
    ["the queue's default doubling", 'plain', undefined],
  ])('%s', async (_name, jobType, backoff) => {
    const job_id = await failOnAttempt(jobType, 60, backoff);
    expect(await retryMessages(job_id)).toEqual([
      `Retrying job ${job_id} after ${WEEK_SECONDS} seconds (attempt 61)`,
    ]);
    // Before the cap, the due time lay past any date and the record could not be read.
    const record = (await fixture.queue.get(job_id))!;
    const dueInSeconds = (Date.parse(record.next_attempt_at!) - Date.now()) / 1000;
    expect(dueInSeconds).toBeGreaterThan(WEEK_SECONDS - 60);
    expect(dueInSeconds).toBeLessThanOrEqual(WEEK_SECONDS);
  });
});
