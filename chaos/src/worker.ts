// A worker process for chaos runs: the product's Worker, configured from the environment exactly
// as services/worker does it, with the `chaos` job type added. CHAOS_LEDGER_DIR says where it
// writes its ledger file.

import { randomUUID } from 'node:crypto';
import {
  ConfigError,
  createJobTypes,
  createLogger,
  createRedis,
  type JobType,
  loadConfig,
  RedisOutageLog,
  Worker,
  workerSettings,
} from '@jobqueue/shared';
import { chaosJob } from './chaos-job';
import { LedgerWriter } from './ledger';

async function main(): Promise<void> {
  const config = loadConfig();
  const ledgerDir = process.env.CHAOS_LEDGER_DIR;
  if (!ledgerDir) throw new ConfigError(['CHAOS_LEDGER_DIR: must name the ledger folder']);
  const workerId = config.workerId ?? `chaos-${process.pid}-${randomUUID().slice(0, 8)}`;
  const logger = createLogger('worker', config.logLevel);
  const redis = createRedis({
    redisUrl: config.redisUrl,
    clusterNodes: config.redisClusterNodes,
    connectionName: 'jobqueue-worker',
  });
  const redisOutage = new RedisOutageLog(logger).watch(redis);

  const ledger = new LedgerWriter(ledgerDir, workerId);
  const jobTypes = new Map<string, JobType>(
    createJobTypes({
      mockEmail: { delayMs: config.mockEmailDelayMs, failureRate: config.mockEmailFailureRate },
    }),
  );
  jobTypes.set('chaos', chaosJob(ledger) as JobType);

  const worker = new Worker({
    ...workerSettings(config),
    redis,
    jobTypes,
    logger,
    workerId,
    redisOutage,
  });

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await worker.stop();
    ledger.close();
    redis.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  await worker.start();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`chaos worker: ${error.message}`);
  else console.error('chaos worker: failed to start:', error);
  process.exit(1);
});
