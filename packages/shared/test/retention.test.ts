// How long the queue remembers: an idempotency key for IDEMPOTENCY_TTL_SECONDS (then the same key
// makes a new job), failed jobs for FAILED_JOB_TTL_SECONDS, longer than completed and cancelled
// ones, which go after JOB_TTL_SECONDS.
import { JobQueue } from '../src';
import { createFixture, eventually, testJobType, type QueueFixture } from './queue-fixture';

describe('retention', () => {
  let fixture: QueueFixture;
  let queue: JobQueue;
  beforeEach(() => {
    fixture = createFixture({
      jobTypes: testJobType(async ({ n }) => {
        if (n < 0) throw new Error('fails on purpose');
        return { n };
      }),
    });
    queue = new JobQueue({
      redis: fixture.redis,
      queueName: fixture.queueName,
      jobTypes: fixture.queue.jobTypes,
      maxAttempts: 1,
      jobTtlSeconds: 1,
      failedJobTtlSeconds: 4,
      idempotencyTtlSeconds: 1,
      eventsMaxLen: 1000,
    });
  });
  afterEach(() => fixture.close());

  it('an idempotency key names the first job until it expires, then makes a new one', async () => {
    const body = {
      job_type: 'test',
      payload: { n: 1 },
      idempotency_key: 'order-42',
      delay_ms: 60_000,
    };
    const first = await queue.submit(body);
    const again = await queue.submit(body);
    expect(again).toEqual({ ...first, created: false });
    await eventually(
      async () => (await fixture.redis.exists(`${queue.keys.prefix}idem:order-42`)) === 0,
      10_000,
      'the key expired',
    );
    const later = await queue.submit(body);
    expect(later.created).toBe(true);
    expect(later.job_id).not.toBe(first.job_id);
  });

  it('keeps failed jobs longer than completed and cancelled ones', async () => {
    const worker = await fixture.startWorker({
      jobTtlSeconds: 1,
      failedJobTtlSeconds: 4,
      leaseMs: 300,
    });
    const completed = (await queue.submit({ job_type: 'test', payload: { n: 1 } })).job_id;
    const failed = (await queue.submit({ job_type: 'test', payload: { n: -1 } })).job_id;
    const cancelled = (
      await queue.submit({ job_type: 'test', payload: { n: 2 }, delay_ms: 60_000 })
    ).job_id;
    await queue.cancel(cancelled);
    await eventually(async () => (await queue.get(failed))?.status === 'failed', 10_000, 'failed');
    await eventually(
      async () => (await queue.get(completed))?.status === 'completed',
      10_000,
      'done',
    );

    // After the shorter retention, the completed and cancelled jobs are gone, the failed one kept.
    await eventually(
      async () => (await queue.get(completed)) === null && (await queue.get(cancelled)) === null,
      10_000,
      'completed and cancelled forgotten',
    );
    expect((await queue.get(failed))?.status).toBe('failed');
    expect((await queue.stats()).counts).toMatchObject({ completed: 0, cancelled: 0, failed: 1 });
    // And then the failed one goes too.
    await eventually(async () => (await queue.get(failed)) === null, 10_000, 'failed forgotten');
    expect((await queue.stats()).counts).toMatchObject({ failed: 0 });
    await worker.stop();
  });
});
