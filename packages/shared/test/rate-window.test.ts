// A rate limit's window holds one entry per claim, counting every job that claim started: all of
// them leave the window together, starts recorded one per job (as earlier releases did) still
// count, and a count gone wrong never holds a type back.

import { setTimeout as sleep } from 'node:timers/promises';
import { JobFetcher } from '../src/fetcher';
import { runScript } from '../src/scripts';
import { createFixture, testJobType, type QueueFixture } from './queue-fixture';

let fixture: QueueFixture;
let fetcher: JobFetcher;
const WINDOW_MS = 1500;

beforeEach(() => {
  fixture = createFixture({ jobTypes: testJobType(async () => null) });
  fetcher = new JobFetcher(fixture.redis, fixture.queue.keys, {
    workerId: 'rate',
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

const submit = (count: number) =>
  fixture.queue.submitMany(
    Array.from({ length: count }, (_, n) => ({ job_type: 'test', payload: { n } })),
  );
const startsKey = () => `${fixture.queue.keys.prefix}starts:test`;
const countKey = () => `${fixture.queue.keys.prefix}starts_count:test`;

test('every job a claim starts counts against the rate, and the window frees them together', async () => {
  await fixture.queue.setLimits('test', { rate_limit: { max: 5, per_ms: WINDOW_MS } });
  await submit(12);
  expect(await fetcher.claim(3)).toHaveLength(3);
  expect(await fetcher.claim(3)).toHaveLength(2);
  expect(await fetcher.claim(3)).toEqual([]);
  expect(fetcher.rateLimitedForMs()).toBeGreaterThan(0);
  // Two claims, two entries: five starts.
  expect(await fixture.redis.zcard(startsKey())).toBe(2);
  expect(await fixture.redis.get(countKey())).toBe('5');

  await sleep(WINDOW_MS + 100);
  // Both claims' starts left the window: five may start again, and no more.
  expect(await fetcher.claim(10)).toHaveLength(5);
  expect(await fetcher.claim(10)).toEqual([]);
  expect(await fixture.redis.zcard(startsKey())).toBe(1);
  expect(await fixture.redis.get(countKey())).toBe('5');
});

test('starts recorded one per job, without a count, still count one each', async () => {
  const [seconds, micros] = await fixture.redis.time();
  const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  for (let i = 1; i <= 4; i++)
    await fixture.redis.zadd(startsKey(), nowMs, `8a6c2f0e-2b4e-4c8e-9d61-3f0f4a1b2c3d:${i}`);
  await fixture.queue.setLimits('test', { rate_limit: { max: 5, per_ms: 60_000 } });
  await submit(3);
  expect(await fetcher.claim(3)).toHaveLength(1);
  expect(await fixture.redis.get(countKey())).toBe('5');
  expect(await fetcher.claim(3)).toEqual([]);
});

test('a claim its client sent twice counts the starts of each run once, and they leave together', async () => {
  await fixture.queue.setLimits('test', { rate_limit: { max: 6, per_ms: WINDOW_MS } });
  await submit(12);
  const k = fixture.queue.keys;
  // ioredis sends a command again when its connection broke before the answer came: the
  // script runs twice with the same arguments.
  const claimTwo = () =>
    runScript<unknown[]>(fixture.redis, 'claim', k, [
      k.prefix,
      2,
      30_000,
      'rate',
      'one-token-base',
      100_000,
      0,
      0,
      'test',
    ]);
  await claimTwo();
  await claimTwo();
  expect(await fixture.redis.get(countKey())).toBe('4');
  expect(await fetcher.claim(10)).toHaveLength(2);
  await sleep(WINDOW_MS + 100);
  expect(await fetcher.claim(10)).toHaveLength(6);
});

test('a count gone wrong, or a window emptied by hand, holds the type back for no claim', async () => {
  await fixture.queue.setLimits('test', { rate_limit: { max: 5, per_ms: 60_000 } });
  await submit(20);
  expect(await fetcher.claim(2)).toHaveLength(2);
  await fixture.redis.set(countKey(), '50');
  expect(await fetcher.claim(10)).toHaveLength(3);
  await fixture.redis.del(startsKey());
  expect(await fetcher.claim(10)).toHaveLength(5);
  expect(await fixture.redis.get(countKey())).toBe('5');
});
