// An api process for chaos runs: the product's Koa app (createApp) on the product's Redis
// settings (503 at once while Redis is away, 4 s command timeout), whose registry also knows the
// `chaos` job type. No rate limit: the runs themselves are the flood.

import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigError,
  createJobTypes,
  createLogger,
  createRedis,
  JobQueue,
  type JobType,
  loadConfig,
  queueSettings,
} from '@jobqueue/shared';
import { createApp } from '@jobqueue/api/dist/app';
import { chaosJobSchemaOnly } from './chaos-job';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', config.logLevel);
  const redis = createRedis({
    redisUrl: config.redisUrl,
    clusterNodes: config.redisClusterNodes,
    queueWhileOffline: false,
    commandTimeoutMs: 4000,
    connectionName: 'jobqueue-api',
  });
  redis.on('error', (error: Error) =>
    logger.warn({ err: error.message }, 'Redis connection error'),
  );

  const jobTypes = new Map<string, JobType>(
    createJobTypes({
      mockEmail: { delayMs: config.mockEmailDelayMs, failureRate: config.mockEmailFailureRate },
    }),
  );
  jobTypes.set('chaos', chaosJobSchemaOnly() as JobType);
  const queue = new JobQueue({ ...queueSettings(config), redis, jobTypes });
  const app = createApp(queue, { logger, apiToken: config.apiToken });

  const ready = new Promise<boolean>((resolve) => redis.once('ready', () => resolve(true)));
  await Promise.race([ready, sleep(5000, false)]);
  const server = app.koa.listen(config.port, config.host);
  await once(server, 'listening');
  logger.info({ port: config.port }, `API listening on port ${config.port}`);

  const shutdown = () => {
    server.close();
    server.closeAllConnections();
    void app.close().finally(() => {
      redis.disconnect();
      process.exit(0);
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`chaos api: ${error.message}`);
  else console.error('chaos api: failed to start:', error);
  process.exit(1);
});
