// A worker frozen while idle (SIGSTOP: a stopped container, a host paused) costs no job an
// attempt: the claim Redis runs for it behind its wait leases a job only until the worker would
// have confirmed starting it, recovery then gives the job to a live worker with the attempt not
// counted, and the frozen worker, once thawed, drops what that claim took instead of running it.
import { submitJob, waitForJob } from './support/api-client';
import { logMessages, readQueueEvents } from './support/queue-events';
import { emailJob, startQueueStack, startWorker, waitForMessage } from './support/queue-stack';

describe('a worker frozen while idle', () => {
  it('costs a job it took no attempt: a live worker runs it as attempt 1, and it runs once', async () => {
    const stack = await startQueueStack('frozen');
    // A lease far longer than the test: only the unconfirmed claim's short lease can free the job.
    const env = { JOB_LEASE_MS: '600000', MOCK_EMAIL_DELAY_MS: '0' };
    const frozen = await startWorker(stack, env);
    await waitForMessage(frozen, 'No jobs in queue, waiting...');

    frozen.signal('SIGSTOP');
    try {
      // Its wait (and the claim queued behind it) is the only one in Redis: the claim takes the job.
      const id = await submitJob(stack.api, emailJob(1, { max_attempts: 1 }));
      const live = await startWorker(stack, env);
      const record = await waitForJob(
        stack.api,
        id,
        (job) => job.status !== 'queued' && job.status !== 'processing',
        30_000,
      );
      expect(record).toMatchObject({ status: 'completed', attempts: 1 });
      expect(logMessages(live)).toContain(`Job ${id} completed successfully`);

      const events = await readQueueEvents(stack.redisUrl, stack.queueName);
      const recovered = events.filter((e) => e.type === 'recovered' && e.job_id === id);
      expect(recovered.map((e) => e.message)).toEqual([
        expect.stringMatching(/claimed it but never started it \(attempt not counted\)$/),
      ]);
    } finally {
      frozen.signal('SIGCONT');
    }
    // Thawed, it drops what its claim took, and runs nothing.
    await frozen.waitForLine(/Dropped job\(s\) claimed while this worker was frozen/, 10_000);
    frozen.signal('SIGTERM');
    await frozen.waitForExit();
    expect(logMessages(frozen).filter((line) => line.startsWith('Picked job'))).toEqual([]);
  }, 120_000);
});
