// A worker process of this queue for the benchmarks: the service's setup (configuration from the
// environment, pino logs on stdout, one Worker) with a no-op job type. It reports over IPC when
// it starts and, when asked, the Redis commands it sent since then and when it started each job
// (if the bench asked it to record that).

import { createLogger, createRedis, loadConfig, Worker, workerSettings } from '@jobqueue/shared';
import { nowMs } from '../child';
import { commandCounts, countRedisCommands, resetCommandCounts } from '../command-counter';
import { benchJobTypes } from '../jobs';
import { jobStarts } from './job-starts';

async function main(): Promise<void> {
  countRedisCommands();
  const config = loadConfig();
  const logger = createLogger('worker', config.logLevel);
  const redis = createRedis({ redisUrl: config.redisUrl, connectionName: 'jobqueue-worker' });
  await redis.ping();
  const starts = jobStarts();
  const worker = new Worker({
    ...workerSettings(config),
    redis,
    jobTypes: benchJobTypes(starts.started),
    logger,
  });
  resetCommandCounts();
  const cpuAtStart = process.cpuUsage();
  process.send?.({ type: 'started', at: nowMs() });
  await worker.start();

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
    void worker.stop().then(() => {
      redis.disconnect();
      process.exit(0);
    });
  });
}

main().catch((error: unknown) => {
  console.error('bench worker failed:', error);
  process.exit(1);
});
