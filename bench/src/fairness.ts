// Fairness: how long a quiet group waits while a noisy group's backlog drains, how fast a drain
// spread over a thousand groups goes against one group, and how long a low job waits under a
// flood of high ones with priority aging on and off. BullMQ's open-source queue has no groups
// (FIFO within a priority), so its quiet jobs wait behind the backlog: that is what it is
// measured against.

import { setTimeout as sleep } from 'node:timers/promises';
import { BenchChild, nowMs } from './child';
import type { BenchRedis } from './redis-server';
import { percentile } from './stats';
import { BullmqQueue } from './systems/bullmq';
import { OurQueue } from './systems/ours';

export type FairSystem = 'jobqueue' | 'BullMQ';

const QUEUE = 'bench-fair';
/** PRIORITY_AGING_MS in the flood part: a low job may wait about 9 x this behind high ones. */
export const AGING_MS = 100;
const WINDOW_MS = 1000;
const POLL_MS = 10;

export interface NoisyQuietResult {
  quietP50Ms: number;
  quietP99Ms: number;
  /** Jain's index of the two groups' share of their max-min fair allocation, mean of 1 s windows. */
  jain: number;
}

function make(system: FairSystem, redis: BenchRedis) {
  return system === 'jobqueue' ? new OurQueue(redis.url, QUEUE) : new BullmqQueue(redis.url, QUEUE);
}

function startWorker(
  system: FairSystem,
  redis: BenchRedis,
  workerScript: string,
  concurrency: number,
  logFile: string,
): BenchChild {
  return BenchChild.start(
    `${system} worker`,
    workerScript,
    {
      REDIS_URL: redis.url,
      QUEUE_NAME: QUEUE,
      WORKER_CONCURRENCY: String(concurrency),
      BENCH_RECORD_STARTS: '1',
    },
    logFile,
  );
}

async function startsOf(worker: BenchChild): Promise<Map<string, number>> {
  worker.send({ type: 'report' });
  const starts = (await worker.next('report')).starts as Record<string, number>;
  return new Map(Object.entries(starts));
}

async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  pollMs = POLL_MS,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

/**
 * A noisy group queues `noisy` jobs; a worker starts; then a quiet group submits `quiet` jobs
 * `gapMs` apart. Each quiet job's wait runs from its submit call to its start in the worker.
 */
export async function noisyQuiet(
  redis: BenchRedis,
  system: FairSystem,
  options: { noisy: number; quiet: number; gapMs: number; concurrency: number; logFile: string },
): Promise<NoisyQuietResult> {
  await redis.flush();
  const queue = make(system, redis);
  let worker: BenchChild | undefined;
  try {
    const noisyIds = await queue.submitToGroup('noisy', options.noisy);
    worker = startWorker(system, redis, queue.workerScript, options.concurrency, options.logFile);
    await worker.next('started');
    // The quiet group comes while the backlog drains, not while the worker starts up.
    await until(async () => (await queue.completed()) > 0, 'the drain to start', 60_000);
    const submitted = new Map<string, number>();
    for (let i = 0; i < options.quiet; i++) {
      const at = nowMs();
      const [id] = await queue.submitToGroup('quiet', 1);
      submitted.set(id!, at);
      await sleep(Math.max(0, at + options.gapMs - nowMs()));
    }
    const total = options.noisy + options.quiet;
    await until(async () => (await queue.completed()) >= total, 'the drain', 60_000 + total * 5);
    const starts = await startsOf(worker);
    const waits = [...submitted].map(([id, at]) => starts.get(id)! - at);
    return {
      quietP50Ms: percentile(waits, 50),
      quietP99Ms: percentile(waits, 99),
      jain: jainOverWindows(
        noisyIds.map((id) => ({ at: 0, started: starts.get(id)! })),
        [...submitted].map(([id, at]) => ({ at, started: starts.get(id)! })),
        Math.min(...submitted.values()),
      ),
    };
  } finally {
    await worker?.stop();
    await queue.close();
  }
}

interface Timed {
  /** When it was submitted (0: before the run). */
  at: number;
  started: number;
}

/**
 * Jain's index (sum x)^2 / (n sum x^2) of the groups' x = served / fair share in each window
 * from `from` while both groups had jobs waiting, where the fair share is the max-min fair split
 * of what was served in the window between what each group had waiting: 1 when each group got
 * its share, 0.5 when one of two got nothing. The mean over the windows.
 */
export function jainOverWindows(noisy: Timed[], quiet: Timed[], from: number): number {
  const indexes: number[] = [];
  const end = Math.max(...quiet.map((job) => job.started));
  for (let start = from; start < end; start += WINDOW_MS) {
    const stop = start + WINDOW_MS;
    const demand = [noisy, quiet].map(
      (jobs) => jobs.filter((job) => job.at < stop && job.started >= start).length,
    );
    const served = [noisy, quiet].map(
      (jobs) => jobs.filter((job) => job.started >= start && job.started < stop).length,
    );
    if (demand.some((d) => d === 0)) continue;
    const capacity = served[0]! + served[1]!;
    // Max-min fair: the smaller demand is met up to half; the other group gets the rest.
    const small = demand[0]! <= demand[1]! ? 0 : 1;
    const share = [0, 0];
    share[small] = Math.min(demand[small]!, capacity / 2);
    share[1 - small] = Math.min(demand[1 - small]!, capacity - share[small]!);
    const x = served.map((s, i) => (share[i]! > 0 ? Math.min(1, s / share[i]!) : 1));
    const sum = x[0]! + x[1]!;
    indexes.push((sum * sum) / (2 * (x[0]! ** 2 + x[1]! ** 2)) || 0);
  }
  return indexes.length > 0 ? indexes.reduce((a, b) => a + b, 0) / indexes.length : 1;
}

/**
 * A flood of high jobs at `ratePerSecond` (above what a worker of concurrency 1 drains) for
 * `floodMs`, with one low job submitted `lowAfterMs` into it, none of them in a group: how long
 * the low job waits.
 * `agingMs` null: BullMQ (strict priority); 0: ours strict; more: ours with aging.
 */
export async function lowUnderFlood(
  redis: BenchRedis,
  system: FairSystem,
  options: {
    agingMs: number;
    floodMs: number;
    ratePerSecond: number;
    lowAfterMs: number;
    logFile: string;
  },
): Promise<number> {
  await redis.flush();
  const queue = make(system, redis);
  let worker: BenchChild | undefined;
  try {
    if (queue instanceof OurQueue) await queue.setPriorityAging(options.agingMs);
    worker = startWorker(system, redis, queue.workerScript, 1, options.logFile);
    await worker.next('started');
    const tick = 10;
    const perTick = Math.max(1, Math.round((options.ratePerSecond * tick) / 1000));
    const began = nowMs();
    let low: { id: string; at: number } | undefined;
    while (nowMs() - began < options.floodMs) {
      const at = nowMs();
      if (!low && at - began >= options.lowAfterMs) {
        const [id] = await queue.submitToGroup('', 1, 1);
        low = { id: id!, at };
      }
      await queue.submitToGroup('', perTick, 10);
      await sleep(Math.max(0, at + tick - nowMs()));
    }
    let starts = new Map<string, number>();
    // Seldom: each report carries every start so far (its time is the worker's, not the poll's).
    await until(
      async () => (starts = await startsOf(worker!)).has(low!.id),
      'the low job to start',
      120_000,
      200,
    );
    return starts.get(low!.id)! - low!.at;
  } finally {
    await worker?.stop();
    await queue.close();
  }
}
