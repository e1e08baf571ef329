// The drain as the worker is deployed: the worker service itself (services/worker, its real job
// types, pino logs to a file, Prometheus metrics on) running send_email at zero delay, against a
// BullMQ worker and a bee-queue worker doing the same handler work (a zero-delay timer and a UUID
// result). The clock runs from the first completion to the last, so neither process's start-up
// counts (the worker's CPU is read on that clock too); Redis CPU is read from the worker's start
// to the last completion.

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@jobqueue/testkit';
import { BenchChild } from './child';
import { cpuSeconds } from './drain';
import type { BenchRedis } from './redis-server';
import { BeeQueueSystem } from './systems/bee-queue';
import { BullmqQueue } from './systems/bullmq';
import { OurQueue } from './systems/ours';
import type { DrainedSystem } from './systems/system';

const WORKER_SERVICE = join(__dirname, '..', '..', 'services', 'worker', 'dist', 'main.js');
const QUEUE = 'bench-deployed';

export const DEPLOYED_SYSTEMS = ['jobqueue', 'BullMQ', 'bee-queue'] as const;
export type DeployedSystem = (typeof DEPLOYED_SYSTEMS)[number];

export interface DeployedResult {
  jobsPerSecond: number;
  redisCpuPer1000: number;
  /** The worker process's CPU seconds per 1,000 jobs, on the same clock (NaN without /proc). */
  workerCpuPer1000: number;
}

function make(system: DeployedSystem, redisUrl: string): DrainedSystem {
  if (system === 'jobqueue') return new OurQueue(redisUrl, QUEUE, {}, 'send_email');
  if (system === 'BullMQ') return new BullmqQueue(redisUrl, QUEUE);
  return new BeeQueueSystem(redisUrl, QUEUE);
}

/** Which worker service runs, and how (bench:ab compares two of these). */
export interface WorkerServiceRun {
  /** Its built main.js: another checkout's, to compare builds. */
  script?: string;
  /** Options given to node, e.g. V8 flags. */
  nodeOptions?: string[];
  /** Environment added over the bench's own (LOG_LEVEL=warn, ...). */
  env?: Record<string, string>;
}

export async function deployedDrain(
  redis: BenchRedis,
  system: DeployedSystem,
  options: { n: number; concurrency: number; logDir: string; service?: WorkerServiceRun },
): Promise<DeployedResult> {
  await redis.flush();
  const queue = make(system, redis.url);
  let worker: BenchChild | undefined;
  try {
    await queue.submitMixed(options.n);
    const env = {
      REDIS_URL: redis.url,
      QUEUE_NAME: QUEUE,
      WORKER_CONCURRENCY: String(options.concurrency),
    };
    const log = join(options.logDir, `deployed-${system}.log`);
    const service = options.service ?? {};
    const cpuBefore = cpuSeconds(await redis.info('cpu'));
    worker =
      system === 'jobqueue'
        ? BenchChild.start(
            'worker service',
            service.script ?? WORKER_SERVICE,
            {
              ...env,
              MOCK_EMAIL_DELAY_MS: '0',
              MOCK_EMAIL_FAILURE_RATE: '0',
              WORKER_METRICS_PORT: String(await freePort()),
              LOG_LEVEL: 'info',
              ...service.env,
            },
            log,
            service.nodeOptions,
          )
        : BenchChild.start(
            `${system} worker`,
            queue.workerScript,
            { ...env, BENCH_HANDLER: 'email' },
            log,
          );
    const deadline = Date.now() + 60_000 + options.n * 5;
    let first: { at: number; done: number; workerCpu: number } | undefined;
    let done = 0;
    while ((done = await queue.completed()) < options.n) {
      if (done > 0 && !first)
        first = { at: performance.now(), done, workerCpu: worker.cpuSeconds() };
      if (Date.now() > deadline) throw new Error(`${system}: ${done} of ${options.n} completed`);
      worker.assertRunning();
      await sleep(10);
    }
    const workerCpuAtEnd = worker.cpuSeconds();
    const cpu = cpuSeconds(await redis.info('cpu')) - cpuBefore;
    const start = first ?? { at: performance.now(), done: 0, workerCpu: 0 };
    const workerCpu = workerCpuAtEnd - start.workerCpu;
    return {
      jobsPerSecond:
        (options.n - start.done) / Math.max(0.001, (performance.now() - start.at) / 1000),
      redisCpuPer1000: (cpu / options.n) * 1000,
      workerCpuPer1000: (workerCpu / Math.max(1, options.n - start.done)) * 1000,
    };
  } finally {
    await worker?.stop();
    await queue.close();
  }
}
