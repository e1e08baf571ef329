// A bee-queue worker process for the benchmarks, set up as bee-queue's documentation shows,
// running the deployed worker's send_email work at zero delay (a timer, a UUID).

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import BeeQueue from 'bee-queue';
import { reportToBench, runBenchWorker, stopOnSigterm } from './bench-process';
import { jobStarts } from './job-starts';

runBenchWorker(async () => {
  const queue = new BeeQueue(process.env.QUEUE_NAME!, {
    redis: { url: process.env.REDIS_URL! },
    // A worker process needs no job events of its own; it still publishes them for producers.
    getEvents: false,
  });
  await queue.ready();
  reportToBench(jobStarts());
  queue.on('error', (error) => console.error('bee-queue worker error:', error.message));
  queue.process(Number(process.env.WORKER_CONCURRENCY), async () => {
    await sleep(0);
    return { message_id: randomUUID() };
  });
  stopOnSigterm(() => queue.close());
});
