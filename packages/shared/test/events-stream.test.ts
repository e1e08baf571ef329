// The events stream holds one entry per script call for the busy transitions (a submission, a
// claim, a completion call), and readers still get one event per job and log line, each with an
// id of its own that a reader can resume after, and the stream keeps about EVENTS_MAX_LEN events.

import { z } from 'zod';
import { entryJobs, JobQueue, type JobType, type StreamEntry } from '../src';
import { createFixture, eventually, testJobType, type QueueFixture } from './queue-fixture';

const job = (n: number, extra: Record<string, unknown> = {}) => ({
  job_type: 'test',
  payload: { n },
  ...extra,
});

describe('the events stream', () => {
  let fixture: QueueFixture;
  beforeEach(() => {
    fixture = createFixture({ jobTypes: testJobType(async () => null) });
  });
  afterEach(() => fixture.close());

  it('reads an entry of a thousand events a bounded page at a time, without gaps or repeats', async () => {
    const bulk = (
      await fixture.queue.submitMany(Array.from({ length: 1000 }, (_, n) => job(n)))
    ).map((s) => s.job_id);
    const single = (await fixture.queue.submit(job(1000))).job_id;
    const seen: string[] = [];
    let after = '0';
    let pages = 0;
    for (;;) {
      const page = await fixture.queue.eventPage(after, 8, 300);
      pages += 1;
      expect(page.events.length).toBeLessThanOrEqual(300);
      seen.push(...page.events.map((e) => e.job_id));
      if (page.reachedEnd) break;
      after = page.events.at(-1)!.id;
    }
    expect(seen).toEqual([...bulk, single]);
    expect(pages).toBe(4);
  });

  it('reads no more entries than a page of events needs: one bulk entry fills it alone', async () => {
    for (let i = 0; i < 8; i++)
      await fixture.queue.submitMany(Array.from({ length: 1000 }, (_, n) => job(n)));
    const xrange = jest.spyOn(fixture.redis, 'xrange');
    try {
      const page = await fixture.queue.eventPage('0', 8, 200);
      expect(page.events).toHaveLength(200);
      // One entry read, not eight: each holds a thousand events, and the page sends 200.
      expect(xrange.mock.calls.map((call) => call.at(-1))).toEqual([1]);
    } finally {
      xrange.mockRestore();
    }
  });

  it("reads a claim of many jobs as each job's Picked and Processing lines, in order", async () => {
    const submitted = await fixture.queue.submitMany([job(1), job(2), job(3)]);
    const ids = submitted.map((s) => s.job_id);
    // One claim leases all three: a worker claims a third of its slots at a time.
    await fixture.startWorker({ concurrency: 9 });
    await eventually(async () => (await fixture.queue.stats()).counts.completed === 3);

    const events = await fixture.queue.events('0', 1000);
    expect(events.map((e) => [e.type, e.job_id, e.message])).toEqual([
      ...ids.map((id) => ['submitted', id, `Job ${id} submitted (queued)`]),
      ...ids.flatMap((id, i) => [
        ['picked', id, `Picked job ${id}`],
        ['processing', id, `Processing job ${id}: {"n":${i + 1}}`],
      ]),
      ...ids.map((id) => ['completed', id, `Job ${id} completed successfully`]),
    ]);
    const picked = events.filter((e) => e.type === 'picked');
    expect(picked.every((e) => e.attempt === 1 && e.worker_id !== null && e.time !== null)).toBe(
      true,
    );
    // Three entries (submitted, picked, completed), nine events with ids of their own.
    const entries = (await fixture.redis.xrange(
      fixture.queue.keys.events,
      '-',
      '+',
    )) as StreamEntry[];
    expect(entries.map(entryJobs)).toEqual([
      { type: 'submitted', jobIds: ids },
      { type: 'picked', jobIds: ids },
      { type: 'completed', jobIds: ids },
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('resumes after an event inside an entry with exactly the events after it', async () => {
    await fixture.queue.submitMany([job(1), job(2), job(3), job(4)]);
    const later = await fixture.queue.submitMany([job(5)]);
    const all = await fixture.queue.events('0', 1000);
    expect(all).toHaveLength(5);

    const afterSecond = await fixture.queue.events(all[1]!.id, 1000);
    expect(afterSecond.map((e) => e.id)).toEqual(all.slice(2).map((e) => e.id));
    // After the last event of an entry, the next entry follows.
    const afterFourth = await fixture.queue.events(all[3]!.id, 1000);
    expect(afterFourth.map((e) => e.job_id)).toEqual([later[0]!.job_id]);
    // The newest events, counted in events, not entries.
    expect((await fixture.queue.events(null, 2)).map((e) => e.id)).toEqual(
      all.slice(3).map((e) => e.id),
    );
  });
});

it('keeps about EVENTS_MAX_LEN events, however many jobs each entry holds', async () => {
  const fixture = createFixture({ jobTypes: testJobType(async () => null) });
  const queue = new JobQueue({
    redis: fixture.redis,
    queueName: fixture.queueName,
    jobTypes: testJobType(async () => null),
    maxAttempts: 3,
    idempotencyTtlSeconds: 60,
    jobTtlSeconds: 60,
    failedJobTtlSeconds: 60,
    eventsMaxLen: 1000,
  });
  try {
    for (let batch = 0; batch < 20; batch++) {
      await queue.submitMany(Array.from({ length: 250 }, (_, n) => job(n, { delay_ms: 60_000 })));
    }
    const kept = (await queue.events('0', 100_000)).length;
    expect(kept).toBeGreaterThanOrEqual(1000);
    expect(kept).toBeLessThanOrEqual(2000);
  } finally {
    await fixture.close();
  }
});

it("gives each job's payload text, control characters and all, in its Processing line", async () => {
  const textJob: JobType<{ text: string }> = {
    name: 'text',
    description: 'a job with any text',
    payloadSchema: z.strictObject({ text: z.string() }),
    run: async () => null,
  };
  const fixture = createFixture({ jobTypes: new Map([['text', textJob as JobType]]) });
  try {
    const texts = ['a\u001eb', 'line\nbreak, "quoted"', 'ünïcödé ✓', ''];
    const submitted = await fixture.queue.submitMany(
      texts.map((text) => ({ job_type: 'text', payload: { text } })),
    );
    await fixture.startWorker({ concurrency: 24 });
    await eventually(async () => (await fixture.queue.stats()).counts.completed === texts.length);
    const processing = (await fixture.queue.events('0', 1000)).filter(
      (e) => e.type === 'processing',
    );
    expect(processing.map((e) => [e.job_id, e.message])).toEqual(
      submitted.map(({ job_id }, i) => [
        job_id,
        `Processing job ${job_id}: ${JSON.stringify({ text: texts[i] })}`,
      ]),
    );
  } finally {
    await fixture.close();
  }
});
