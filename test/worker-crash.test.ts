// A worker process killed with SIGKILL mid-job loses nothing: its leases expire and another
// worker's recovery puts the jobs back in line. A running worker renews its leases, so a long job
// is never taken from it.
import { getJson, submitJob, waitForJob } from './support/api-client';
import { logMessages, readQueueEvents } from './support/queue-events';
import { emailJob, startQueueStack, startWorker, waitForMessage } from './support/queue-stack';

const LEASE_MS = '1000';

describe('a worker killed with SIGKILL mid-job', () => {
  it('loses no job: a new worker recovers the killed attempts and completes everything', async () => {
    const stack = await startQueueStack('crash');
    const doomed = await startWorker(stack, {
      WORKER_CONCURRENCY: '3',
      JOB_LEASE_MS: LEASE_MS,
      MOCK_EMAIL_DELAY_MS: '60000',
    });
    const ids: string[] = [];
    for (let n = 0; n < 6; n++) ids.push(await submitJob(stack.api, emailJob(n)));
    // The first three are mid-job in the doomed worker; the other three wait in line.
    const running = ids.slice(0, 3);
    for (const id of running) await waitForMessage(doomed, `Picked job ${id}`);

    doomed.signal('SIGKILL');
    expect((await doomed.waitForExit()).signal).toBe('SIGKILL');
    const heir = await startWorker(stack, {
      WORKER_CONCURRENCY: '3',
      JOB_LEASE_MS: LEASE_MS,
      MOCK_EMAIL_DELAY_MS: '50',
    });

    for (const id of ids) {
      const record = await waitForJob(stack.api, id, (job) => job.status === 'completed');
      expect({ id, attempts: record.attempts }).toEqual({
        id,
        attempts: running.includes(id) ? 2 : 1,
      });
    }
    const stats = (await getJson(`${stack.api.url}/stats`)).body;
    expect(stats.totals.recovered).toBeGreaterThanOrEqual(1);
    expect(stats.totals).toMatchObject({ submitted: 6, completed: 6, failed: 0 });
    expect(stats.counts).toMatchObject({ queued: 0, processing: 0, completed: 6 });

    const events = await readQueueEvents(stack.redisUrl, stack.queueName);
    const recovered = events.filter((e) => e.type === 'recovered').map((e) => e.job_id);
    expect(recovered.sort()).toEqual([...running].sort());
    for (const id of running)
      expect(logMessages(heir)).toContain(`Job ${id} completed successfully`);
  });

  it('fails a job whose every attempt was lost with its worker, saying so', async () => {
    const stack = await startQueueStack('crash');
    const doomed = await startWorker(stack, {
      JOB_LEASE_MS: LEASE_MS,
      MOCK_EMAIL_DELAY_MS: '60000',
    });
    const id = await submitJob(stack.api, emailJob(1, { max_attempts: 1 }));
    await waitForMessage(doomed, `Picked job ${id}`);

    doomed.signal('SIGKILL');
    await doomed.waitForExit();
    // Recovery runs in every live worker; this one finds the expired lease.
    const survivor = await startWorker(stack, {
      JOB_LEASE_MS: LEASE_MS,
      MOCK_EMAIL_DELAY_MS: '50',
    });

    const record = await waitForJob(stack.api, id, (job) => job.status === 'failed');
    expect(record).toMatchObject({ attempts: 1, max_attempts: 1, completed_at: null });
    expect(record.last_error).toMatch(/worker .* was lost/i);
    expect(record.failed_at).not.toBeNull();
    expect(logMessages(survivor)).not.toContain(`Picked job ${id}`);
    const stats = (await getJson(`${stack.api.url}/stats`)).body;
    expect(stats.totals).toMatchObject({ failed: 1, recovered: 0, completed: 0 });
  });
});

describe('a running worker', () => {
  it('renews its leases: a job three times longer than the lease runs once', async () => {
    const stack = await startQueueStack('lease');
    const env = { JOB_LEASE_MS: LEASE_MS, MOCK_EMAIL_DELAY_MS: '3000' };
    const workers = [await startWorker(stack, env), await startWorker(stack, env)];
    const id = await submitJob(stack.api, emailJob(1));

    const record = await waitForJob(stack.api, id, (job) => job.status === 'completed', 15_000);
    expect(record.attempts).toBe(1);
    const stats = (await getJson(`${stack.api.url}/stats`)).body;
    expect(stats.totals).toMatchObject({ recovered: 0, completed: 1 });

    const picks = workers.flatMap((w) => logMessages(w)).filter((m) => m === `Picked job ${id}`);
    expect(picks).toHaveLength(1);
    const events = await readQueueEvents(stack.redisUrl, stack.queueName);
    expect(events.filter((e) => e.type === 'picked')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'recovered')).toHaveLength(0);
  });
});
