// Each type's ready jobs wait in its lane (ready:<type>) as well as in `queued`: every script
// that puts a job in line or takes it out does both, and a backlog queued by a release without
// lanes is moved into them before a worker claims.

import { setTimeout as sleep } from 'node:timers/promises';
import { JobFetcher } from '../src/fetcher';
import { upgradeLayout } from '../src/layout';
import { runScript } from '../src/scripts';
import { createFixture, eventually, testJobType, type QueueFixture } from './queue-fixture';

// Layout 3 with the strict band (2^49 us): no API stored PRIORITY_AGING_MS with these queues.
const STRICT_LAYOUT = '3:562949953421312';

let fixture: QueueFixture;
let completed = 0;

beforeEach(() => {
  completed = 0;
  fixture = createFixture({
    jobTypes: testJobType(async () => {
      completed++;
      return null;
    }),
  });
});
afterEach(() => fixture.close());

/** The line as `queued` holds it and as the type's lane holds it: ids with scores. */
async function line() {
  const { keys } = fixture.queue;
  return {
    queued: await fixture.redis.zrange(keys.queued, 0, -1, 'WITHSCORES'),
    lane: await fixture.redis.zrange(keys.ready('test'), 0, -1, 'WITHSCORES'),
  };
}

async function expectLaneToMatchQueued(size: number): Promise<void> {
  const { queued, lane } = await line();
  expect(lane).toEqual(queued);
  expect(queued.length / 2).toBe(size);
}

test('submit, cancel, retry, claim, recover and promote keep the lane and queued alike', async () => {
  const { keys } = fixture.queue;
  const ready = await fixture.queue.submitMany(
    Array.from({ length: 5 }, (_, n) => ({ job_type: 'test', payload: { n } })),
  );
  await fixture.queue.submit({ job_type: 'test', payload: { n: 5 }, delay_ms: 100 });
  await expectLaneToMatchQueued(5);

  await fixture.queue.cancel(ready[1]!.job_id);
  await expectLaneToMatchQueued(4);
  await fixture.queue.retry(ready[1]!.job_id);
  await expectLaneToMatchQueued(5);

  const fetcher = new JobFetcher(fixture.redis, keys, {
    workerId: 'lanes-worker',
    leaseMs: 50,
    eventsMaxLen: 1000,
    blockTimeoutMs: 100,
    jobTypes: ['test'],
  });
  const claimed = await fetcher.claim(2);
  await fetcher.close();
  expect(claimed.map((job) => job.id)).toEqual([ready[0]!.job_id, ready[2]!.job_id]);
  await expectLaneToMatchQueued(3);

  await sleep(150); // the leases (50 ms) and the delay (100 ms) have passed
  await runScript(fixture.redis, 'recover', keys, [keys.prefix, 100, 3600, 1000]);
  await expectLaneToMatchQueued(5);
  await runScript(fixture.redis, 'promote', keys, [keys.prefix, 100]);
  await expectLaneToMatchQueued(6);
});

test('a backlog queued without lanes is moved into them, in order, before a worker claims', async () => {
  const { keys } = fixture.queue;
  // 2,500 jobs: more than one slice of the upgrade (1,000).
  for (let batch = 0; batch < 5; batch++) {
    await fixture.queue.submitMany(
      Array.from({ length: 500 }, (_, n) => ({ job_type: 'test', payload: { n } })),
    );
  }
  const before = await line();
  // What an earlier release leaves: `queued` only, no lane, no layout version.
  await fixture.redis.del(keys.ready('test'), keys.layout);

  await upgradeLayout(fixture.redis, keys);
  expect(await line()).toEqual(before);
  expect(await fixture.redis.get(keys.layout)).toBe(STRICT_LAYOUT);

  await fixture.redis.del(keys.ready('test'), keys.layout);
  await fixture.startWorker({ concurrency: 20 });
  await eventually(() => completed === 2500, 30_000, 'all 2,500 jobs completed');
  expect((await fixture.queue.stats()).counts.queued).toBe(0);
});

test('a queue this release created is never walked: its first submission records the layout', async () => {
  const { keys } = fixture.queue;
  await fixture.queue.submit({ job_type: 'test', payload: { n: 1 } });
  expect(await fixture.redis.get(keys.layout)).toBe(STRICT_LAYOUT);
  // A job only in `queued` now is not moved again: the recorded version ends the upgrade at once.
  await fixture.redis.zadd(keys.queued, 1, 'not-in-a-lane');
  await upgradeLayout(fixture.redis, keys);
  expect(await fixture.redis.zscore(keys.ready('test'), 'not-in-a-lane')).toBeNull();
});

function fetcherFor(workerId: string) {
  return new JobFetcher(fixture.redis, fixture.queue.keys, {
    workerId,
    leaseMs: 5000,
    eventsMaxLen: 1000,
    blockTimeoutMs: 100,
    jobTypes: ['test'],
  });
}

test('a lane entry whose job is no longer queued is dropped, never claimed', async () => {
  const { keys } = fixture.queue;
  const [moved, ready] = await fixture.queue.submitMany([
    { job_type: 'test', payload: { n: 1 } },
    { job_type: 'test', payload: { n: 2 } },
  ]);
  // What a process of an earlier release leaves when it cancels: `queued` updated, the lane not.
  await fixture.redis.hset(keys.job(moved!.job_id), 'status', 'cancelled');
  await fixture.redis.zrem(keys.queued, moved!.job_id);
  const fetcher = fetcherFor('drops-stale');
  const claimed = await fetcher.claim(5);
  await fetcher.close();
  expect(claimed.map((job) => job.id)).toEqual([ready!.job_id]);
  expect((await fixture.queue.get(moved!.job_id))?.status).toBe('cancelled');
  await expectLaneToMatchQueued(0);
});

test('a worker that passes over a thousand suspects loses none of the jobs it looked at', async () => {
  const { keys } = fixture.queue;
  const jobs = [
    ...(await fixture.queue.submitMany(
      Array.from({ length: 1000 }, (_, n) => ({ job_type: 'test', payload: { n } })),
    )),
    ...(await fixture.queue.submitMany(
      Array.from({ length: 10 }, (_, n) => ({ job_type: 'test', payload: { n } })),
    )),
  ];
  // The first 1,005 were lost with their workers twice: suspects.
  const pipeline = fixture.redis.pipeline();
  for (const { job_id } of jobs.slice(0, 1005)) pipeline.hset(keys.job(job_id), 'lost', 2);
  await pipeline.exec();
  const fetcher = fetcherFor('holds-a-suspect');
  // Already running a suspect, it may take none: it passes over 1,000 and stops there.
  const claimed = await fetcher.claim(3, true);
  await fetcher.close();
  expect(claimed).toEqual([]);
  expect(fetcher.suspectsPassed).toBe(1000);
  await expectLaneToMatchQueued(1010);
});

test('the upgrade drops ids whose record is gone from the line', async () => {
  const { keys } = fixture.queue;
  const [kept, deleted] = await fixture.queue.submitMany([
    { job_type: 'test', payload: { n: 1 } },
    { job_type: 'test', payload: { n: 2 } },
  ]);
  await fixture.redis.del(keys.ready('test'), keys.layout, keys.job(deleted!.job_id));
  await upgradeLayout(fixture.redis, keys);
  expect(await fixture.redis.zrange(keys.queued, 0, -1)).toEqual([kept!.job_id]);
  await expectLaneToMatchQueued(1);
});
