// Submissions made during one turn of the event loop are stored by one submit script call, and
// still behave as if each came alone: every caller gets its own jobs back, in order, FIFO within a
// priority follows the order of the calls, an idempotency key repeated in the batch gives the first
// job, and a batch Redis refuses fails every caller in it.

import { idsFromIndexEntry } from '../src/job-id';
import { SubmitBatcher } from '../src/submit-batcher';
import { createFixture, testJobType, type QueueFixture } from './queue-fixture';

const job = (n: number, extra: Record<string, unknown> = {}) => ({
  job_type: 'test',
  payload: { n },
  ...extra,
});

describe('submissions in one turn, on Redis', () => {
  let fixture: QueueFixture;
  let scriptCalls: jest.SpyInstance;
  beforeAll(() => {
    fixture = createFixture({ jobTypes: testJobType(async () => null) });
    // Every submit script call goes through this registered command.
    scriptCalls = jest.spyOn(fixture.redis as unknown as { jq_submit: () => unknown }, 'jq_submit');
  });
  afterAll(() => fixture.close());
  beforeEach(() => scriptCalls.mockClear());

  it('are stored by one script call, each caller getting its own jobs in submit order', async () => {
    const singles = Array.from({ length: 20 }, (_, n) => fixture.queue.submit(job(n)));
    const bulk = fixture.queue.submitMany([job(100), job(101), job(102)]);
    const results = await Promise.all([...singles, bulk]);
    expect(scriptCalls).toHaveBeenCalledTimes(1);

    const singleIds = results.slice(0, 20).map((result) => (result as { job_id: string }).job_id);
    const bulkIds = (results[20] as { job_id: string }[]).map((result) => result.job_id);
    expect(new Set([...singleIds, ...bulkIds]).size).toBe(23);
    for (const [i, id] of singleIds.entries()) {
      expect(await fixture.queue.get(id)).toMatchObject({ payload: { n: i }, status: 'queued' });
    }
    for (const [i, id] of bulkIds.entries()) {
      expect(await fixture.queue.get(id)).toMatchObject({ payload: { n: 100 + i } });
    }
    // One priority: the line is the order of the calls.
    const line = await fixture.redis.zrange(fixture.queue.keys.queued, 0, -1);
    expect(line).toEqual([...singleIds, ...bulkIds]);
  });

  it('give the first job to an idempotency key repeated within the batch', async () => {
    const [first, again] = await Promise.all([
      fixture.queue.submit(job(1, { idempotency_key: 'same-turn' })),
      fixture.queue.submit(job(2, { idempotency_key: 'same-turn' })),
    ]);
    expect(scriptCalls).toHaveBeenCalledTimes(1);
    expect(first).toMatchObject({ created: true });
    expect(again).toEqual({ job_id: first!.job_id, status: 'queued', created: false });
    // The index of every job got the one job created, not the id drawn for the repeat.
    const [[, fields]] = (await fixture.redis.xrevrangeBuffer(
      fixture.queue.keys.created,
      '+',
      '-',
      'COUNT',
      1,
    )) as unknown as [[Buffer, Buffer[]]];
    expect(idsFromIndexEntry(fields[1]!)).toEqual([first!.job_id]);
  });

  it('are checked one by one: a bad submission fails alone and the others are stored', async () => {
    const [good, bad] = await Promise.allSettled([
      fixture.queue.submit(job(1)),
      fixture.queue.submit(job(-1, { priority: 'urgent' })),
    ]);
    expect(good.status).toBe('fulfilled');
    expect(bad.status).toBe('rejected');
    const { job_id } = (good as PromiseFulfilledResult<{ job_id: string }>).value;
    expect(await fixture.queue.get(job_id)).toMatchObject({ payload: { n: 1 }, status: 'queued' });
    expect(scriptCalls).toHaveBeenCalledTimes(1);
  });
});

describe('SubmitBatcher', () => {
  it('fails every caller of a batch whose store failed', async () => {
    const batcher = new SubmitBatcher<number, number>({
      maxJobs: 100,
      store: () => Promise.reject(new Error('Redis is unavailable')),
    });
    const outcomes = await Promise.allSettled([batcher.submit([1]), batcher.submit([2, 3])]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  });

  it('never stores more than maxJobs at once, and never splits one caller', async () => {
    const stored: number[][] = [];
    const batcher = new SubmitBatcher<number, number>({
      maxJobs: 5,
      store: (jobs) => {
        stored.push(jobs);
        return Promise.resolve(jobs.map((n) => n * 10));
      },
    });
    const results = await Promise.all([
      batcher.submit([1, 2, 3]),
      batcher.submit([4, 5, 6]),
      batcher.submit([7]),
      batcher.submit([8, 9, 10, 11, 12, 13]),
    ]);
    expect(results).toEqual([[10, 20, 30], [40, 50, 60], [70], [80, 90, 100, 110, 120, 130]]);
    expect(stored).toEqual([
      [1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11, 12, 13],
    ]);
  });
});
