// Drain: N jobs of mixed priority are submitted first, then one worker process starts; the
// clock runs from its start to the last completion. Redis's CPU time, the commands the worker
// sent and Redis's memory are read around it.

import { setTimeout as sleep } from 'node:timers/promises';
import { BenchChild, nowMs } from './child';
import type { BenchRedis } from './redis-server';
import type { QueueSystem } from './systems/system';

/**
 * How often the bench asks whether the drain is done. On two cores a poll every millisecond took
 * about a tenth of the drain rate from the systems measured; a poll every 10 ms can make a drain
 * look at most 10 ms longer than it was (under 1 % here), never shorter.
 */
const POLL_MS = 10;

export interface DrainResult {
  jobsPerSecond: number;
  /** Redis CPU seconds (user + sys) per 1,000 jobs, over the drain. */
  redisCpuPer1000: number;
  /** Commands the worker process sent per job (a pipeline counts each command). */
  clientCallsPerJob: number;
  /** Commands Redis ran per job, those inside scripts included (INFO commandstats). */
  redisCommandsPerJob: number;
  /** Growth of Redis's used_memory per finished job, from before submission to after the drain. */
  memoryBytesPerJob: number;
  /** CPU seconds (user + sys) of the worker process per 1,000 jobs, from its start. */
  workerCpuPer1000: number;
  workerCommands: Record<string, number>;
}

export interface DrainOptions {
  n: number;
  concurrency: number;
  queueName: string;
  logFile: string;
  /** Runs on the empty Redis before the jobs are submitted (e.g. to set limits). */
  prepare?: () => Promise<unknown>;
}

export async function drain(
  redis: BenchRedis,
  system: QueueSystem,
  options: DrainOptions,
): Promise<DrainResult> {
  const { n } = options;
  await redis.flush();
  await options.prepare?.();
  const memoryBefore = Number((await redis.info('memory')).used_memory);
  await system.submitMixed(n);
  const cpuBefore = cpuSeconds(await redis.info('cpu'));
  const commandsBefore = totalCommands(await redis.info('commandstats'));

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
    const started = Number((await worker.next('started')).at);
    // Generous: a drain slower than 200 jobs/s is broken, not slow.
    const deadline = Date.now() + 30_000 + n * 5;
    let done = 0;
    while ((done = await system.completed()) < n) {
      if (Date.now() > deadline) throw new Error(`${system.label}: ${done} of ${n} jobs completed`);
      await sleep(POLL_MS);
    }
    const seconds = (nowMs() - started) / 1000;
    const cpu = cpuSeconds(await redis.info('cpu')) - cpuBefore;
    const commands = totalCommands(await redis.info('commandstats')) - commandsBefore;
    const memoryAfter = Number((await redis.info('memory')).used_memory);
    worker.send({ type: 'report' });
    const report = await worker.next('report');
    const sent = report.commands as Record<string, number>;
    const clientCalls = Object.values(sent).reduce((sum, count) => sum + count, 0);
    return {
      jobsPerSecond: n / seconds,
      redisCpuPer1000: (cpu / n) * 1000,
      clientCallsPerJob: clientCalls / n,
      redisCommandsPerJob: commands / n,
      memoryBytesPerJob: (memoryAfter - memoryBefore) / n,
      workerCpuPer1000: Number(report.cpuMs) / n,
      workerCommands: sent,
    };
  } finally {
    await worker.stop();
  }
}

export function cpuSeconds(info: Record<string, string>): number {
  return Number(info.used_cpu_user) + Number(info.used_cpu_sys);
}

/** Every command Redis ran, by INFO commandstats, less the bench's own INFO calls. */
function totalCommands(info: Record<string, string>): number {
  let total = 0;
  for (const [name, value] of Object.entries(info)) {
    if (name === 'cmdstat_info') continue;
    total += Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
  }
  return total;
}
