// Priority: more urgent always first, and strictly FIFO in submit order within one priority.

import { priorityNumber, type Priority } from '../src';
import { createFixture, testJobType, type QueueFixture } from './queue-fixture';

const PRIORITIES: Priority[] = ['high', 'normal', 'low', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('priority order', () => {
  let fixture: QueueFixture;
  const picked: number[] = [];

  beforeAll(() => {
    fixture = createFixture({ jobTypes: testJobType(async ({ n }) => void picked.push(n)) });
  });
  afterAll(() => fixture.close());

  it('drains 1,000 interleaved jobs most urgent first, FIFO within a priority', async () => {
    // A fixed pseudo-random interleaving, so a failure can be replayed.
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const submitted = Array.from({ length: 1000 }, (_, n) => ({
      n,
      priority: PRIORITIES[Math.floor(random() * PRIORITIES.length)]!,
    }));

    // Submitted in bulk batches and singly, with no worker running.
    await fixture.queue.submitMany(
      submitted
        .slice(0, 500)
        .map(({ n, priority }) => ({ job_type: 'test', priority, payload: { n } })),
    );
    for (const { n, priority } of submitted.slice(500)) {
      await fixture.queue.submit({ job_type: 'test', priority, payload: { n } });
    }
    expect((await fixture.queue.stats()).counts.queued).toBe(1000);

    await fixture.startWorker({ concurrency: 1 });
    await new Promise<void>((resolve) => {
      const timer = setInterval(
        () => picked.length === 1000 && (clearInterval(timer), resolve()),
        10,
      );
    });

    const expected = [...submitted]
      .sort((a, b) => priorityNumber(b.priority) - priorityNumber(a.priority) || a.n - b.n)
      .map(({ n }) => n);
    expect(picked).toEqual(expected);
  });
});
