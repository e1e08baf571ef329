// Priority aging (PRIORITY_AGING_MS, stored with the queue): a job's place in line is its ready
// time less (priority - 1) x the aging time, so a low job is never overtaken by a high job that
// became ready more than 9 x the aging time after it; 0 keeps strict priority.

import { setTimeout as sleep } from 'node:timers/promises';
import { storePriorityAging } from '../src';
import { JobFetcher } from '../src/fetcher';
import { runScript } from '../src/scripts';
import { createFixture, testJobType, type QueueFixture } from './queue-fixture';

const AGING_MS = 40;

let fixture: QueueFixture;

beforeEach(() => {
  fixture = createFixture({ jobTypes: testJobType(async () => null) });
});
afterEach(() => fixture.close());

/** The order a worker claims every queued job in. */
async function claimOrder(): Promise<number[]> {
  const fetcher = new JobFetcher(fixture.redis, fixture.queue.keys, {
    workerId: 'aging-reader',
    leaseMs: 5000,
    eventsMaxLen: 1000,
    blockTimeoutMs: 100,
    jobTypes: ['test'],
  });
  try {
    const claimed = await fetcher.claim(100);
    return claimed.map((job) => (JSON.parse(job.payload) as { n: number }).n);
  } finally {
    await fetcher.close();
  }
}

/**
 * Job 1 is low (1); job 2 is high (10), submitted at once after it; job 3 is high, submitted
 * when 9 x AGING_MS and more have passed.
 */
async function submitLowThenHighs(): Promise<void> {
  await fixture.queue.submit({ job_type: 'test', priority: 'low', payload: { n: 1 } });
  await fixture.queue.submit({ job_type: 'test', priority: 'high', payload: { n: 2 } });
  await sleep(9 * AGING_MS + 60);
  await fixture.queue.submit({ job_type: 'test', priority: 'high', payload: { n: 3 } });
}

test('with aging, a low job goes before high jobs that became ready more than 9 x the aging time after it', async () => {
  await storePriorityAging(fixture.redis, fixture.queue.keys, AGING_MS);
  await submitLowThenHighs();
  expect(await claimOrder()).toEqual([2, 1, 3]);
});

test('with aging 0, priority is strict: the low job waits for every high job', async () => {
  await storePriorityAging(fixture.redis, fixture.queue.keys, 0);
  await submitLowThenHighs();
  expect(await claimOrder()).toEqual([2, 3, 1]);
});

test('a job put back in line after its worker was lost keeps the place aging gave it', async () => {
  await storePriorityAging(fixture.redis, fixture.queue.keys, AGING_MS);
  await submitLowThenHighs();
  // The low job's first attempt is lost with its worker: it goes back to the same place.
  const fetcher = new JobFetcher(fixture.redis, fixture.queue.keys, {
    workerId: 'lost',
    leaseMs: 30,
    eventsMaxLen: 1000,
    blockTimeoutMs: 100,
    jobTypes: ['test'],
  });
  expect((await fetcher.claim(2)).length).toBe(2);
  await fetcher.close();
  await sleep(60);
  await fixture.queue.submit({ job_type: 'test', priority: 'high', payload: { n: 4 } });
  const { keys } = fixture.queue;
  expect(await runScript(fixture.redis, 'recover', keys, [keys.prefix, 100, 3600, 1000])).toEqual([
    2, 0,
  ]);
  // Jobs 2 and 1 are back in line; 1 is still before 3 and 4.
  const order = await claimOrder();
  expect(order).toHaveLength(4);
  expect(order.indexOf(1)).toBeLessThan(order.indexOf(3));
  expect(order.indexOf(1)).toBeLessThan(order.indexOf(4));
});

test('changing the aging time places the jobs already queued again', async () => {
  await storePriorityAging(fixture.redis, fixture.queue.keys, 0);
  await submitLowThenHighs();
  // Strict when queued; then the API starts with aging on: the low job has waited long enough.
  expect(await storePriorityAging(fixture.redis, fixture.queue.keys, AGING_MS)).toBe(0);
  expect(await storePriorityAging(fixture.redis, fixture.queue.keys, AGING_MS)).toBe(AGING_MS);
  expect(await claimOrder()).toEqual([2, 1, 3]);
});
