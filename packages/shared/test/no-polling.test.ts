// An idle worker waits inside Redis (BZPOPMIN on the marker) instead of polling: it sends almost
// nothing while idle, picks a new job as soon as it is submitted, and picks a scheduled job at its
// due time. Runs on a Redis of its own so the command counts are this worker's alone.

import { setTimeout as sleep } from 'node:timers/promises';
import { RedisServerProcess } from '@jobqueue/testkit';
import { createFixture, eventually, testJobType, type QueueFixture } from './queue-fixture';

async function commandCalls(fixture: QueueFixture): Promise<Record<string, number>> {
  const info = (await fixture.redis.info('commandstats')) as string;
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm))
    calls[match[1]!] = Number(match[2]);
  return calls;
}

describe('waiting for work without polling', () => {
  let server: RedisServerProcess;
  let fixture: QueueFixture;
  const pickedAt = new Map<number, number>();

  beforeAll(async () => {
    server = await new RedisServerProcess().start();
    fixture = createFixture({
      redisUrl: server.url,
      jobTypes: testJobType(async ({ n }) => void pickedAt.set(n, Date.now())),
    });
    // A long lease keeps lease renewal (every min(lease/3, 5 s)) out of the idle window.
    await fixture.startWorker({ leaseMs: 60_000, blockTimeoutMs: 30_000 });
    await sleep(200);
  });
  afterAll(async () => {
    await fixture.close();
    await server.dispose();
  });

  it('sends no commands while idle', async () => {
    await fixture.redis.config('RESETSTAT');
    await sleep(1500);
    const calls = await commandCalls(fixture);
    // Nothing but this test's own RESETSTAT and INFO: the one BZPOPMIN in flight just waits.
    const others = Object.entries(calls).filter(
      ([name]) => !['info', 'config|resetstat'].includes(name),
    );
    expect(Object.fromEntries(others)).toEqual({});
  });

  it('picks a job submitted to an idle worker when it comes, not at the end of its wait', async () => {
    await fixture.queue.submit({ job_type: 'test', payload: { n: 1 } });
    // The worker's wait lasts 30 s: only the wake-up of the submission brings the job sooner.
    await eventually(() => pickedAt.has(1), 15_000, 'job 1 picked');
  });

  it('picks a scheduled job at its due time, not before and not at the end of its wait', async () => {
    const submittedAt = Date.now();
    await fixture.queue.submit({ job_type: 'test', payload: { n: 2 }, delay_ms: 700 });
    await eventually(() => pickedAt.has(2), 15_000, 'job 2 picked');
    expect(pickedAt.get(2)! - submittedAt).toBeGreaterThanOrEqual(690);
  });
});

describe('a busy-capable worker woken for one job', () => {
  let server: RedisServerProcess;
  let fixture: QueueFixture;
  beforeAll(async () => {
    server = await new RedisServerProcess().start();
    fixture = createFixture({ redisUrl: server.url, jobTypes: testJobType(async () => null) });
    // Concurrency 60 claims 20 at a time; after its one quick job it may claim ahead too (up to 120
    // jobs), so several claims could be in flight after it.
    await fixture.startWorker({ concurrency: 60, leaseMs: 60_000, blockTimeoutMs: 30_000 });
    await sleep(200);
  });
  afterAll(async () => {
    await fixture.close();
    await server.dispose();
  });

  it('goes back to its wait without claims that find nothing', async () => {
    await fixture.redis.config('RESETSTAT');
    await fixture.queue.submit({ job_type: 'test', payload: { n: 1 } });
    await eventually(async () => (await fixture.queue.stats()).counts.completed === 1);
    await sleep(200);
    // The submission, the claim woken with its wait, the completion, and perhaps the claim sent
    // with the next wait. A worker that kept claiming after a short answer sent several more.
    expect((await commandCalls(fixture)).evalsha).toBeLessThanOrEqual(4);
  });
});
