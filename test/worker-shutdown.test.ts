// SIGTERM is a graceful stop: the worker claims nothing more, lets its running jobs finish (at most
// SHUTDOWN_TIMEOUT_MS) and exits 0. A job it could not finish in time is left to lease expiry,
// and another worker recovers it.
import { RedisServerProcess } from '@jobqueue/testkit';
import { getJson, postJson, submitJob, waitForJob } from './support/api-client';
import { logMessages, readQueueEvents } from './support/queue-events';
import { emailJob, startQueueStack, startWorker, waitForMessage } from './support/queue-stack';

describe('a worker sent SIGTERM', () => {
  it('finishes its running jobs, claims no new ones and exits 0', async () => {
    const stack = await startQueueStack('shutdown');
    const worker = await startWorker(stack, {
      WORKER_CONCURRENCY: '2',
      MOCK_EMAIL_DELAY_MS: '1500',
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    const running = [
      await submitJob(stack.api, emailJob(1)),
      await submitJob(stack.api, emailJob(2)),
    ];
    for (const id of running) await waitForMessage(worker, `Picked job ${id}`);

    worker.signal('SIGTERM');
    await worker.waitForLog((log) => String(log.msg).startsWith('SIGTERM received'));
    const late = [await submitJob(stack.api, emailJob(3)), await submitJob(stack.api, emailJob(4))];

    expect(await worker.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    const messages = logMessages(worker);
    for (const id of running) {
      expect(messages).toContain(`Job ${id} completed successfully`);
      const record = (await getJson(`${stack.api.url}/jobs/status/${id}`)).body;
      expect(record).toMatchObject({ status: 'completed', attempts: 1 });
    }
    for (const id of late) expect(messages).not.toContain(`Picked job ${id}`);

    const stats = (await getJson(`${stack.api.url}/stats`)).body;
    expect(stats.counts).toMatchObject({ processing: 0, queued: 2, completed: 2 });
    expect(stats.workers).toBe(0);
    for (const id of late) {
      expect((await getJson(`${stack.api.url}/jobs/status/${id}`)).body.status).toBe('queued');
    }
  });

  it('exits 0 after SHUTDOWN_TIMEOUT_MS with a longer job, which another worker recovers', async () => {
    const stack = await startQueueStack('shutdown');
    const env = { JOB_LEASE_MS: '1000', SHUTDOWN_TIMEOUT_MS: '500' };
    const worker = await startWorker(stack, { ...env, MOCK_EMAIL_DELAY_MS: '60000' });
    const id = await submitJob(stack.api, emailJob(1));
    await waitForMessage(worker, `Picked job ${id}`);

    const signalled = Date.now();
    worker.signal('SIGTERM');
    expect(await worker.waitForExit(40_000)).toEqual({ code: 0, signal: null });
    const shutdownMs = Date.now() - signalled;
    expect(shutdownMs).toBeGreaterThanOrEqual(500);
    // About the timeout, not the job's 60 s: a bound only a worker waiting for its job crosses.
    expect(shutdownMs).toBeLessThan(30_000);
    expect(logMessages(worker)).not.toContain(`Job ${id} completed successfully`);

    // Still leased to the stopped worker until its lease runs out.
    expect((await getJson(`${stack.api.url}/jobs/status/${id}`)).body.status).toBe('processing');
    const heir = await startWorker(stack, { ...env, MOCK_EMAIL_DELAY_MS: '50' });
    const record = await waitForJob(stack.api, id, (job) => job.status === 'completed');
    expect(record.attempts).toBe(2);
    expect(logMessages(heir)).toContain(`Job ${id} completed successfully`);

    const stats = (await getJson(`${stack.api.url}/stats`)).body;
    expect(stats.totals).toMatchObject({ recovered: 1, completed: 1, failed: 0, retried: 0 });
    const events = await readQueueEvents(stack.redisUrl, stack.queueName);
    expect(events.filter((e) => e.type === 'recovered').map((e) => e.job_id)).toEqual([id]);
  });

  it('exits 0 when its Redis froze mid-drain, its claims and completions unanswered', async () => {
    const redis = await new RedisServerProcess().start();
    try {
      const stack = await startQueueStack('shutdown', redis.url);
      const worker = await startWorker(stack, {
        WORKER_CONCURRENCY: '20',
        MOCK_EMAIL_DELAY_MS: '20',
        SHUTDOWN_TIMEOUT_MS: '1000',
      });
      const jobs = Array.from({ length: 1000 }, (_, n) => emailJob(n));
      expect((await postJson(`${stack.api.url}/jobs/bulk`, { jobs })).status).toBe(202);
      await worker.waitForLog((log) => String(log.msg).endsWith('completed successfully'));

      // Frozen, not gone: the connections stay open and nothing is ever answered.
      redis.pause();
      worker.signal('SIGTERM');
      // SHUTDOWN_TIMEOUT_MS and the goodbye's 2 s; before, it waited for Redis for good.
      expect(await worker.waitForExit(20_000)).toEqual({ code: 0, signal: null });
      expect(logMessages(worker).filter((msg) => /^Worker \S+ stopped$/.test(msg))).toHaveLength(1);
    } finally {
      redis.resume();
      await redis.stop();
    }
  });
});
