// The API process: reads the environment, connects to Redis, serves the app on PORT and closes
// gracefully on SIGTERM or SIGINT.

import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createJobTypes,
  createLogger,
  createRedis,
  JobQueue,
  type JobType,
  loadConfig,
  queueKeys,
  queueSettings,
  RedisOutageLog,
  storePriorityAging,
  warnIfRedisMayLoseJobs,
} from '@jobqueue/shared';
import { createApp, streamLimits } from './app';

/**
 * Reads the environment, connects to Redis and listens on PORT until SIGTERM or SIGINT.
 * `extraJobTypes` join the product's (the chaos runs add theirs).
 */
export async function serveApi(extraJobTypes: JobType[] = []): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', config.logLevel);
  const redis = createRedis({
    redisUrl: config.redisUrl,
    clusterNodes: config.redisClusterNodes,
    // While Redis is away, answer 503 at once instead of holding requests.
    queueWhileOffline: false,
    commandTimeoutMs: 4000,
    connectionName: 'jobqueue-api',
  });
  const redisOutage = new RedisOutageLog(logger).watch(redis);
  redis.once('ready', () => void warnIfRedisMayLoseJobs(redis, logger));
  // On every (re)connection: a Redis that lost its data, or another API that stored another
  // value, gets this API's setting back.
  redis.on('ready', () => {
    storePriorityAging(redis, queueKeys(config.queueName), config.priorityAgingMs).then(
      (before) => {
        if (before !== null && before !== config.priorityAgingMs)
          logger.info(
            `PRIORITY_AGING_MS is ${config.priorityAgingMs} for queue ${config.queueName} (was ${before}); queued jobs were placed again`,
          );
      },
      (error: Error) =>
        logger.warn({ err: error.message }, 'Could not store PRIORITY_AGING_MS with the queue'),
    );
  });

  const jobTypes = new Map(
    createJobTypes({
      mockEmail: { delayMs: config.mockEmailDelayMs, failureRate: config.mockEmailFailureRate },
    }),
  );
  for (const type of extraJobTypes) jobTypes.set(type.name, type);
  const queue = new JobQueue({ ...queueSettings(config), redis, jobTypes });
  const app = createApp(queue, {
    logger,
    apiToken: config.apiToken,
    corsOrigins: config.corsOrigins,
    submitRateLimit: config.submitRateLimit,
    trustProxy: config.trustProxy,
    eventStreams: streamLimits(config),
    httpWorkers: { leaseMs: config.jobLeaseMs, backoffBaseMs: config.backoffBaseMs },
    redisOutage,
  });
  // Commands fail at once while the connection is not up yet, so give it a moment before taking
  // requests; when Redis is away the API listens anyway and answers 503 until it is back.
  const ready = new Promise<boolean>((resolve) => redis.once('ready', () => resolve(true)));
  const connected = await Promise.race([ready, sleep(5000, false)]);
  if (!connected) logger.warn('Redis does not answer yet; answering 503 until it does');
  const server = app.koa.listen(config.port, config.host);
  await once(server, 'listening');

  const shutdown = async (signal: string) => {
    logger.info(`${signal} received; closing`);
    // Listen before closing: with no open connections 'close' fires before app.close() returns.
    const closed = once(server, 'close');
    server.close();
    server.closeIdleConnections();
    await app.close();
    // Open live-log streams never end on their own; give in-flight requests a moment, then go.
    setTimeout(() => server.closeAllConnections(), 1000).unref();
    await closed;
    redis.disconnect();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  // Announced only once the signal handlers are in: whoever waits for this line may stop us next.
  logger.info(
    { port: config.port, queue: config.queueName },
    `API listening on http://localhost:${config.port} (queue ${config.queueName})`,
  );
}
