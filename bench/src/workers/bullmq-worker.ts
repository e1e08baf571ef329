// A BullMQ worker process for the benchmarks, set up as BullMQ's documentation shows, running a
// no-op processor. It reports over IPC when it starts and, when asked, the Redis commands it sent
// and when it started each job (if the bench asked it to record that).

import { Worker } from 'bullmq';
import Redis from 'ioredis';
import { nowMs } from '../child';
import { commandCounts, countRedisCommands, resetCommandCounts } from '../command-counter';
import { jobStarts } from './job-starts';

async function main(): Promise<void> {
  countRedisCommands();
  const connection = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
  await connection.ping();
  resetCommandCounts();
  const cpuAtStart = process.cpuUsage();
  process.send?.({ type: 'started', at: nowMs() });
  const starts = jobStarts();
  const worker = new Worker(process.env.QUEUE_NAME!, async (job) => starts.started(job.id!), {
    connection,
    concurrency: Number(process.env.WORKER_CONCURRENCY),
  });
  worker.on('error', (error) => console.error('bullmq worker error:', error.message));

  process.on('message', (message: { type: string }) => {
    if (message.type !== 'report') return;
    const cpu = process.cpuUsage(cpuAtStart);
    process.send?.({
      type: 'report',
      commands: commandCounts(),
      cpuMs: (cpu.user + cpu.system) / 1000,
      starts: starts.all(),
    });
  });
  process.once('SIGTERM', () => {
    void worker.close().then(() => {
      connection.disconnect();
      process.exit(0);
    });
  });
}

main().catch((error: unknown) => {
  console.error('bench worker failed:', error);
  process.exit(1);
});
