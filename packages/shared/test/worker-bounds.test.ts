// A busy worker keeps several claims in flight and sends its next claim before it starts the jobs
// of the last one, so Redis works on claims while the worker runs jobs. That must never cost a
// guarantee: no more jobs at once than the worker's concurrency, and a stop in the middle of a
// drain runs every job it leased, those of claims still in flight included.

import { JobFetcher, type ClaimedJob } from '../src/fetcher';
import { createFixture, eventually, testJobType, type QueueFixture } from './queue-fixture';

describe('a busy worker', () => {
  let fixture: QueueFixture;
  let running = 0;
  let mostAtOnce = 0;
  let handlerDelayMs = 0;
  let holdFirst: (n: number) => Promise<void> = async () => {};
  const ran = new Set<number>();

  beforeEach(() => {
    running = 0;
    mostAtOnce = 0;
    handlerDelayMs = 0;
    holdFirst = async () => {};
    ran.clear();
    fixture = createFixture({
      jobTypes: testJobType(async ({ n }) => {
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        ran.add(n);
        await holdFirst(n);
        if (handlerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, handlerDelayMs));
        else await Promise.resolve();
        running--;
      }),
    });
  });
  afterEach(() => fixture.close());

  const submitMany = async (count: number) => {
    for (let first = 0; first < count; first += 500) {
      const jobs = [];
      for (let n = first; n < Math.min(count, first + 500); n++)
        jobs.push({ job_type: 'test', payload: { n } });
      await fixture.queue.submitMany(jobs);
    }
  };
  const counts = async () => (await fixture.queue.stats()).counts;

  it('never runs more jobs at once than its concurrency, and fills every slot', async () => {
    // The first ten jobs hold their slots until all ten run at once: a worker that could not
    // fill every slot never gets past them.
    let allRunning: () => void = () => {};
    const full = new Promise<void>((resolve) => (allRunning = resolve));
    holdFirst = async (n) => {
      if (running === 10) allRunning();
      if (n < 10) await full;
    };
    await submitMany(600);
    await fixture.startWorker({ concurrency: 10 });
    await eventually(async () => (await counts()).completed === 600, 20_000, '600 completions');
    expect(ran.size).toBe(600);
    expect(mostAtOnce).toBe(10);
  });

  it('runs at most one job at a time at concurrency 1', async () => {
    await submitMany(200);
    await fixture.startWorker({ concurrency: 1 });
    await eventually(async () => (await counts()).completed === 200, 20_000, '200 completions');
    expect(mostAtOnce).toBe(1);
  });

  /**
   * A worker of 7 slots (claims of 3) that ran 30 quick jobs, then seven jobs that hold every
   * slot until `releaseHeld` is called, submitted together with jobs numbered `behind` (their
   * ids, in order, are `behindIds`).
   */
  const sevenHeldAfterQuickOnes = async (overrides = {}, behind: number[] = []) => {
    await submitMany(30);
    const worker = await fixture.startWorker({ concurrency: 7, ...overrides });
    await eventually(async () => (await counts()).completed === 30, 10_000, '30 completions');
    let releaseHeld: () => void = () => {};
    const heldUntil = new Promise<void>((resolve) => (releaseHeld = resolve));
    holdFirst = async (n) => {
      if (n >= 100 && n < 107) await heldUntil;
    };
    const submitted = await fixture.queue.submitMany(
      [...Array.from({ length: 7 }, (_, i) => 100 + i), ...behind].map((n) => ({
        job_type: 'test',
        payload: { n },
      })),
    );
    await eventually(() => running === 7, 10_000, 'seven held jobs running');
    return { worker, releaseHeld, behindIds: submitted.slice(7).map((job) => job.job_id) };
  };

  describe('claiming ahead', () => {
    let clock: jest.SpiedFunction<typeof performance.now> | undefined;
    afterEach(() => clock?.mockRestore());

    /**
     * Seven held jobs (sevenHeldAfterQuickOnes) and two more behind them that the worker claims
     * ahead and that wait in it. The clock stands still meanwhile, so the handlers count as
     * short (the worker claims ahead) and none waits too long.
     */
    const twoWaitingBehindSeven = async (overrides = {}) => {
      clock = jest.spyOn(performance, 'now').mockReturnValue(1_000_000);
      const { worker, releaseHeld, behindIds } = await sevenHeldAfterQuickOnes(
        overrides,
        [200, 201],
      );
      // Claimed (leased to the worker) though no slot is free: they wait in the worker.
      await eventually(async () => (await counts()).processing === 9, 10_000, 'two claimed ahead');
      expect(running).toBe(7);
      return { worker, releaseHeld, waiting: behindIds };
    };

    it('runs jobs claimed ahead once a slot frees; one cancelled meanwhile leaves at once, never run', async () => {
      const { worker, releaseHeld, waiting } = await twoWaitingBehindSeven();
      const [ahead, cancelled] = waiting as [string, string];
      // Marked as claimed ahead while they wait: a worker that dies now costs them no attempt.
      for (const id of waiting) {
        expect(await fixture.redis.hget(fixture.queue.keys.job(id), 'ahead')).toBe('1');
      }
      expect(await fixture.queue.cancel(cancelled)).toMatchObject({ status: 'cancelled' });
      // Its place in the worker is free before any slot is: it no longer counts as held.
      await eventually(() => worker.activeJobs === 8, 5_000, 'the cancelled one gone');
      releaseHeld();
      await eventually(async () => (await counts()).completed === 38, 10_000, '38 completions');
      expect(ran.has(200)).toBe(true);
      expect(ran.has(201)).toBe(false);
      expect(mostAtOnce).toBe(7);
      expect(await fixture.queue.get(ahead)).toMatchObject({ status: 'completed', attempts: 1 });
      expect(await fixture.queue.get(cancelled)).toMatchObject({ status: 'cancelled' });
      expect(await fixture.redis.zcard(fixture.queue.keys.active)).toBe(0);
    });

    it('a job claimed ahead loses its mark once it starts, while it still runs', async () => {
      const { releaseHeld, waiting } = await twoWaitingBehindSeven();
      const [ahead] = waiting as [string, string];
      const heldSeven = holdFirst;
      let releaseAhead: () => void = () => {};
      const aheadHeld = new Promise<void>((resolve) => (releaseAhead = resolve));
      holdFirst = async (n) => (n === 200 ? aheadHeld : heldSeven(n));
      releaseHeld();
      await eventually(() => ran.has(200), 10_000, 'the job claimed ahead started');
      // Said started before it ends: a worker that died now would count its attempt.
      await eventually(
        async () => (await fixture.redis.hget(fixture.queue.keys.job(ahead), 'ahead')) === null,
        10_000,
        'its mark cleared',
      );
      expect(await fixture.queue.get(ahead)).toMatchObject({ status: 'processing', attempts: 1 });
      releaseAhead();
      await eventually(
        async () => (await fixture.queue.get(ahead))?.status === 'completed',
        10_000,
        'its completion',
      );
    });

    it('jobs still waiting for a slot at the shutdown timeout go back in line, attempt not counted', async () => {
      const { worker, waiting } = await twoWaitingBehindSeven({ shutdownTimeoutMs: 200 });
      await worker.stop();
      for (const id of waiting) {
        expect(await fixture.queue.get(id)).toMatchObject({ status: 'queued', attempts: 0 });
        expect(await fixture.redis.hget(fixture.queue.keys.job(id), 'lost')).toBeNull();
      }
      expect(ran.has(200) || ran.has(201)).toBe(false);
    });

    it('jobs that wait 100 ms for a slot go back in line, attempt not counted', async () => {
      const { waiting, releaseHeld } = await twoWaitingBehindSeven();
      clock!.mockReturnValue(1_000_000 + 150); // 150 ms have passed for the worker
      for (const id of waiting) {
        await eventually(
          async () => (await fixture.queue.get(id))?.status === 'queued',
          5_000,
          'given back',
        );
        expect(await fixture.queue.get(id)).toMatchObject({ attempts: 0 });
      }
      expect(ran.has(200) || ran.has(201)).toBe(false);
      releaseHeld();
    });
  });

  it('a job never waits in a worker whose slots all run long work while another worker is free', async () => {
    const { releaseHeld } = await sevenHeldAfterQuickOnes();
    const [late] = await fixture.queue.submitMany([{ job_type: 'test', payload: { n: 200 } }]);
    await fixture.startWorker({ concurrency: 7 });
    await eventually(() => ran.has(200), 5_000, 'the job run by the free worker');
    await eventually(
      async () => (await fixture.queue.get(late!.job_id))?.status === 'completed',
      5_000,
      'its completion',
    );
    expect(await fixture.queue.get(late!.job_id)).toMatchObject({ attempts: 1 });
    releaseHeld();
  });

  it('a stop in the middle of a drain runs the jobs its claims leased: none is left leased', async () => {
    await submitMany(3000);
    // Once 300 jobs ran, the next claim that leases jobs has its answer held back a moment, and
    // the stop comes during that hold: a claim is in flight, its jobs leased in Redis and not yet
    // started, however fast the machine is.
    const realClaim = JobFetcher.prototype.claim;
    let claimHeld: () => void = () => {};
    const held = new Promise<void>((resolve) => (claimHeld = resolve));
    let holding = false;
    const claim = jest.spyOn(JobFetcher.prototype, 'claim').mockImplementation(async function (
      this: JobFetcher,
      count,
      holdsSuspect,
    ) {
      const jobs: ClaimedJob[] = await realClaim.call(this, count, holdsSuspect);
      if (!holding && ran.size >= 300 && jobs.length > 0) {
        holding = true;
        claimHeld();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return jobs;
    });
    try {
      const worker = await fixture.startWorker({ concurrency: 50 });
      await held;
      await worker.stop();
    } finally {
      claim.mockRestore();
    }

    const after = await counts();
    expect(await fixture.redis.zcard(fixture.queue.keys.active)).toBe(0);
    expect(after.processing).toBe(0);
    expect(after.completed + after.queued).toBe(3000);
    expect(after.queued).toBeGreaterThan(0); // it stopped in the middle, not at the end
    // Every job that ran was recorded as completed: none ran and was left behind.
    expect(after.completed).toBe(ran.size);
  });
});
