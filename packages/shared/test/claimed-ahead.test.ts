// Jobs a worker claims ahead of its free slots wait in it for a slot. If it dies before starting
// them, they cost no attempt: only the jobs it started count theirs. A job given back so once is
// not marked again, so one that kills its worker before the worker can say it started gets its
// attempt back once at most.

import { setTimeout as sleep } from 'node:timers/promises';
import { Acknowledger } from '../src/acknowledger';
import { JobFetcher, type ClaimedJob } from '../src/fetcher';
import { runScript } from '../src/scripts';
import { createFixture, eventually, testJobType, type QueueFixture } from './queue-fixture';

describe('jobs claimed ahead of a free slot', () => {
  let fixture: QueueFixture;
  beforeEach(() => {
    fixture = createFixture({ jobTypes: testJobType(async ({ n }) => ({ n })) });
  });
  afterEach(() => fixture.close());

  const fetcher = (workerId: string) =>
    new JobFetcher(fixture.redis, fixture.queue.keys, {
      workerId,
      leaseMs: 20,
      eventsMaxLen: 1000,
      blockTimeoutMs: 100,
      jobTypes: ['test'],
    });
  const acknowledger = () =>
    new Acknowledger(fixture.redis, fixture.queue.keys, {
      backoffBaseMs: 20,
      jobTtlSeconds: 3600,
      failedJobTtlSeconds: 3600,
      eventsMaxLen: 1000,
      onRedisError: () => undefined,
    });
  const mark = (job: ClaimedJob) => fixture.redis.hget(fixture.queue.keys.job(job.id), 'ahead');
  const record = async (job: ClaimedJob) => (await fixture.queue.get(job.id))!;

  /** The worker's leases run out and recovery runs: it died. */
  async function dies(doomed: JobFetcher): Promise<void> {
    await doomed.close();
    await sleep(40);
    const k = fixture.queue.keys;
    await runScript(fixture.redis, 'recover', k, [k.prefix, 100, 3600, 1000]);
  }

  it('cost no attempt when their worker dies before starting them; the jobs it started count theirs', async () => {
    for (let n = 1; n <= 5; n++) await fixture.queue.submit({ job_type: 'test', payload: { n } });
    const doomed = fetcher('doomed');
    // Two slots free: the first two start at once, the other three are claimed ahead.
    const jobs = await doomed.claim(5, false, 2);
    expect(jobs.map((job) => job.ahead)).toEqual([false, false, true, true, true]);
    expect(await Promise.all(jobs.map(mark))).toEqual([null, null, '1', '1', '1']);
    // A slot freed and the third started: the worker says so (with its next completions).
    acknowledger().confirm(jobs[2]!);
    await eventually(async () => (await mark(jobs[2]!)) === null, 5_000, 'the start said');

    await dies(doomed);
    for (const job of jobs.slice(0, 3)) {
      expect(await record(job)).toMatchObject({
        status: 'queued',
        attempts: 1,
        last_error: expect.stringMatching(/^Worker doomed was lost while running attempt 1/),
      });
    }
    for (const job of jobs.slice(3)) {
      expect(await record(job)).toMatchObject({ status: 'queued', attempts: 0, last_error: null });
      expect(await mark(job)).toBeNull();
    }
    const recovered = (await fixture.queue.events('0', 1000)).filter(
      (event) => event.type === 'recovered',
    );
    expect(
      recovered.filter((event) => /claimed it ahead but never started/.test(event.message!)),
    ).toHaveLength(2);
  });

  it('are marked once: a job given back so counts its attempt the next time its worker dies', async () => {
    await fixture.queue.submit({ job_type: 'test', payload: { n: 1 } });
    const first = fetcher('first');
    expect((await first.claim(1, false, 0)).map((job) => job.ahead)).toEqual([true]);
    await dies(first);
    const second = fetcher('second');
    const [again] = await second.claim(1, false, 0);
    expect(again).toMatchObject({ ahead: false, attempt: 1 });
    expect(await mark(again!)).toBeNull();
    await dies(second);
    expect(await record(again!)).toMatchObject({ status: 'queued', attempts: 1 });
  });

  it('a completion clears the mark of a job it records, and a claim for free slots marks none', async () => {
    for (let n = 1; n <= 3; n++) await fixture.queue.submit({ job_type: 'test', payload: { n } });
    const worker = fetcher('worker');
    const acks = acknowledger();
    const [ahead] = await worker.claim(1, false, 0);
    expect(await acks.complete(ahead!, { n: 1 })).toBe(true);
    expect(await mark(ahead!)).toBeNull();
    const plain = await worker.claim(2);
    expect(plain.map((job) => job.ahead)).toEqual([false, false]);
    expect(await Promise.all(plain.map(mark))).toEqual([null, null]);
    await worker.close();
  });
});
