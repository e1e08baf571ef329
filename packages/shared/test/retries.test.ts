// Retries: a failed attempt waits 2^n * BACKOFF_BASE_MS in `scheduled` (n = failed attempts so
// far) while attempts < max_attempts, then the job is `failed` with failed_at and last_error.

import { createFixture, eventually, testJobType, type QueueFixture } from './queue-fixture';

const BASE_MS = 50;

describe('retries with exponential backoff', () => {
  let fixture: QueueFixture;
  const attempts: { attempt: number; at: number }[] = [];

  beforeAll(() => {
    fixture = createFixture({
      jobTypes: testJobType(async (_payload, attempt) => {
        attempts.push({ attempt, at: Date.now() });
        throw new Error(`boom ${attempt}`);
      }),
    });
  });
  afterAll(() => fixture.close());

  it('waits 2^n * base between attempts, in the scheduled set, then fails for good', async () => {
    await fixture.startWorker({ backoffBaseMs: BASE_MS });
    const { job_id } = await fixture.queue.submit({
      job_type: 'test',
      payload: { n: 1 },
      max_attempts: 4,
    });

    // While it waits for its retry, the job is `scheduled` with its next attempt time.
    await eventually(
      async () => (await fixture.queue.get(job_id))?.status === 'scheduled',
      5000,
      'scheduled',
    );
    const waiting = await fixture.queue.get(job_id);
    expect(waiting?.next_attempt_at).not.toBeNull();
    expect(await fixture.redis.zscore(fixture.queue.keys.scheduled, job_id)).not.toBeNull();

    await eventually(
      async () => (await fixture.queue.get(job_id))?.status === 'failed',
      10_000,
      'failed',
    );
    const record = (await fixture.queue.get(job_id))!;
    expect(record.attempts).toBe(4);
    expect(record.last_error).toBe('boom 4');
    expect(record.failed_at).not.toBeNull();
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);

    // The delays Redis scheduled, read from the events stream: 2^1, 2^2, 2^3 times the base.
    const events = await fixture.queue.events('0', 1000);
    const delays = events.filter((e) => e.type === 'retrying').map((e) => e.message);
    expect(delays).toEqual([
      `Retrying job ${job_id} after 0.1 seconds (attempt 1)`,
      `Retrying job ${job_id} after 0.2 seconds (attempt 2)`,
      `Retrying job ${job_id} after 0.4 seconds (attempt 3)`,
    ]);
    expect(events.filter((e) => e.type === 'dead').map((e) => e.message)).toEqual([
      `Job ${job_id} permanently failed after 4 attempts`,
    ]);

    // No attempt ran before its backoff had passed.
    for (let i = 1; i < attempts.length; i++) {
      expect(attempts[i]!.at - attempts[i - 1]!.at).toBeGreaterThanOrEqual(2 ** i * BASE_MS - 5);
    }
    const stats = await fixture.queue.stats();
    expect(stats.counts.failed).toBe(1);
    expect(stats.totals).toMatchObject({ failed: 1, retried: 3, completed: 0 });
  });

  it('uses MAX_ATTEMPTS when a job does not say', async () => {
    // A default unlike the built-in one (3), so the job's attempts can only come from it.
    const twice = createFixture({
      maxAttempts: 2,
      jobTypes: testJobType(async () => {
        throw new Error('boom');
      }),
    });
    try {
      await twice.startWorker({ backoffBaseMs: BASE_MS });
      const { job_id } = await twice.queue.submit({ job_type: 'test', payload: { n: 2 } });
      await eventually(
        async () => (await twice.queue.get(job_id))?.status === 'failed',
        10_000,
        'failed',
      );
      expect(await twice.queue.get(job_id)).toMatchObject({ attempts: 2, max_attempts: 2 });
    } finally {
      await twice.close();
    }
  });
});
