// Finished jobs are kept for their retention time and then forgotten everywhere: a completed
// record goes together with its entry in the index of completed jobs (a stream), even on an idle
// queue, and the index of every job is trimmed by age, so /stats counts and listings match the
// records kept. Both indexes list newest first across pages without gaps or repeats.

import { setTimeout as sleep } from 'node:timers/promises';
import { JobQueue, Worker, type JobPage } from '../src';
import { Acknowledger } from '../src/acknowledger';
import { JobFetcher } from '../src/fetcher';
import { runScript } from '../src/scripts';
import {
  createFixture,
  eventually,
  silentLogger,
  testJobType,
  type QueueFixture,
} from './queue-fixture';

describe('finished jobs', () => {
  let fixture: QueueFixture;
  beforeEach(() => {
    fixture = createFixture({ jobTypes: testJobType(async ({ n }) => ({ n })) });
  });
  afterEach(() => fixture.close());

  /** A client and a worker of the fixture's queue keeping finished jobs `ttlSeconds`. */
  const keeping = (ttlSeconds: number) => ({
    queue: new JobQueue({
      redis: fixture.redis,
      queueName: fixture.queueName,
      jobTypes: fixture.queue.jobTypes,
      maxAttempts: 3,
      jobTtlSeconds: ttlSeconds,
      failedJobTtlSeconds: ttlSeconds,
      idempotencyTtlSeconds: 3600,
      eventsMaxLen: 10_000,
    }),
    worker: () =>
      new Worker({
        redis: fixture.redis,
        queueName: fixture.queueName,
        jobTypes: fixture.queue.jobTypes,
        logger: silentLogger,
        concurrency: 1,
        leaseMs: 2000,
        backoffBaseMs: 1000,
        shutdownTimeoutMs: 2000,
        jobTtlSeconds: ttlSeconds,
        failedJobTtlSeconds: ttlSeconds,
        eventsMaxLen: 10_000,
      }),
  });
  const submit = async (queue: JobQueue, n: number) =>
    (await queue.submit({ job_type: 'test', payload: { n } })).job_id;
  const allPages = async (query: Record<string, string>) => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: JobPage = await fixture.queue.list({ ...query, ...(cursor ? { cursor } : {}) });
      ids.push(...page.jobs.map((job) => job.job_id));
      cursor = page.next_cursor;
    } while (cursor);
    return ids;
  };

  it('list newest first across pages, every job by creation and completed ones by finish', async () => {
    const { queue, worker } = keeping(3600);
    const ids: string[] = [];
    for (let n = 0; n < 7; n++) ids.push(await submit(queue, n));
    await worker().runUntilIdle();

    expect(await allPages({ limit: '3' })).toEqual([...ids].reverse());
    const completed = await allPages({ status: 'completed', limit: '2' });
    expect(completed).toHaveLength(7);
    const finishTimes = await Promise.all(
      completed.map(async (id) => (await fixture.queue.get(id))!.completed_at!),
    );
    expect(finishTimes).toEqual([...finishTimes].sort().reverse());
    expect((await fixture.queue.stats()).counts.completed).toBe(7);
  });

  it('list across pages that stop inside an index entry, without gaps or repeats', async () => {
    const { queue } = keeping(3600);
    // One submit call and one complete call: each index gets one entry holding all ten ids.
    const ids = (
      await queue.submitMany(
        Array.from({ length: 10 }, (_, n) => ({ job_type: 'test', payload: { n } })),
      )
    ).map((result) => result.job_id);
    await fixture.startWorker({ concurrency: 10 });
    await eventually(
      async () => (await fixture.queue.stats()).counts.completed === 10,
      10_000,
      'all completed',
    );
    expect(await fixture.redis.xlen(fixture.queue.keys.created)).toBe(1);

    expect(await allPages({ limit: '3' })).toEqual([...ids].reverse());
    const completed = await allPages({ status: 'completed', limit: '4' });
    expect([...completed].sort()).toEqual([...ids].sort());
  });

  it('are forgotten by the record, the indexes and the counts after their retention', async () => {
    const { queue, worker } = keeping(1);
    const old = [await submit(queue, 1), await submit(queue, 2)];
    await worker().runUntilIdle();
    expect((await fixture.queue.stats()).counts.completed).toBe(2);

    await sleep(1100);
    // Trimming happens as new jobs come and finish.
    const fresh = await submit(queue, 3);
    await worker().runUntilIdle();

    for (const id of old) expect(await fixture.queue.get(id)).toBeNull();
    expect((await fixture.queue.stats()).counts.completed).toBe(1);
    expect(await allPages({ status: 'completed' })).toEqual([fresh]);
    expect(await allPages({})).toEqual([fresh]);
    expect(await fixture.redis.xlen(fixture.queue.keys.completed)).toBe(1);
    expect(await fixture.redis.xlen(fixture.queue.keys.created)).toBe(1);
  });

  it('are forgotten on an idle queue too, by the running workers', async () => {
    const { queue } = keeping(1);
    const ids = [await submit(queue, 1), await submit(queue, 2)];
    await fixture.startWorker({ jobTtlSeconds: 1, leaseMs: 300 });
    await eventually(
      async () => (await fixture.queue.stats()).counts.completed === 2,
      10_000,
      'both completed',
    );
    // No job comes or finishes any more: the workers' periodic call does the forgetting.
    await eventually(
      async () => (await fixture.queue.stats()).counts.completed === 0,
      10_000,
      'completed jobs forgotten',
    );
    for (const id of ids) expect(await fixture.queue.get(id)).toBeNull();
  });

  it('failed and cancelled ones leave the counts and listings when their records expire', async () => {
    const { queue } = keeping(1);
    const failing = await queue.submit({ job_type: 'test', payload: { n: 1 }, max_attempts: 1 });
    const cancelled = await submit(queue, 2);
    await queue.cancel(cancelled);
    const fetcher = new JobFetcher(fixture.redis, queue.keys, {
      workerId: 'w',
      leaseMs: 2000,
      eventsMaxLen: 10_000,
      blockTimeoutMs: 100,
      jobTypes: ['test'],
    });
    const [claimed] = await fetcher.claim(1);
    const k = queue.keys;
    await runScript(fixture.redis, 'fail', k, [
      k.prefix,
      claimed!.id,
      claimed!.leaseToken,
      'broken',
      1000,
      1,
      10_000,
    ]);
    await fetcher.close();
    expect((await queue.stats()).counts).toMatchObject({ failed: 1, cancelled: 1 });

    // Nothing fails or is cancelled after them: only their records' expiry says they are gone.
    await eventually(
      async () => (await fixture.queue.get(failing.job_id)) === null,
      10_000,
      'the records expire',
    );
    await eventually(async () => (await fixture.queue.get(cancelled)) === null, 10_000, 'expiry');
    // A listing first, so it trims the indexes itself (not an earlier /stats): no page with a
    // cursor to nothing.
    for (const status of ['failed', 'cancelled']) {
      expect(await queue.list({ status })).toEqual({ jobs: [], next_cursor: null });
    }
    expect((await queue.stats()).counts).toMatchObject({ failed: 0, cancelled: 0 });
    expect(await queue.list({})).toEqual({ jobs: [], next_cursor: null });
  });

  it('that age out in a burst are forgotten over several calls, none left behind', async () => {
    // Kept an hour while they run; the calls below forget what is older than 1 s.
    const { queue, worker } = keeping(3600);
    for (let batch = 0; batch < 3; batch++) {
      await queue.submitMany(
        Array.from({ length: 1000 }, (_, n) => ({ job_type: 'test', payload: { n } })),
      );
    }
    const drainer = worker();
    await drainer.runUntilIdle();
    expect((await fixture.queue.stats()).counts.completed).toBe(3000);
    await sleep(1100);

    const k = fixture.queue.keys;
    const forget = () => runScript(fixture.redis, 'complete', k, [k.prefix, 1, 10_000, 0, '']);
    const jobKeys = async () => (await fixture.redis.keys(`${k.prefix}job:*`)).length;
    await forget();
    // About 2,000 per call (whole index entries), and the count keeps exactly to the records left.
    const left = await jobKeys();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(1000);
    expect((await fixture.queue.stats()).counts.completed).toBe(left);
    expect(await allPages({ status: 'completed', limit: '500' })).toHaveLength(left);
    await forget();
    expect(await jobKeys()).toBe(0);
    expect((await fixture.queue.stats()).counts.completed).toBe(0);
    expect(await fixture.redis.xlen(k.completed)).toBe(0);
  }, 30_000);

  it('enter the completed index only when their completion was recorded', async () => {
    const { queue } = keeping(3600);
    const [first, second] = (
      await queue.submitMany([
        { job_type: 'test', payload: { n: 1 } },
        { job_type: 'test', payload: { n: 2 } },
      ])
    ).map((result) => result.job_id);
    const fetcher = new JobFetcher(fixture.redis, fixture.queue.keys, {
      workerId: 'index-test',
      leaseMs: 5000,
      eventsMaxLen: 1000,
      blockTimeoutMs: 100,
      jobTypes: ['test'],
    });
    const jobs = await fetcher.claim(2);
    await fetcher.close();
    const acks = new Acknowledger(fixture.redis, fixture.queue.keys, {
      backoffBaseMs: 1000,
      jobTtlSeconds: 3600,
      failedJobTtlSeconds: 3600,
      eventsMaxLen: 1000,
      onRedisError: () => undefined,
    });
    // One call: the first completion is fenced off by a token that is not the lease's.
    const [lost, recorded] = await Promise.all([
      acks.complete({ ...jobs.find((job) => job.id === first)!, leaseToken: 'stale' }, null),
      acks.complete(
        jobs.find((job) => job.id === second)!,
        null,
      ),
    ]);
    expect({ lost, recorded }).toEqual({ lost: false, recorded: true });
    expect(await allPages({ status: 'completed' })).toEqual([second]);
    expect((await fixture.queue.stats()).counts.completed).toBe(1);
  });

  it('keep no copy of their id or lease in the record', async () => {
    const { queue, worker } = keeping(3600);
    const id = await submit(queue, 1);
    await worker().runUntilIdle();
    const fields = Object.keys(await fixture.redis.hgetall(fixture.queue.keys.job(id))).sort();
    expect(fields).toEqual(
      [
        'attempts',
        'completed_at',
        'created_at',
        'job_type',
        'max_attempts',
        'payload',
        'picked_at',
        'priority',
        'result',
        'status',
      ].sort(),
    );
    expect(await fixture.queue.get(id)).toMatchObject({ job_id: id, status: 'completed' });
  });
});
