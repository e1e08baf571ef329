// Redis goes away and comes back on the same port: the worker and the api ride it out on their
// own, with no restart. The api answers 503 while Redis is away; the worker keeps running, records
// what it was running when Redis returns, and picks new jobs.
import { delay, RedisServerProcess } from '@jobqueue/testkit';
import { getJson, postJson, submitJob, waitForJob, eventually } from './support/api-client';
import { logMessages } from './support/queue-events';
import { emailJob, startQueueStack, startWorker, type QueueStack } from './support/queue-stack';
import Redis from 'ioredis';
import { queueKeys } from '@jobqueue/shared';

const jobKey = (stack: QueueStack, id: string) => queueKeys(stack.queueName).job(id);

async function startOwnRedis(): Promise<RedisServerProcess> {
  // Every write on disk at once, so a killed server loses nothing and the test is about the worker.
  return new RedisServerProcess({ appendonly: true, args: ['--appendfsync', 'always'] }).start();
}

async function expectReadyAgain(stack: QueueStack): Promise<void> {
  await eventually(
    async () => (await getJson(`${stack.api.url}/ready`)).status === 200,
    'the api to report ready after Redis came back',
    15_000,
  );
}

describe('a Redis outage', () => {
  it('leaves an idle worker running; it picks new jobs once Redis is back', async () => {
    const redis = await startOwnRedis();
    const stack = await startQueueStack('outage', redis.url);
    const worker = await startWorker(stack, { MOCK_EMAIL_DELAY_MS: '50' });
    const before = await submitJob(stack.api, emailJob(1));
    await waitForJob(stack.api, before, (job) => job.status === 'completed');

    await redis.stop();
    const ready = await getJson(`${stack.api.url}/ready`);
    expect(ready.status).toBe(503);
    const refused = await postJson(`${stack.api.url}/submit-job`, emailJob(2));
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toMatch(/redis/i);
    await delay(1500); // several reconnect attempts fail meanwhile
    expect(worker.exited).toBeUndefined();
    // The outage is said once in each log, however many reconnects failed meanwhile; the
    // worker's loops that fail with it leave it at that (at debug), and its other connections
    // stay quiet (ioredis would print each of their failures to stderr, a stack trace apiece,
    // with no listener for them).
    const lost = 'Redis unreachable; reconnecting (said again every 30 s while it lasts)';
    expect(logMessages(worker).filter((msg) => msg === lost)).toHaveLength(1);
    expect(stack.api.service.lines.filter((line) => line.includes(lost))).toHaveLength(1);
    expect(logMessages(worker).filter((msg) => msg.startsWith('Could not fetch jobs'))).toEqual([]);
    const apiLoops = /Could not fire schedules|HTTP workers: .* failed/;
    expect(stack.api.service.lines.filter((line) => apiLoops.test(line))).toEqual([]);
    for (const service of [worker, stack.api.service])
      expect(service.lines.filter((line) => line.includes('Unhandled error event'))).toEqual([]);

    await redis.start();
    await expectReadyAgain(stack);
    await worker.waitForLog((log) =>
      String(log.msg).startsWith('Redis connection restored after '),
    );
    const after = await submitJob(stack.api, emailJob(3));
    const record = await waitForJob(stack.api, after, (job) => job.status === 'completed', 15_000);
    expect(record.attempts).toBe(1);
    expect(logMessages(worker)).toContain(`Job ${after} completed successfully`);
    expect(worker.exited).toBeUndefined();
  });

  it('records the jobs that were running when Redis died, once it is back', async () => {
    const redis = await startOwnRedis();
    const stack = await startQueueStack('outage', redis.url);
    // A lease longer than every wait below: a job recovery put back would show in `recovered`.
    const worker = await startWorker(stack, {
      WORKER_CONCURRENCY: '3',
      MOCK_EMAIL_DELAY_MS: '1000',
      JOB_LEASE_MS: '120000',
    });
    const running: string[] = [];
    for (let n = 0; n < 3; n++) running.push(await submitJob(stack.api, emailJob(n)));
    for (const id of running) await worker.waitForLog((log) => log.msg === `Picked job ${id}`);
    // Started and confirmed (see fetcher.ts) before Redis goes: their leases are whole.
    const client = new Redis(redis.url);
    await eventually(
      async () =>
        (
          await Promise.all(running.map((id) => client.hget(jobKey(stack, id), 'unconfirmed')))
        ).every((flag) => flag === null),
      'the running jobs confirmed',
    );
    client.disconnect();

    await redis.kill();
    await delay(1500); // the jobs finish while Redis is away
    expect(worker.exited).toBeUndefined();
    await redis.start();
    await expectReadyAgain(stack);

    for (const id of running) {
      await waitForJob(stack.api, id, (job) => job.status === 'completed', 15_000);
    }
    const fresh = await submitJob(stack.api, emailJob(9));
    await waitForJob(stack.api, fresh, (job) => job.status === 'completed', 15_000);

    const stats = (await getJson(`${stack.api.url}/stats`)).body;
    // Recorded by the worker that ran them, not run again after a recovery.
    expect(stats.totals).toMatchObject({ submitted: 4, completed: 4, failed: 0, recovered: 0 });
    expect(stats.counts).toMatchObject({ processing: 0, queued: 0, completed: 4 });
    for (const id of running) {
      expect((await getJson(`${stack.api.url}/jobs/status/${id}`)).body.attempts).toBe(1);
      expect(logMessages(worker)).toContain(`Job ${id} completed successfully`);
    }
    expect(worker.exited).toBeUndefined();
  });
});
