// A worker process of this queue for the benchmarks: the service's setup (configuration from the
// environment, pino logs on stdout, one Worker) with a no-op job type, reporting to the bench
// (bench-process.ts).

import { createLogger, createRedis, loadConfig, Worker, workerSettings } from '@jobqueue/shared';
import { countRedisCommands } from '../command-counter';
import { benchJobTypes } from '../jobs';
import { reportToBench, runBenchWorker, stopOnSigterm } from './bench-process';
import { jobStarts } from './job-starts';

runBenchWorker(async () => {
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
  reportToBench(starts);
  await worker.start();
  stopOnSigterm(async () => {
    await worker.stop();
    redis.disconnect();
  });
});
