// A BullMQ worker process for the benchmarks, set up as BullMQ's documentation shows, running a
// no-op processor, reporting to the bench (bench-process.ts).

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
  const worker = new Worker(process.env.QUEUE_NAME!, async (job) => starts.started(job.id!), {
    connection,
    concurrency: Number(process.env.WORKER_CONCURRENCY),
  });
  worker.on('error', (error) => console.error('bullmq worker error:', error.message));
  stopOnSigterm(async () => {
    await worker.close();
    connection.disconnect();
  });
});
