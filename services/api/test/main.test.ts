// The built API process (dist/main.js) configured only by its environment: API_TOKEN,
// CORS_ORIGINS, SUBMIT_RATE_LIMIT and TRUST_PROXY reach the app; a bad value stops it at start
// naming the variable; with no Redis it still starts and answers 503 until Redis is there.

import { createRedis } from '@jobqueue/shared';
import { freePort } from '@jobqueue/testkit';
import { testRedisUrl, uniqueQueueName } from '../../../test/support/redis-url';
import { startService, type ServiceProcess } from '../../../test/support/service-process';
import { validEmail } from './api-fixture';

const TOKEN = 'process-token-0123456789';
const queues: string[] = [];

afterAll(async () => {
  const redis = createRedis({ redisUrl: testRedisUrl() });
  for (const queue of queues) {
    const keys = await redis.keys(`jq:{${queue}}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

async function startApiProcess(
  env: Record<string, string>,
): Promise<{ api: ServiceProcess; url: string }> {
  const port = await freePort();
  const queue = uniqueQueueName('api-main');
  queues.push(queue);
  const api = startService('api', {
    REDIS_URL: testRedisUrl(),
    QUEUE_NAME: queue,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    API_TOKEN: undefined,
    CORS_ORIGINS: undefined,
    SUBMIT_RATE_LIMIT: undefined,
    TRUST_PROXY: undefined,
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await api.waitForHttp(`${url}/health`);
  return { api, url };
}

const submit = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/submit-job`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify(validEmail),
  });

test('API_TOKEN, CORS_ORIGINS, SUBMIT_RATE_LIMIT and TRUST_PROXY configure the running API', async () => {
  const { api, url } = await startApiProcess({
    API_TOKEN: TOKEN,
    CORS_ORIGINS: 'http://localhost:8501, https://ui.example.com',
    SUBMIT_RATE_LIMIT: '2',
    TRUST_PROXY: 'true',
  });
  expect((await fetch(`${url}/stats`)).status).toBe(401);
  expect((await fetch(`${url}/ready`)).status).toBe(200);

  const cors = await fetch(`${url}/health`, { headers: { origin: 'https://ui.example.com' } });
  expect(cors.headers.get('access-control-allow-origin')).toBe('https://ui.example.com');

  const client = { 'x-forwarded-for': '203.0.113.7' };
  expect((await submit(url, client)).status).toBe(202);
  expect((await submit(url, client)).status).toBe(202);
  const limited = await submit(url, client);
  expect(limited.status).toBe(429);
  expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  expect((await submit(url, { 'x-forwarded-for': '203.0.113.8' })).status).toBe(202);
  await api.stop();
});

test('the default rate limit is generous: a burst of submissions all pass', async () => {
  const { api, url } = await startApiProcess({ API_TOKEN: TOKEN });
  const statuses = await Promise.all(
    Array.from({ length: 100 }, () => submit(url).then((r) => r.status)),
  );
  expect(statuses).toEqual(Array(100).fill(202));
  await api.stop();
});

test('a bad CORS_ORIGINS, SUBMIT_RATE_LIMIT or TRUST_PROXY stops the API at start, naming the variable', async () => {
  for (const [name, value] of [
    ['CORS_ORIGINS', 'ui.example.com'],
    ['SUBMIT_RATE_LIMIT', 'lots'],
    ['TRUST_PROXY', 'maybe'],
  ]) {
    const api = startService('api', {
      REDIS_URL: testRedisUrl(),
      PORT: String(await freePort()),
      [name!]: value,
    });
    const exit = await api.waitForExit();
    expect({ name, code: exit.code }).toEqual({ name, code: 1 });
    expect(api.lines.join('\n')).toContain(`${name}:`);
  }
});

test('with no Redis at its address the API still starts, answers 503, and stays up', async () => {
  const deadPort = await freePort();
  const { api, url } = await startApiProcess({ REDIS_URL: `redis://127.0.0.1:${deadPort}` });
  const ready = await fetch(`${url}/ready`);
  expect(ready.status).toBe(503);
  expect(((await ready.json()) as { error: { code: string } }).error.code).toBe(
    'redis_unavailable',
  );
  expect((await submit(url)).status).toBe(503);
  expect(api.exited).toBeUndefined();
  await api.stop();
});
