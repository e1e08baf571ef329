// What recovery and retries promise about who runs a job and when: a job put back after its
// worker was lost keeps its place in line ahead of newer jobs of its priority, and a retry that a
// worker scheduled before it went away is run by another worker, since the wait lives in Redis.
import { JobFetcher } from '../src/fetcher';
import { createFixture, eventually, testJobType, type QueueFixture } from './queue-fixture';

describe('recovery and retries', () => {
  let fixture: QueueFixture;
  const ran: { n: number; attempt: number }[] = [];
  let failFirstAttempt = false;
  beforeEach(() => {
    ran.length = 0;
    failFirstAttempt = false;
    fixture = createFixture({
      jobTypes: testJobType(async ({ n }, attempt) => {
        ran.push({ n, attempt });
        if (failFirstAttempt && attempt === 1) throw new Error('first attempt fails');
      }),
    });
  });
  afterEach(() => fixture.close());

  it('a job recovered from a lost worker keeps its place ahead of newer jobs', async () => {
    const first = await fixture.queue.submit({ job_type: 'test', payload: { n: 1 } });
    // A worker that claims it and is never heard of again: its lease runs out.
    const lost = new JobFetcher(fixture.redis, fixture.queue.keys, {
      workerId: 'lost',
      leaseMs: 200,
      eventsMaxLen: 1000,
      blockTimeoutMs: 100,
      jobTypes: ['test'],
    });
    expect((await lost.claim(1)).map((job) => job.id)).toEqual([first.job_id]);
    await lost.close();
    for (const n of [2, 3]) await fixture.queue.submit({ job_type: 'test', payload: { n } });

    await new Promise((resolve) => setTimeout(resolve, 300)); // the lease has run out
    await fixture.startWorker({ concurrency: 1, leaseMs: 300 });
    await eventually(() => ran.length === 3, 10_000, 'all three run');
    expect(ran).toEqual([
      { n: 1, attempt: 2 },
      { n: 2, attempt: 1 },
      { n: 3, attempt: 1 },
    ]);
  });

  it('a retry scheduled by a worker that then stopped is run by another worker', async () => {
    failFirstAttempt = true;
    const first = await fixture.startWorker({ backoffBaseMs: 500 });
    const { job_id } = await fixture.queue.submit({ job_type: 'test', payload: { n: 7 } });
    await eventually(
      async () => (await fixture.queue.get(job_id))?.status === 'scheduled',
      10_000,
      'the retry scheduled',
    );
    await first.stop();

    const second = await fixture.startWorker();
    await eventually(
      async () => (await fixture.queue.get(job_id))?.status === 'completed',
      10_000,
      'the retry run',
    );
    const record = await fixture.queue.get(job_id);
    expect(record).toMatchObject({ attempts: 2 });
    const picks = (await fixture.queue.events('0', 1000)).filter((e) => e.type === 'picked');
    expect(picks.map((e) => [e.attempt, e.worker_id])).toEqual([
      [1, first.id],
      [2, second.id],
    ]);
    expect(ran).toEqual([
      { n: 7, attempt: 1 },
      { n: 7, attempt: 2 },
    ]);
  });
});
