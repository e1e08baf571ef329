// DELETE /jobs/:id on a running job: it ends as cancelled at once, its handler's signal aborts on
// the worker that runs it, it is not retried, and a handler that finishes anyway is refused.

import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineJobType, type JobTypeRegistry } from '../src';
import { createFixture, eventually, type QueueFixture } from './queue-fixture';

let fixture: QueueFixture;
const aborted: string[] = [];
const finished: string[] = [];

const long = defineJobType({
  name: 'long',
  payload: z.object({ obey: z.boolean(), tag: z.string() }),
  async run({ obey, tag }, { signal }) {
    if (obey) {
      await new Promise<void>((_, reject) =>
        signal.addEventListener('abort', () => {
          aborted.push(tag);
          reject(signal.reason as Error);
        }),
      );
    }
    await sleep(400);
    finished.push(tag);
    return { tag };
  },
});
const registry: JobTypeRegistry = new Map([[long.name, long]]);

beforeEach(async () => {
  aborted.length = 0;
  finished.length = 0;
  // A long lease: only the cancel itself can end the handler within the test.
  fixture = createFixture({ jobTypes: registry });
  await fixture.startWorker({ leaseMs: 60_000, concurrency: 2 });
});
afterEach(() => fixture.close());

const running = async (id: string) =>
  eventually(async () => (await fixture.queue.get(id))?.status === 'processing');

test('a running job is cancelled at once, its handler aborted, and it is not retried', async () => {
  const { job_id } = await fixture.queue.submit({
    job_type: 'long',
    payload: { obey: true, tag: 'obedient' },
  });
  await running(job_id);
  const record = await fixture.queue.cancel(job_id);
  expect(record).toMatchObject({ status: 'cancelled', attempts: 1 });
  await eventually(() => aborted.includes('obedient'), 2000, 'the handler aborted within 2 s');
  await sleep(300);
  expect(await fixture.queue.get(job_id)).toMatchObject({ status: 'cancelled', attempts: 1 });
  const cancelledEvent = (await fixture.queue.events('0', 100)).find(
    (event) => event.type === 'cancelled' && event.job_id === job_id,
  );
  expect(cancelledEvent?.message).toMatch(/^Job \S+ cancelled while running on worker /);
});

test('a handler that ignores the cancel and finishes has its result refused', async () => {
  const { job_id } = await fixture.queue.submit({
    job_type: 'long',
    payload: { obey: false, tag: 'deaf' },
  });
  await running(job_id);
  await fixture.queue.cancel(job_id);
  await eventually(() => finished.includes('deaf'), 5000);
  await sleep(200);
  expect(await fixture.queue.get(job_id)).toMatchObject({ status: 'cancelled', result: null });
  const completed = (await fixture.queue.events('0', 100)).filter((e) => e.type === 'completed');
  expect(completed).toEqual([]);
});

test('a cancel names the attempt it cancelled: a newer attempt of the job is left running', async () => {
  const { job_id } = await fixture.queue.submit({
    job_type: 'long',
    payload: { obey: true, tag: 'newer' },
  });
  await running(job_id);
  const token = await fixture.redis.hget(`jq:{${fixture.queueName}}:job:${job_id}`, 'lease_token');
  // What cancel.lua says for an older attempt, reaching this worker after the job came back.
  await fixture.redis.publish(fixture.queue.keys.cancels, `${job_id} an-older-attempt:0`);
  await sleep(300);
  expect(aborted).not.toContain('newer');
  await fixture.redis.publish(fixture.queue.keys.cancels, `${job_id} ${token}`);
  await eventually(() => aborted.includes('newer'), 2000, 'the named attempt aborted');
});
