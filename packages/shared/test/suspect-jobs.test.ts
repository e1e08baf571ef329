// Jobs lost with their worker run again. A job lost twice is a suspect, as it may be what killed
// those workers: two suspects never share a worker, yet a worker running one keeps claiming the
// other jobs, so the queue behind them flows. A job lost once is no suspect: a death that was no
// job's fault (a crash, a frozen host) costs the jobs it lost one attempt and nothing more.

import { setTimeout as sleep } from 'node:timers/promises';
import { JobFetcher } from '../src/fetcher';
import { runScript } from '../src/scripts';
import type { JobRecord } from '../src';
import { createFixture, eventually, testJobType, type QueueFixture } from './queue-fixture';

describe('jobs lost with their worker', () => {
  let fixture: QueueFixture;
  let gate: Promise<void>;
  let openGate: () => void;
  let suspectsRunning = 0;
  let mostSuspectsAtOnce = 0;
  /** Payload numbers of the jobs the test made suspects. */
  const suspectNumbers = new Set<number>();

  beforeEach(() => {
    gate = new Promise((resolve) => (openGate = resolve));
    suspectsRunning = 0;
    mostSuspectsAtOnce = 0;
    suspectNumbers.clear();
    fixture = createFixture({
      jobTypes: testJobType(async ({ n }) => {
        if (!suspectNumbers.has(n)) return { n };
        suspectsRunning++;
        mostSuspectsAtOnce = Math.max(mostSuspectsAtOnce, suspectsRunning);
        await gate;
        suspectsRunning--;
        return { n };
      }),
    });
  });
  afterEach(async () => {
    openGate();
    await fixture.close();
  });

  const fetcher = (workerId: string, leaseMs = 5000) =>
    new JobFetcher(fixture.redis, fixture.queue.keys, {
      workerId,
      leaseMs,
      eventsMaxLen: 1000,
      blockTimeoutMs: 100,
      jobTypes: ['test'],
    });
  const submit = async (n: number) =>
    (await fixture.queue.submit({ job_type: 'test', payload: { n } })).job_id;
  const status = async (id: string) => ((await fixture.queue.get(id)) as JobRecord).status;

  /** Submits jobs and loses each of their attempts with a dying worker twice: suspects. */
  async function suspects(...numbers: number[]): Promise<string[]> {
    const ids: string[] = [];
    for (const n of numbers) ids.push(await submit(n));
    for (const round of [1, 2]) await loseWithWorker(`doomed-${round}`, numbers.length);
    for (const n of numbers) suspectNumbers.add(n);
    return ids;
  }

  /** A worker claims `count` jobs and dies; recovery puts them back. */
  async function loseWithWorker(workerId: string, count: number): Promise<void> {
    const doomed = fetcher(workerId, 20);
    expect(await doomed.claim(count)).toHaveLength(count);
    await doomed.close();
    await sleep(40);
    const k = fixture.queue.keys;
    const [requeued] = await runScript<[number, number]>(fixture.redis, 'recover', k, [
      k.prefix,
      100,
      3600,
      1000,
    ]);
    expect(requeued).toBe(count);
  }

  it('a job lost once runs again side by side with the others it was lost with', async () => {
    const ids = [await submit(1), await submit(2), await submit(3)];
    await loseWithWorker('doomed', 3);
    const heir = fetcher('heir');
    const jobs = await heir.claim(10);
    expect(jobs.map((j) => [j.id, j.attempt, j.suspect])).toEqual(ids.map((id) => [id, 2, false]));
    expect(heir.suspectsPassed).toBe(0);
    await heir.close();
  });

  it('a claim takes one suspect at most, passing the others over for the jobs behind them', async () => {
    const [s1, s2, s3] = await suspects(1, 2, 3);
    const clean = [await submit(10), await submit(11)];

    const first = fetcher('first');
    const jobs = await first.claim(10);
    expect(jobs.map((j) => [j.id, j.suspect])).toEqual([
      [s1, true],
      [clean[0], false],
      [clean[1], false],
    ]);
    expect(first.suspectsPassed).toBe(2);

    // A worker that already runs a suspect takes none; one that runs none takes the next.
    expect(await first.claim(10, true)).toEqual([]);
    expect(first.suspectsPassed).toBe(2);
    const second = fetcher('second');
    expect((await second.claim(10)).map((j) => [j.id, j.suspect])).toEqual([[s2, true]]);
    expect(second.suspectsPassed).toBe(1);
    expect(await status(s3!)).toBe('queued');
    await Promise.all([first.close(), second.close()]);
  });

  it('a worker running a suspect completes the jobs queued behind other suspects meanwhile', async () => {
    const [s1, s2] = await suspects(1, 2);
    const clean: string[] = [];
    for (let n = 10; n < 16; n++) clean.push(await submit(n));

    await fixture.startWorker({ concurrency: 4 });
    // One suspect is held up in its handler; the other waits in line, not beside it, and the
    // queue behind them flows.
    await eventually(
      async () => (await Promise.all(clean.map(status))).every((s) => s === 'completed'),
      10_000,
      'the jobs behind the suspects to complete',
    );
    expect(await status(s1!)).toBe('processing');
    expect(await status(s2!)).toBe('queued');

    openGate();
    await eventually(
      async () => (await status(s1!)) === 'completed' && (await status(s2!)) === 'completed',
      10_000,
      'both suspects to complete',
    );
    expect(mostSuspectsAtOnce).toBe(1);
  });
});
