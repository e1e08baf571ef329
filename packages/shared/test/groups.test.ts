// Groups take turns: within a priority, a worker serves the groups with jobs waiting in turns
// (FIFO within each, a heavier group more turns, a group at its max_concurrency set aside), so
// a group with thousands of jobs queued delays another group's next job by about one turn.

import { JobFetcher, type ClaimedJob } from '../src/fetcher';
import { createFixture, testJobType, type QueueFixture } from './queue-fixture';

let fixture: QueueFixture;
let fetcher: JobFetcher;

beforeEach(() => {
  fixture = createFixture({ jobTypes: testJobType(async () => null) });
  fetcher = new JobFetcher(fixture.redis, fixture.queue.keys, {
    workerId: 'turns',
    leaseMs: 30_000,
    eventsMaxLen: 100_000,
    blockTimeoutMs: 100,
    jobTypes: ['test'],
  });
});
afterEach(async () => {
  await fetcher.close();
  await fixture.close();
});

type Job = { group?: string; priority?: 'high' | 'normal' | 'low'; n: number };

// The test type's payload is one number: a job's group is told by its thousands of thousands.
const GROUPS = ['-', 'noisy', 'quiet', 'a', 'big', 'small', 'capped', 'other'];
const code = (group: string | undefined, n: number) => GROUPS.indexOf(group ?? '-') * 1_000_000 + n;

async function submit(jobs: Job[]): Promise<void> {
  for (let at = 0; at < jobs.length; at += 1000) {
    await fixture.queue.submitMany(
      jobs.slice(at, at + 1000).map(({ group, priority, n }) => ({
        job_type: 'test',
        payload: { n: code(group, n) },
        ...(group ? { group } : {}),
        ...(priority ? { priority } : {}),
      })),
    );
  }
}

const jobsOf = (group: string | undefined, count: number, from = 0): Job[] =>
  Array.from({ length: count }, (_, i) => ({ group, n: from + i }));

/** Who each claimed job belongs to, as "group:n", in claim order. */
const named = (claimed: ClaimedJob[]) =>
  claimed.map((job) => {
    const { n } = JSON.parse(job.payload) as { n: number };
    return `${GROUPS[Math.floor(n / 1_000_000)]}:${n % 1_000_000}`;
  });

test('a group with thousands queued delays another group only by turns, FIFO within each', async () => {
  await submit(jobsOf('noisy', 3000));
  await submit(jobsOf('quiet', 3));
  const order = named(await fetcher.claim(8));
  expect(order).toEqual([
    'noisy:0',
    'quiet:0',
    'noisy:1',
    'quiet:1',
    'noisy:2',
    'quiet:2',
    'noisy:3',
    'noisy:4',
  ]);
});

test('jobs of no group take turns as one group of their own', async () => {
  await submit(jobsOf(undefined, 50));
  await submit(jobsOf('a', 2));
  expect(named(await fetcher.claim(6))).toEqual(['-:0', 'a:0', '-:1', 'a:1', '-:2', '-:3']);
});

test('turns are taken within a priority: a more urgent job of a busy group goes first, using its turn', async () => {
  await submit(jobsOf('noisy', 100));
  await submit([{ group: 'quiet', n: 0 }]);
  await submit([{ group: 'noisy', priority: 'high', n: 999 }]);
  expect(named(await fetcher.claim(3))).toEqual(['noisy:999', 'quiet:0', 'noisy:0']);
});

test('a heavier group takes more turns', async () => {
  await fixture.queue.setGroup('big', { weight: 3 });
  await submit(jobsOf('big', 200));
  await submit(jobsOf('small', 200));
  const order = named(await fetcher.claim(40));
  const big = order.filter((name) => name.startsWith('big:')).length;
  expect({ big, small: 40 - big }).toEqual({ big: 30, small: 10 });
});

test("a group at its max_concurrency waits, keeping its place, while others' jobs run", async () => {
  await fixture.queue.setGroup('capped', { max_concurrency: 2 });
  await submit(jobsOf('capped', 10));
  await submit(jobsOf('other', 10));
  const first = await fetcher.claim(10);
  expect(named(first).filter((name) => name.startsWith('capped:'))).toEqual([
    'capped:0',
    'capped:1',
  ]);
  // One of its jobs ends: the group takes its next turn, in order.
  const done = first.find((job) => named([job])[0] === 'capped:0')!;
  await completeJob(done);
  const next = named(await fetcher.claim(5));
  expect(next.filter((name) => name.startsWith('capped:'))).toEqual(['capped:2']);
  const listed = await fixture.queue.groups({});
  expect(listed.groups.find((g) => g.group === 'capped')).toMatchObject({
    running: 2,
    completed: 1,
    queued: 7,
    max_concurrency: 2,
  });
});

async function completeJob(job: ClaimedJob): Promise<void> {
  const { Acknowledger } = await import('../src/acknowledger');
  const acks = new Acknowledger(fixture.redis, fixture.queue.keys, {
    backoffBaseMs: 10,
    jobTtlSeconds: 3600,
    failedJobTtlSeconds: 3600,
    eventsMaxLen: 1000,
    onRedisError: () => undefined,
  });
  expect(await acks.complete(job, null)).toBe(true);
}

test('a group back from its limit takes turns again with the jobs of no group', async () => {
  await fixture.queue.setGroup('capped', { max_concurrency: 1 });
  await submit(jobsOf('capped', 2));
  await submit(jobsOf(undefined, 1));
  // capped:0 runs; the group is set aside; the job of no group runs: nothing else is ready.
  const first = await fetcher.claim(10);
  expect(named(first).sort()).toEqual(['-:0', 'capped:0']);
  // A job of no group comes while the group waits; then the group's job ends.
  await submit(jobsOf(undefined, 1, 1));
  await completeJob(first.find((job) => named([job])[0] === 'capped:0')!);
  expect(named(await fetcher.claim(10)).sort()).toEqual(['-:1', 'capped:1']);
});
