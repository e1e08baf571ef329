// Latency at idle: jobs submitted one at a time, some ms apart, to a worker with nothing else to
// do. The clock starts in this process before each submit call. A job is picked when the worker
// process starts it (its handler is called; the worker records the time); it is completed when a
// watcher of the system's events stream learns so. How long a watcher takes to learn of the pick
// is reported too: that adds the wake-up of a third process, which is no part of picking.

import { setTimeout as sleep } from 'node:timers/promises';
import { BenchChild, nowMs } from './child';
import type { BenchRedis } from './redis-server';
import { percentile } from './stats';
import type { QueueSystem } from './systems/system';

export interface LatencyResult {
  pickedP50Ms: number;
  pickedP99Ms: number;
  watcherPickedP50Ms: number;
  watcherPickedP99Ms: number;
  completedP50Ms: number;
  completedP99Ms: number;
}

export interface LatencyOptions {
  jobs: number;
  gapMs: number;
  concurrency: number;
  queueName: string;
  logFile: string;
}

const PRIORITY = 5;

export async function idleLatency(
  redis: BenchRedis,
  system: QueueSystem,
  options: LatencyOptions,
): Promise<LatencyResult> {
  await redis.flush();
  const worker = BenchChild.start(
    `${system.label} worker`,
    system.workerScript,
    {
      REDIS_URL: redis.url,
      QUEUE_NAME: options.queueName,
      WORKER_CONCURRENCY: String(options.concurrency),
      BENCH_RECORD_STARTS: '1',
    },
    options.logFile,
  );
  try {
    await worker.next('started');
    const seenPicked = new Map<string, number>();
    const completed = new Map<string, number>();
    await system.watch(
      (id) => seenPicked.set(id, nowMs()),
      (id) => completed.set(id, nowMs()),
    );
    // Let the worker and the event reader settle into their blocking waits.
    await sleep(500);

    const submitted = new Map<string, number>();
    for (let i = 0; i < options.jobs; i++) {
      const at = nowMs();
      submitted.set(await system.submitOne(PRIORITY), at);
      await sleep(Math.max(0, options.gapMs - (nowMs() - at)));
    }
    const deadline = Date.now() + 10_000;
    while (completed.size < submitted.size || seenPicked.size < submitted.size) {
      if (Date.now() > deadline) {
        throw new Error(`${system.label}: ${completed.size} of ${submitted.size} jobs completed`);
      }
      await sleep(5);
    }
    worker.send({ type: 'report' });
    const starts = (await worker.next('report')).starts as Record<string, number>;
    const picked = new Map(Object.entries(starts));
    const since = (events: Map<string, number>) =>
      [...submitted].map(([id, at]) => {
        const time = events.get(id);
        if (time === undefined) throw new Error(`${system.label}: no time recorded for job ${id}`);
        return time - at;
      });
    const toPick = since(picked);
    const toSeePick = since(seenPicked);
    const toComplete = since(completed);
    return {
      pickedP50Ms: percentile(toPick, 50),
      pickedP99Ms: percentile(toPick, 99),
      watcherPickedP50Ms: percentile(toSeePick, 50),
      watcherPickedP99Ms: percentile(toSeePick, 99),
      completedP50Ms: percentile(toComplete, 50),
      completedP99Ms: percentile(toComplete, 99),
    };
  } finally {
    await worker.stop();
  }
}
