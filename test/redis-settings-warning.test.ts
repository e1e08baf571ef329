// At start the api and the worker read Redis's settings and log a warning when Redis could lose
// jobs: an eviction policy other than noeviction, or nothing written to disk.
import { RedisServerProcess } from '@jobqueue/testkit';
import { startApi } from './support/api-client';
import { uniqueQueueName } from './support/redis-url';
import { startService, type ServiceProcess } from './support/service-process';

const WARN = 40;

let redis: RedisServerProcess;
beforeAll(async () => {
  // What a default or cache-style Redis often runs with: evicts keys, keeps nothing on disk.
  redis = await new RedisServerProcess({ args: ['--maxmemory-policy', 'allkeys-lru'] }).start();
});
afterAll(() => redis.dispose());

async function expectBothWarnings(service: ServiceProcess): Promise<void> {
  for (const text of [/maxmemory-policy is "allkeys-lru"/, /keeps nothing on disk/]) {
    const warning = await service.waitForLog((log) => text.test(String(log.msg)));
    expect(warning.level).toBe(WARN);
  }
}

test('the api warns at start when Redis may evict or forget jobs', async () => {
  const api = await startApi({ REDIS_URL: redis.url, QUEUE_NAME: uniqueQueueName() });
  await expectBothWarnings(api.service);
});

test('the worker warns at start when Redis may evict or forget jobs', async () => {
  const worker = startService('worker', { REDIS_URL: redis.url, QUEUE_NAME: uniqueQueueName() });
  await expectBothWarnings(worker);
});
