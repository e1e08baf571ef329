// A job claimed again by the worker that still runs its older attempt (here: cancelled while its
// handler ignored the signal, then retried): the new attempt holds its lease to the end, and the
// older one's end takes nothing of the new one's with it.

import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineJobType, type JobTypeRegistry } from '../src';
import { createFixture, eventually, type QueueFixture } from './queue-fixture';

// Renewed every third of it: only a stall of over a second would lose it.
const LEASE_MS = 2000;
const runs = new Map<string, number>();
let secondRunStarted: () => void = () => undefined;

const deaf = defineJobType({
  name: 'deaf',
  payload: z.object({}),
  async run(_payload, { jobId }) {
    const run = (runs.get(jobId) ?? 0) + 1;
    runs.set(jobId, run);
    if (run === 1) {
      // Ignores its signal, and returns only once the retry runs beside it: the two overlap
      // however busy the machine is.
      await new Promise<void>((resolve) => (secondRunStarted = resolve));
    } else {
      secondRunStarted();
      // Outlives the first run by two leases: only renewals keep it leased meanwhile.
      await sleep(2 * LEASE_MS);
    }
    return { run };
  },
});
const registry: JobTypeRegistry = new Map([[deaf.name, deaf]]);

let fixture: QueueFixture;
beforeEach(async () => {
  runs.clear();
  fixture = createFixture({ jobTypes: registry });
  await fixture.startWorker({ leaseMs: LEASE_MS, concurrency: 2 });
});
afterEach(() => fixture.close());

test('a job retried while its cancelled attempt still runs on the same worker completes there', async () => {
  const { job_id } = await fixture.queue.submit({ job_type: 'deaf', payload: {} });
  await eventually(async () => (await fixture.queue.get(job_id))?.status === 'processing');
  await fixture.queue.cancel(job_id);
  await fixture.queue.retry(job_id);
  await eventually(() => runs.get(job_id) === 2, 10_000, 'the retry running beside the first run');

  await eventually(
    async () => ['completed', 'failed'].includes((await fixture.queue.get(job_id))!.status),
    15_000,
    'the job to end',
  );
  const record = await fixture.queue.get(job_id);
  expect(record).toMatchObject({
    status: 'completed',
    attempts: 1,
    result: { run: 2 },
    errors: [],
  });
  expect(runs.get(job_id)).toBe(2);
});
