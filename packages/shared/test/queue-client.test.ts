// JobQueue operations: submission checks, idempotency, scheduling, bulk all-or-nothing, listing
// with cursors, cancel and retry with their conflicts, stats.

import { ConflictError, NotFoundError, ValidationError } from '../src';
import { createFixture, eventually, testJobType, type QueueFixture } from './queue-fixture';

const job = (n: number, extra: Record<string, unknown> = {}) => ({
  job_type: 'test',
  payload: { n },
  ...extra,
});

describe('JobQueue', () => {
  let fixture: QueueFixture;
  beforeAll(() => {
    fixture = createFixture({ jobTypes: testJobType(async ({ n }) => ({ doubled: n * 2 })) });
  });
  afterAll(() => fixture.close());

  it('returns a record with the priority as given and microsecond ISO timestamps', async () => {
    const { job_id, status, created } = await fixture.queue.submit(
      job(1, { priority: 7, max_attempts: 5 }),
    );
    expect({ status, created }).toEqual({ status: 'queued', created: true });
    const record = await fixture.queue.get(job_id);
    expect(record).toMatchObject({
      job_id,
      job_type: 'test',
      priority: 7,
      payload: { n: 1 },
      status: 'queued',
      attempts: 0,
      max_attempts: 5,
    });
    expect(record?.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(record?.picked_at).toBeNull();
  });

  it('names every problem of a bad submission and stores nothing', async () => {
    const before = await fixture.queue.stats();
    const attempt = fixture.queue.submit({
      job_type: 'nope',
      priority: 11,
      payload: { n: 1 },
      status: 'completed',
    });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    const error = (await attempt.catch((e: unknown) => e)) as ValidationError;
    expect(error.details.map((d) => d.path).sort()).toEqual(['job_type', 'priority', 'status']);
    await expect(fixture.queue.submit(job(1.5))).rejects.toThrow(/payload\.n/);
    await expect(fixture.queue.submit({ job_type: 'test' })).rejects.toThrow(/payload is required/);
    expect((await fixture.queue.stats()).totals.submitted).toBe(before.totals.submitted);
  });

  it('answers a repeated idempotency key with the first job', async () => {
    const first = await fixture.queue.submit(job(2, { idempotency_key: 'order-42' }));
    const again = await fixture.queue.submit(job(3, { idempotency_key: 'order-42' }));
    expect(again).toEqual({ job_id: first.job_id, status: first.status, created: false });
    expect((await fixture.queue.get(first.job_id))?.payload).toEqual({ n: 2 });
  });

  it('submits in bulk all or nothing', async () => {
    const before = (await fixture.queue.stats()).totals.submitted;
    await expect(
      fixture.queue.submitMany([job(1), job(2), { job_type: 'test', payload: { n: 'x' } }]),
    ).rejects.toThrow(/jobs\.2\.payload\.n/);
    expect((await fixture.queue.stats()).totals.submitted).toBe(before);
    const results = await fixture.queue.submitMany([job(10), job(11, { delay_ms: 60_000 })]);
    expect(results.map((r) => r.status)).toEqual(['queued', 'scheduled']);
    expect((await fixture.queue.stats()).totals.submitted).toBe(before + 2);
  });

  it('lists newest first across pages without gaps or repeats', async () => {
    const page = async (cursor?: string) =>
      fixture.queue.list({ status: 'queued', limit: '3', ...(cursor ? { cursor } : {}) });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const result = await page(cursor);
      seen.push(...result.jobs.map((j) => j.job_id));
      cursor = result.next_cursor ?? undefined;
    } while (cursor);
    const queued = await fixture.redis.zrange(fixture.queue.keys.queued, 0, -1);
    expect(seen).toEqual([...queued].reverse());
    await expect(fixture.queue.list({ cursor: 'garbage' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('cancels queued and scheduled jobs, refuses finished ones, and retries them', async () => {
    const scheduled = await fixture.queue.submit(job(20, { delay_ms: 60_000 }));
    const cancelled = await fixture.queue.cancel(scheduled.job_id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancelled_at).not.toBeNull();
    await expect(fixture.queue.cancel(scheduled.job_id)).rejects.toBeInstanceOf(ConflictError);
    await expect(
      fixture.queue.retry((await fixture.queue.submit(job(21))).job_id),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      fixture.queue.cancel('01a207a9-c06e-736f-9aab-0569da66fd9e'),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(fixture.queue.cancel('../../etc/passwd')).rejects.toBeInstanceOf(ValidationError);

    const retried = await fixture.queue.retry(scheduled.job_id);
    expect(retried).toMatchObject({ status: 'queued', attempts: 0, cancelled_at: null });
    await fixture.startWorker({ concurrency: 5 });
    await eventually(
      async () => (await fixture.queue.get(scheduled.job_id))?.status === 'completed',
      10_000,
      'retried job completed',
    );
    expect((await fixture.queue.get(scheduled.job_id))?.result).toEqual({ doubled: 40 });
    await expect(fixture.queue.cancel(scheduled.job_id)).rejects.toThrow(/is completed/);
  });

  it('counts jobs per status and live workers', async () => {
    await eventually(
      async () => (await fixture.queue.stats()).counts.queued === 0,
      10_000,
      'queue drained',
    );
    const stats = await fixture.queue.stats();
    expect(stats.queue).toBe(fixture.queueName);
    expect(stats.workers).toBe(1);
    expect(stats.counts.completed).toBeGreaterThan(0);
    expect(stats.counts.scheduled).toBe(1);
  });
});
