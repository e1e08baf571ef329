// A worker frozen while idle (SIGSTOP: a stopped container, a host paused) takes no job: its
// claim is made only in its own turn, so a job submitted meanwhile goes to a live worker on its
// first attempt, and nothing runs twice when the frozen worker thaws.
import { submitJob, waitForJob } from './support/api-client';
import { logMessages } from './support/queue-events';
import { emailJob, startQueueStack, startWorker, waitForMessage } from './support/queue-stack';

describe('a worker frozen while idle', () => {
  it('takes no job: a live worker runs each on its first attempt, and none runs twice', async () => {
    const stack = await startQueueStack('frozen');
    // A lease far longer than the test: only a live worker's claim can finish these jobs.
    const env = { JOB_LEASE_MS: '600000', MOCK_EMAIL_DELAY_MS: '0' };
    const frozen = await startWorker(stack, env);
    await waitForMessage(frozen, 'No jobs in queue, waiting...');
    const live = await startWorker(stack, env);
    await waitForMessage(live, 'No jobs in queue, waiting...');

    frozen.signal('SIGSTOP');
    try {
      // One at a time, so each wake-up meets both waits, the frozen worker's among them.
      for (let n = 0; n < 4; n++) {
        const id = await submitJob(stack.api, emailJob(n, { max_attempts: 1 }));
        const record = await waitForJob(stack.api, id, (job) => job.status === 'completed');
        expect({ n, attempts: record.attempts }).toEqual({ n, attempts: 1 });
      }
    } finally {
      frozen.signal('SIGCONT');
    }
    // Thawed, it finds nothing of theirs to run.
    await waitForMessage(frozen, 'No jobs in queue, waiting...', 10_000).catch(() => undefined);
    frozen.signal('SIGTERM');
    await frozen.waitForExit();
    expect(logMessages(frozen).filter((line) => line.startsWith('Picked job'))).toEqual([]);
  });
});
