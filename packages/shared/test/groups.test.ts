// Groups take turns: within a priority, a worker serves the groups with jobs waiting in turns
// (FIFO within each, a heavier group more turns, a group at its max_concurrency set aside), so
// a group with thousands of jobs queued delays another group's next job by about one turn.

import { setTimeout as sleep } from 'node:timers/promises';
import { JobQueue } from '../src';
import { JobFetcher, type ClaimedJob } from '../src/fetcher';
import { upgradeLayout } from '../src/layout';
import { createFixture, testJobType, type QueueFixture } from './queue-fixture';

let fixture: QueueFixture;
let fetcher: JobFetcher;

beforeEach(() => {
  const [test] = testJobType(async () => null).values();
  // A second type like the first, for a worker that runs two.
  const second = { ...test!, name: 'second' };
  fixture = createFixture({ jobTypes: new Map([test!, second].map((t) => [t.name, t])) });
  fetcher = fetcherOf(['test']);
});

function fetcherOf(jobTypes: string[]): JobFetcher {
  return new JobFetcher(fixture.redis, fixture.queue.keys, {
    workerId: 'turns',
    leaseMs: 30_000,
    eventsMaxLen: 100_000,
    blockTimeoutMs: 100,
    jobTypes,
  });
}
afterEach(async () => {
  await fetcher.close();
  await fixture.close();
});

type Job = { group?: string; priority?: 'high' | 'normal' | 'low'; n: number };

// The test type's payload is one number: a job's group is told by its thousands of thousands.
const GROUPS = ['-', 'noisy', 'quiet', 'a', 'big', 'small', 'capped', 'other', 'x', 'y'];
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

test("a group's max_concurrency holds for a worker that runs several types of its jobs", async () => {
  await fixture.queue.setGroup('capped', { max_concurrency: 1 });
  await fixture.queue.submitMany(
    ['test', 'second', 'test', 'second'].map((job_type, n) => ({
      job_type,
      group: 'capped',
      payload: { n: code('capped', n) },
    })),
  );
  const both = fetcherOf(['test', 'second']);
  try {
    const first = await both.claim(4);
    expect(named(first)).toEqual(['capped:0']);
    expect(await both.claim(4)).toEqual([]);
    // Its job ends: the group's next job (of the other type) runs, and still only one at a time.
    await completeJob(first[0]!);
    expect(named(await both.claim(4))).toEqual(['capped:1']);
  } finally {
    await both.close();
  }
});

test("groups' counts an earlier release kept in grunning and gdone move into each group's hash", async () => {
  const { keys } = fixture.queue;
  await fixture.redis.hset(`${keys.prefix}grunning`, 'capped', 1);
  await fixture.redis.hset(`${keys.prefix}gdone`, 'capped', 5, 'other', 2);
  await fixture.redis.hset(`${keys.prefix}gclock:test`, 'capped', 3000);
  // As a worker of the type has declared it (before it upgrades the layout).
  await fixture.redis.hset(keys.types, 'test', '{}');
  await upgradeLayout(fixture.redis, keys);
  expect(await fixture.redis.hgetall(keys.groupCounts('capped'))).toEqual({
    started: '6',
    done: '5',
    'clock:test': '3000',
  });
  expect(await fixture.redis.hgetall(keys.groupCounts('other'))).toEqual({
    started: '2',
    done: '2',
  });
  expect(
    await fixture.redis.exists(
      `${keys.prefix}grunning`,
      `${keys.prefix}gdone`,
      `${keys.prefix}gclock:test`,
    ),
  ).toBe(0);
  // The job running from before counts against the group's limit.
  await fixture.queue.setGroup('capped', { max_concurrency: 1 });
  await submit(jobsOf('capped', 1));
  expect(await fetcher.claim(1)).toEqual([]);
});

test('a group that has one job waiting at a time takes turns with a backlog, not every turn', async () => {
  await submit(jobsOf('a', 20));
  const order = named(await fetcher.claim(1));
  for (let n = 0; n < 10; n++) {
    await submit(jobsOf('x', 1, n));
    order.push(...named(await fetcher.claim(1)));
  }
  // Its clock stays where its next turn would be when its lane empties, not where its last stood.
  const turnsOf = (group: string) => order.filter((name) => name.startsWith(`${group}:`)).length;
  expect(turnsOf('a')).toBeGreaterThanOrEqual(5);
  expect(turnsOf('x')).toBeGreaterThanOrEqual(5);
});

test('a group forgotten while jobs of it wait keeps its place in turns', async () => {
  const shortLived = keepingFinishedJobsOneSecond();
  // A light group takes a turn for every 100 of a group of weight 1.
  await fixture.queue.setGroup('small', { weight: 0.01 });
  await submit(jobsOf('small', 5));
  await submit(jobsOf('a', 50));
  const first = await fetcher.claim(3);
  expect(named(first).sort()).toEqual(['a:0', 'a:1', 'small:0']);
  for (const job of first) await completeJob(job);
  await sleep(1100);
  // Both groups are forgotten by this submission (idle a second), their jobs still waiting.
  await shortLived.submit({ job_type: 'test', group: 'x', payload: { n: code('x', 0) } });
  await shortLived.submit({ job_type: 'test', group: 'small', payload: { n: code('small', 5) } });
  expect(named(await fetcher.claim(6)).filter((name) => name.startsWith('small:'))).toEqual([]);
});

/** The same queue, keeping finished jobs (and idle groups) one second. */
function keepingFinishedJobsOneSecond(): JobQueue {
  return new JobQueue({
    queueName: fixture.queueName,
    redis: fixture.redis,
    jobTypes: testJobType(async () => null),
    maxAttempts: 3,
    jobTtlSeconds: 1,
    failedJobTtlSeconds: 1,
    idempotencyTtlSeconds: 1,
    eventsMaxLen: 1000,
  });
}

async function acknowledger() {
  const { Acknowledger } = await import('../src/acknowledger');
  return new Acknowledger(fixture.redis, fixture.queue.keys, {
    backoffBaseMs: 10,
    jobTtlSeconds: 3600,
    failedJobTtlSeconds: 3600,
    eventsMaxLen: 1000,
    onRedisError: () => undefined,
  });
}

async function completeJob(job: ClaimedJob): Promise<void> {
  expect(await (await acknowledger()).complete(job, null)).toBe(true);
}

test("a group's running count falls as its jobs complete, fail or are cancelled", async () => {
  await submit(jobsOf('a', 4));
  const jobs = await fetcher.claim(4);
  const counts = async () => {
    const { groups } = await fixture.queue.groups({});
    const { running, completed, queued } = groups.find((g) => g.group === 'a')!;
    return { running, completed, queued };
  };
  expect(await counts()).toEqual({ running: 4, completed: 0, queued: 0 });
  await completeJob(jobs[0]!);
  expect(await counts()).toEqual({ running: 3, completed: 1, queued: 0 });
  // A failed attempt goes back in line (a retry): it no longer runs.
  expect((await (await acknowledger()).fail(jobs[1]!, 'boom')).outcome).toBe('retrying');
  expect(await counts()).toMatchObject({ running: 2, completed: 1 });
  await fixture.queue.cancel(jobs[2]!.id);
  expect(await counts()).toMatchObject({ running: 1, completed: 1 });
  await completeJob(jobs[3]!);
  expect(await counts()).toMatchObject({ running: 0, completed: 2 });
});

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

test("a group back from its limit does not pull the type's clock back: a group joining later waits one turn", async () => {
  await fixture.queue.setGroup('capped', { max_concurrency: 1 });
  await submit(jobsOf('capped', 2));
  const [first] = await fetcher.claim(1);
  await submit(jobsOf('big', 100));
  expect(named(await fetcher.claim(40)).every((name) => name.startsWith('big:'))).toBe(true);
  await completeJob(first!);
  expect(named(await fetcher.claim(1))).toEqual(['capped:1']);
  // A group joining now starts at the type's clock, where big stands, not where capped was.
  await submit(jobsOf('small', 10));
  const next = named(await fetcher.claim(6)).map((name) => name.split(':')[0]);
  expect(next).toEqual(['small', 'big', 'small', 'big', 'small', 'big']);
});

test('cancelling the head of a group puts the group at its next job: a low job waits for high ones', async () => {
  await submit([
    { group: 'x', priority: 'high', n: 0 },
    { group: 'x', priority: 'low', n: 1 },
    { group: 'y', priority: 'high', n: 0 },
    { group: 'y', priority: 'high', n: 1 },
  ]);
  const [xHigh] = (await fixture.queue.list({ status: 'queued', limit: 10 })).jobs.filter(
    (job) => job.group === 'x' && job.priority === 'high',
  );
  await fixture.queue.cancel(xHigh!.job_id);
  expect(named(await fetcher.claim(3))).toEqual(['y:0', 'y:1', 'x:1']);
});

test('a rate limit that holds back a type of grouped jobs tells the worker when it frees', async () => {
  await fixture.queue.setLimits('test', { rate_limit: { max: 1, per_ms: 60_000 } });
  await submit(jobsOf('a', 3));
  expect(await fetcher.claim(3)).toHaveLength(1);
  expect(await fetcher.claim(3)).toEqual([]);
  expect(fetcher.rateLimitedForMs()).toBeGreaterThan(0);
});

test('a group idle for the retention of finished jobs is forgotten by a later submission', async () => {
  const shortLived = keepingFinishedJobsOneSecond();
  await shortLived.submit({ job_type: 'test', group: 'old', payload: { n: 0 } });
  const [job] = await fetcher.claim(1);
  await completeJob(job!);
  expect((await fixture.queue.groups({})).groups.map((g) => g.group)).toEqual(['old']);
  await sleep(1100);
  await shortLived.submit({ job_type: 'test', group: 'new', payload: { n: 1 } });
  expect((await fixture.queue.groups({})).groups.map((g) => g.group)).toEqual(['new']);
  expect(await fixture.redis.exists(fixture.queue.keys.groupCounts('old'))).toBe(0);
});

test('GET /groups pages never repeat a group, even when groups are active between pages', async () => {
  for (let g = 0; g < 10; g++) {
    await fixture.queue.submit({ job_type: 'test', group: `g${g}`, payload: { n: g } });
    await sleep(2); // each its own millisecond, and some in the same one below
  }
  await fixture.queue.submitMany(
    ['t1', 't2', 't3'].map((group, n) => ({ job_type: 'test', group, payload: { n } })),
  );
  const first = await fixture.queue.groups({ limit: 5 });
  // g3 is active again: it moves to the top, so it is on a new first page, not on this one.
  await fixture.queue.submit({ job_type: 'test', group: 'g3', payload: { n: 99 } });
  const rest = [];
  let cursor = first.next_cursor;
  while (cursor) {
    const page = await fixture.queue.groups({ limit: 5, cursor });
    rest.push(...page.groups.map((g) => g.group));
    cursor = page.next_cursor;
  }
  const listed = [...first.groups.map((g) => g.group), ...rest];
  expect(new Set(listed).size).toBe(listed.length);
  expect(first.groups.map((g) => g.group)).toEqual(['t3', 't2', 't1', 'g9', 'g8']);
  expect(rest).toEqual(['g7', 'g6', 'g5', 'g4', 'g2', 'g1', 'g0']);
});
