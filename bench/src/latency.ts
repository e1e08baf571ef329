// Latency at idle: jobs submitted one at a time, some ms apart, to a worker with nothing else to
// do. Times are taken in this one process: before each submit call, and when the system's events
// stream tells that the job was picked or completed.

import { setTimeout as sleep } from 'node:timers/promises';
import { BenchChild, nowMs } from './child';
import type { BenchRedis } from './redis-server';
import { percentile } from './stats';
import type { QueueSystem } from './systems/system';

export interface LatencyResult {
  pickedP50Ms: number;
  pickedP99Ms: number;
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
    },
    options.logFile,
  );
  try {
    await worker.next('started');
    const picked = new Map<string, number>();
    const completed = new Map<string, number>();
    await system.watch(
      (id) => picked.set(id, nowMs()),
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
    while (completed.size < submitted.size || picked.size < submitted.size) {
      if (Date.now() > deadline) {
        throw new Error(`${system.label}: ${completed.size} of ${submitted.size} jobs completed`);
      }
      await sleep(5);
    }
    const since = (events: Map<string, number>) =>
      [...submitted].map(([id, at]) => events.get(id)! - at);
    const toPick = since(picked);
    const toComplete = since(completed);
    return {
      pickedP50Ms: percentile(toPick, 50),
      pickedP99Ms: percentile(toPick, 99),
      completedP50Ms: percentile(toComplete, 50),
      completedP99Ms: percentile(toComplete, 99),
    };
  } finally {
    await worker.stop();
  }
}
