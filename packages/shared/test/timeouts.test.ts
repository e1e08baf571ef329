// timeout_ms: past it the handler's signal aborts, the attempt fails as timed out and follows
// the retry policy; a handler that ignores the signal has its slot freed and its result dropped.

import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineJobType, type JobTypeRegistry } from '../src';
import { createFixture, eventually, type QueueFixture } from './queue-fixture';

let fixture: QueueFixture;
const seen: string[] = [];

const slow = defineJobType({
  name: 'slow',
  payload: z.object({ ms: z.number(), obey: z.boolean(), tag: z.string() }),
  timeoutMs: 150,
  backoff: { type: 'fixed', baseMs: 20 },
  async run({ ms, obey, tag }, { signal }) {
    seen.push(`start ${tag}`);
    await sleep(ms, undefined, obey ? { signal } : {});
    seen.push(`end ${tag}`);
    return { tag };
  },
});
const registry: JobTypeRegistry = new Map([[slow.name, slow]]);

beforeEach(() => {
  seen.length = 0;
  fixture = createFixture({ jobTypes: registry });
});
afterEach(() => fixture.close());

test("an attempt past the type's timeout fails as timed out and is retried, then fails", async () => {
  await fixture.startWorker();
  const { job_id } = await fixture.queue.submit({
    job_type: 'slow',
    payload: { ms: 5000, obey: true, tag: 'a' },
    max_attempts: 2,
  });
  await eventually(async () => (await fixture.queue.get(job_id))?.status === 'failed');
  const record = (await fixture.queue.get(job_id))!;
  expect(record).toMatchObject({ attempts: 2, timeout_ms: 150 });
  expect(record.errors.map((e) => e.error)).toEqual([
    'timed out after 150 ms',
    'timed out after 150 ms',
  ]);
  expect(seen).toEqual(['start a', 'start a']); // aborted by its signal both times
});

test('a handler that ignores the signal frees its slot at the timeout; its late result is dropped', async () => {
  await fixture.startWorker({ concurrency: 1 });
  const stubborn = await fixture.queue.submit({
    job_type: 'slow',
    payload: { ms: 1500, obey: false, tag: 'stubborn' },
    max_attempts: 1,
  });
  const next = await fixture.queue.submit({
    job_type: 'slow',
    payload: { ms: 0, obey: true, tag: 'next' },
    timeout_ms: 5000,
  });
  await eventually(async () => (await fixture.queue.get(next.job_id))?.status === 'completed');
  // The one slot ran the next job while the stubborn handler was still sleeping.
  expect(seen).toEqual(['start stubborn', 'start next', 'end next']);
  await eventually(() => seen.includes('end stubborn'), 5000);
  await sleep(100);
  expect(await fixture.queue.get(stubborn.job_id)).toMatchObject({
    status: 'failed',
    result: null,
    last_error: 'timed out after 150 ms',
  });
});
