// A BullMQ worker process for the benchmarks, set up as BullMQ's documentation shows, running a
// no-op processor, reporting to the bench (bench-process.ts).

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import Redis from 'ioredis';
import { countRedisCommands } from '../command-counter';
import { reportToBench, runBenchWorker, stopOnSigterm } from './bench-process';
import { jobStarts } from './job-starts';

runBenchWorker(async () => {
  countRedisCommands();
  const connection = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
  await connection.ping();
  const starts = jobStarts();
  reportToBench(starts);
  // BENCH_HANDLER=email: the deployed worker's send_email work at zero delay (a timer, a UUID).
  const email = process.env.BENCH_HANDLER === 'email';
  const handler = async (job: { id?: string }): Promise<unknown> => {
    if (!email) return starts.started(job.id!);
    await sleep(0);
    return { message_id: randomUUID() };
  };
  const worker = new Worker(process.env.QUEUE_NAME!, handler, {
    connection,
    concurrency: Number(process.env.WORKER_CONCURRENCY),
  });
  worker.on('error', (error) => console.error('bullmq worker error:', error.message));
  stopOnSigterm(async () => {
    await worker.close();
    connection.disconnect();
  });
});
