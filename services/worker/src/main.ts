// Starts a worker process: reads the environment, registers the job handlers and runs a Worker
// until SIGTERM or SIGINT, then finishes running jobs (at most SHUTDOWN_TIMEOUT_MS) and exits 0.
// With WORKER_METRICS_PORT set it serves its Prometheus metrics there.

import {
  ConfigError,
  createJobTypes,
  createLogger,
  createRedis,
  httpTargetsFromEnv,
  loadConfig,
  RedisOutageLog,
  warnIfRedisMayLoseJobs,
  Worker,
  workerSettings,
} from '@jobqueue/shared';
import { createWorkerMetrics } from './metrics';
import { serveMetrics } from './metrics-server';

async function main(): Promise<void> {
  const config = loadConfig();
  const metricsPort = config.workerMetricsPort;
  const logger = createLogger('worker', config.logLevel);
  const metrics = createWorkerMetrics(config.queueName);
  const redis = createRedis({
    redisUrl: config.redisUrl,
    clusterNodes: config.redisClusterNodes,
    connectionName: 'jobqueue-worker',
  });
  // Every failed (re)connect is counted; the outage is said in the log once (RedisOutageLog).
  redis.on('error', () => metrics.redisError('connection'));
  const redisOutage = new RedisOutageLog(logger).watch(redis);
  redis.once('ready', () => void warnIfRedisMayLoseJobs(redis, logger));

  const httpTargets = httpTargetsFromEnv();
  if (httpTargets.allowedOrigins.length > 0 && !httpTargets.signingSecret) {
    logger.warn(
      'http jobs are on and HTTP_JOB_SIGNING_SECRET is not set: their requests go unsigned, so targets cannot check they come from this queue',
    );
  }
  const worker = new Worker({
    ...workerSettings(config),
    redis,
    jobTypes: createJobTypes({
      mockEmail: { delayMs: config.mockEmailDelayMs, failureRate: config.mockEmailFailureRate },
      httpTargets,
    }),
    logger,
    hooks: metrics.hooks,
    redisOutage,
  });
  metrics.observe(worker);
  const metricsServer =
    metricsPort === undefined
      ? undefined
      : await serveMetrics(metrics.registry, metricsPort, config.host);
  if (metricsServer)
    logger.info({ port: metricsPort }, `Metrics on http://${config.host}:${metricsPort}/metrics`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      `${signal} received; finishing running jobs (at most ${config.shutdownTimeoutMs} ms)`,
    );
    await worker.stop();
    metricsServer?.close();
    redis.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await worker.start();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`worker: ${error.message}`);
  else console.error('worker: failed to start:', error);
  process.exit(1);
});
