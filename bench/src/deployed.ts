// The drain as the worker is deployed: the worker service itself (services/worker, its real job
// types, pino logs to a file, Prometheus metrics on) running send_email at zero delay, against a
// BullMQ worker doing the same handler work (a zero-delay timer and a UUID result). The clock runs
// from the first completion to the last, so neither process's start-up counts.

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@jobqueue/testkit';
import { BenchChild } from './child';
import type { BenchRedis } from './redis-server';
import { BullmqQueue } from './systems/bullmq';
import { OurQueue } from './systems/ours';
import type { QueueSystem } from './systems/system';

const WORKER_SERVICE = join(__dirname, '..', '..', 'services', 'worker', 'dist', 'main.js');
const QUEUE = 'bench-deployed';

export type DeployedSystem = 'jobqueue' | 'BullMQ';

export async function deployedDrain(
  redis: BenchRedis,
  system: DeployedSystem,
  options: { n: number; concurrency: number; logDir: string },
): Promise<number> {
  await redis.flush();
  const queue: QueueSystem =
    system === 'jobqueue'
      ? new OurQueue(redis.url, QUEUE, {}, 'send_email')
      : new BullmqQueue(redis.url, QUEUE);
  let worker: BenchChild | undefined;
  try {
    await queue.submitMixed(options.n);
    const env = {
      REDIS_URL: redis.url,
      QUEUE_NAME: QUEUE,
      WORKER_CONCURRENCY: String(options.concurrency),
    };
    worker =
      system === 'jobqueue'
        ? BenchChild.start(
            'worker service',
            WORKER_SERVICE,
            {
              ...env,
              MOCK_EMAIL_DELAY_MS: '0',
              MOCK_EMAIL_FAILURE_RATE: '0',
              WORKER_METRICS_PORT: String(await freePort()),
              LOG_LEVEL: 'info',
            },
            join(options.logDir, 'deployed-worker.log'),
          )
        : BenchChild.start(
            'BullMQ worker',
            queue.workerScript,
            { ...env, BENCH_HANDLER: 'email' },
            join(options.logDir, 'deployed-bullmq.log'),
          );
    const deadline = Date.now() + 60_000 + options.n * 5;
    let first: { at: number; done: number } | undefined;
    let done = 0;
    while ((done = await queue.completed()) < options.n) {
      if (done > 0 && !first) first = { at: performance.now(), done };
      if (Date.now() > deadline) throw new Error(`${system}: ${done} of ${options.n} completed`);
      await sleep(10);
    }
    const start = first ?? { at: performance.now(), done: 0 };
    return (options.n - start.done) / Math.max(0.001, (performance.now() - start.at) / 1000);
  } finally {
    await worker?.stop();
    await queue.close();
  }
}
