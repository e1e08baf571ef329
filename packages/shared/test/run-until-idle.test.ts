// Worker.runUntilIdle (queuectl run): runs what is ready now, including scheduled jobs already
// due and work that arrives while its jobs run, then stops; jobs due later stay scheduled.

import { Worker, type JobRecord } from '../src';
import { createFixture, silentLogger, testJobType, type QueueFixture } from './queue-fixture';

describe('Worker.runUntilIdle', () => {
  let fixture: QueueFixture;
  const ran: number[] = [];
  let onRun: (n: number) => Promise<void> = async () => undefined;

  beforeEach(() => {
    ran.length = 0;
    onRun = async () => undefined;
    fixture = createFixture({
      jobTypes: testJobType(async ({ n }) => {
        ran.push(n);
        await onRun(n);
        if (n < 0) throw new Error(`job ${n} fails`);
        return { n };
      }),
    });
  });
  afterEach(() => fixture.close());

  const drainingWorker = (concurrency = 1, backoffBaseMs = 60_000) =>
    new Worker({
      redis: fixture.redis,
      queueName: fixture.queueName,
      jobTypes: fixture.queue.jobTypes,
      logger: silentLogger,
      concurrency,
      leaseMs: 2000,
      backoffBaseMs,
      shutdownTimeoutMs: 2000,
      jobTtlSeconds: 3600,
      failedJobTtlSeconds: 3600,
      eventsMaxLen: 10_000,
    });
  const submit = async (n: number, extra: object = {}) =>
    (await fixture.queue.submit({ job_type: 'test', payload: { n }, ...extra })).job_id;
  const status = async (id: string) => ((await fixture.queue.get(id)) as JobRecord).status;

  it('runs every ready job, most urgent first, then resolves with nothing left running', async () => {
    const low = await submit(1, { priority: 'low' });
    const high = await submit(2, { priority: 'high' });
    const normal = await submit(3);
    const worker = drainingWorker();
    await worker.runUntilIdle();
    expect(ran).toEqual([2, 3, 1]);
    for (const id of [low, high, normal]) expect(await status(id)).toBe('completed');
    expect(worker.activeJobs).toBe(0);
    // It deregistered itself like any stopped worker.
    expect(await fixture.redis.zcard(fixture.queue.keys.workers)).toBe(0);
  });

  it('waits for its running jobs and claims what they submitted before it stops', async () => {
    onRun = async (n) => {
      // Well after the worker found the queue empty: it must still be there to claim job 2.
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (n === 1) await submit(2);
    };
    await submit(1);
    await drainingWorker(4).runUntilIdle();
    expect(ran).toEqual([1, 2]);
    expect((await fixture.queue.stats()).counts.completed).toBe(2);
  });

  it('runs scheduled jobs that are already due', async () => {
    const id = await submit(1, { delay_ms: 1 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await status(id)).toBe('scheduled');
    await drainingWorker().runUntilIdle();
    expect(await status(id)).toBe('completed');
  });

  it('leaves jobs due later, and retries waiting for their backoff, scheduled', async () => {
    const later = await submit(1, { delay_ms: 60_000 });
    const failing = await submit(-1, { max_attempts: 3 });
    await drainingWorker().runUntilIdle();
    expect(ran).toEqual([-1]);
    expect(await status(later)).toBe('scheduled');
    const retry = (await fixture.queue.get(failing)) as JobRecord;
    expect(retry.status).toBe('scheduled');
    expect(retry.attempts).toBe(1);
    expect(retry.last_error).toBe('job -1 fails');
  });

  it('resolves at once on an empty queue', async () => {
    await drainingWorker().runUntilIdle();
    expect(ran).toEqual([]);
  });
});
