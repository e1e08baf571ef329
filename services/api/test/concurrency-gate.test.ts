// The gate in front of listings: a few run at once, the rest wait their turn in order, and past
// the waiting room a request gets 429 at once.

import type { Context } from 'koa';
import { QueueError } from '@jobqueue/shared';
import { RedisServerProcess } from '@jobqueue/testkit';
import { concurrencyGate } from '../src/concurrency-gate';
import { startApi, type ApiFixture } from './api-fixture';

test('two run at once, the next wait in order, and one past the waiting room gets 429', async () => {
  const gate = concurrencyGate('job listings', 2, 2);
  const headers: Record<string, string> = {};
  const ctx = {
    set: (name: string, value: string) => (headers[name] = value),
  } as unknown as Context;
  const started: number[] = [];
  const finish: (() => void)[] = [];
  const request = (n: number) =>
    gate(ctx, () => {
      started.push(n);
      return new Promise<void>((resolve) => (finish[n] = resolve));
    });

  const running = [1, 2, 3, 4].map(request);
  await Promise.resolve();
  expect(started).toEqual([1, 2]);

  const refused = request(5);
  await expect(refused).rejects.toBeInstanceOf(QueueError);
  await expect(refused).rejects.toMatchObject({ status: 429, code: 'busy' });
  expect(headers['Retry-After']).toBe('1');

  finish[2]!();
  await running[1];
  await Promise.resolve();
  expect(started).toEqual([1, 2, 3]);
  finish[1]!();
  finish[3]!();
  await Promise.all(running.slice(0, 3));
  await Promise.resolve();
  expect(started).toEqual([1, 2, 3, 4]);
  finish[4]!();
  await running[3];
  // Every slot came back: two run at once again.
  const again = [6, 7, 8].map(request);
  await Promise.resolve();
  expect(started.slice(4)).toEqual([6, 7]);
  finish[6]!();
  finish[7]!();
  await Promise.resolve();
  await Promise.resolve();
  finish[8]!();
  await Promise.all(again);
});

describe('GET /jobs through its gate', () => {
  let redis: RedisServerProcess;
  let api: ApiFixture;
  beforeAll(async () => {
    redis = await new RedisServerProcess().start();
    api = await startApi({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await api.close();
    await redis.dispose();
  });

  test('2 listings run, 200 wait, and every one past that gets 429 busy at once', async () => {
    // Frozen, Redis holds the running listings, so the ones that follow queue at the gate.
    redis.pause();
    let statuses: number[];
    try {
      const replies = Array.from({ length: 212 }, () => api.call('GET', '/jobs?limit=1'));
      // The ten past the waiting room are answered while Redis is still frozen.
      const refused = await Promise.all(
        replies.map((reply) =>
          Promise.race([
            reply,
            new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 3000)),
          ]),
        ),
      );
      const busy = refused.filter((reply) => reply?.status === 429);
      expect(busy).toHaveLength(10);
      expect(busy[0]!.body).toMatchObject({ error: { code: 'busy' } });
      redis.resume();
      statuses = (await Promise.all(replies)).map((reply) => reply.status);
    } finally {
      redis.resume();
    }
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(200);
  });
});
