// Redis going away: the API answers 503 with a clear message at once (never hangs), stays alive,
// and serves again by itself when Redis is back on the same address.

import Redis from 'ioredis';
import pino from 'pino';
import { delay, RedisServerProcess } from '@jobqueue/testkit';
import { startApi, validEmail, type ApiFixture, type Reply } from './api-fixture';
import { openEvents } from './sse-client';

let redis: RedisServerProcess;
let api: ApiFixture;
/** What the API logged: the detail a 503 body leaves out must be here. */
const logged: string[] = [];
beforeAll(async () => {
  redis = await new RedisServerProcess({ appendonly: true }).start();
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
  api = await startApi({ redisUrl: redis.url, app: { logger } });
});
afterAll(async () => {
  await api.close();
  await redis.dispose();
});

/** The reply and how long it took; a request that hangs fails the test through its timeout. */
async function timed(
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply & { ms: number }> {
  const started = Date.now();
  const reply = await api.call(method, path, {
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(6_000),
  });
  return { ...reply, ms: Date.now() - started };
}

async function waitUntilReady(timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if ((await timed('GET', '/ready')).status === 200) return Date.now() - started;
    await delay(100);
  }
  throw new Error(`/ready did not answer 200 within ${timeoutMs} ms`);
}

function expectUnavailable(reply: Reply & { ms: number }, what: string): void {
  expect({ what, status: reply.status }).toEqual({ what, status: 503 });
  expect(reply.body.error.code).toBe('redis_unavailable');
  expect(reply.body.error.message).toMatch(/^Redis is unavailable \([a-z ]+\); retry shortly$/);
  expect(reply.headers.get('retry-after')).toBe('1');
  // "At once": a generous bound that still tells answering from waiting out the 4 s timeout.
  expect(reply.ms).toBeLessThan(3_500);
}

test('Redis stopped: 503 at once with a clear message; back by itself when Redis returns', async () => {
  const before = await api.submitEmail();
  const live = await openEvents(`${api.url}/events`);
  try {
    await redis.stop();

    expectUnavailable(await timed('GET', '/ready'), 'ready');
    expectUnavailable(await timed('POST', '/submit-job', validEmail), 'submit');
    expectUnavailable(await timed('POST', '/jobs/bulk', { jobs: [validEmail] }), 'bulk');
    expectUnavailable(await timed('GET', `/jobs/status/${before}`), 'status');
    expectUnavailable(await timed('GET', '/jobs'), 'list');
    expectUnavailable(await timed('GET', '/stats'), 'stats');
    expectUnavailable(await timed('DELETE', `/jobs/${before}`), 'cancel');
    expectUnavailable(await timed('POST', `/jobs/${before}/retry`), 'retry');
    expectUnavailable(await timed('GET', '/events'), 'events');
    const groups = await timed('GET', '/groups');
    expectUnavailable(groups, 'groups');
    expect(groups.body.error.message).toBe('Redis is unavailable (list groups); retry shortly');
    // Bad input is still bad input, and the process itself is alive.
    expect((await timed('POST', '/submit-job', { job_type: 'send_email' })).status).toBe(400);
    expect((await timed('GET', '/groups?limit=abc')).status).toBe(400);
    expect((await timed('GET', '/health')).status).toBe(200);
    const metrics = await timed('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^jobqueue_redis_errors_total [1-9]\d*$/m);

    await redis.start(); // same port, same data
    await waitUntilReady(10_000);

    const after = await timed('POST', '/submit-job', validEmail);
    expect(after.status).toBe(202);
    expect((await timed('GET', `/jobs/status/${before}`)).body.status).toBe('queued');
    // The live-log stream opened before the outage carries on.
    await live.waitFor((message) => message.data.job_id === after.body.job_id, 1, 10_000);
  } finally {
    live.close();
  }
});

test('Redis frozen: requests answer 503 after the command timeout instead of hanging', async () => {
  redis.pause();
  try {
    const started = Date.now();
    const reply = await api.call('POST', '/submit-job', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(validEmail),
      signal: AbortSignal.timeout(15_000),
    });
    expect(reply.status).toBe(503);
    // The Redis client's own words stay in the log, not in the reply.
    expect(reply.body.error.message).toBe('Redis is unavailable (submit); retry shortly');
    // The 4 s command timeout, not a hang (a hang would be cut off by the request's own 15 s).
    expect(Date.now() - started).toBeLessThan(12_000);
  } finally {
    redis.resume();
  }
  await waitUntilReady(10_000);
  expect((await timed('POST', '/submit-job', validEmail)).status).toBe(202);
});

test('Redis out of memory: a stable 503 without internals; leases and heartbeats still renew', async () => {
  const worker = await api.startEmailWorker(
    { delayMs: 4000, failureRate: 0 },
    { leaseMs: 600, shutdownTimeoutMs: 100 },
  );
  const admin = new Redis(redis.url);
  const k = api.queue.keys;
  try {
    const running = await api.submitEmail();
    await api.waitForJob(running, (record) => record.status === 'processing');
    await admin.config('SET', 'maxmemory', '1');
    const lease = Number(await admin.zscore(k.active, running));
    const heartbeat = Number(await admin.zscore(k.workers, worker.id));

    const reply = await timed('POST', '/submit-job', validEmail);
    expect(reply.status).toBe(503);
    expect(reply.body.error).toEqual({
      code: 'redis_unavailable',
      message: 'Redis is out of memory (submit); retry once it has room again',
    });
    // The body says nothing of the script; the API's log keeps Redis's own words.
    expect(logged.some((line) => line.includes('request failed') && /OOM command/.test(line))).toBe(
      true,
    );
    // Renewals go on (each moves a score that exists), so the running job keeps its worker
    // and the worker still counts, while Redis refuses new work.
    await delay(1500);
    expect(Number(await admin.zscore(k.active, running))).toBeGreaterThan(lease);
    expect(Number(await admin.zscore(k.workers, worker.id))).toBeGreaterThan(heartbeat);
    expect((await timed('GET', '/stats')).body.workers).toBe(1);
  } finally {
    await admin.config('SET', 'maxmemory', '0');
    admin.disconnect();
    await worker.stop();
  }
});
