// What every command that talks to the queue needs: the configuration from the environment, a
// Redis connection that fails fast (naming the URL it tried) instead of hanging, and a JobQueue.

import {
  type Config,
  createJobTypes,
  createRedis,
  JobQueue,
  type JobTypeRegistry,
  loadConfig,
  queueSettings,
  type RedisClient,
} from '@jobqueue/shared';
import { CliError, EXIT } from './errors';

/** How long to wait for Redis to answer before giving up with a clear error. */
export const CONNECT_TIMEOUT_MS = 5000;

export interface QueueContext {
  config: Config;
  redis: RedisClient;
  queue: JobQueue;
  jobTypes: JobTypeRegistry;
  close(): void;
}

export interface OpenOptions {
  /** --allow-shell: accept (and, in a worker, run) shell jobs even without ALLOW_SHELL_JOBS=1. */
  allowShell?: boolean;
}

export async function openQueue(options: OpenOptions = {}): Promise<QueueContext> {
  const config = loadConfig();
  const redis = await connectRedis(config);
  const jobTypes = createJobTypes({
    mockEmail: { delayMs: config.mockEmailDelayMs, failureRate: config.mockEmailFailureRate },
    allowShellJobs: options.allowShell || config.allowShellJobs,
  });
  const queue = new JobQueue({ ...queueSettings(config), redis, jobTypes });
  return { config, redis, queue, jobTypes, close: () => redis.disconnect() };
}

/** Connects, or throws a CliError naming where Redis was looked for and why it did not answer. */
export async function connectRedis(config: Config): Promise<RedisClient> {
  const redis = createRedis({
    redisUrl: config.redisUrl,
    clusterNodes: config.redisClusterNodes,
    connectionName: 'queuectl',
  });
  const where = config.redisClusterNodes.length
    ? `the Redis Cluster at ${config.redisClusterNodes.join(', ')} (REDIS_CLUSTER_NODES)`
    : `Redis at ${redactUrl(config.redisUrl)} (REDIS_URL)`;
  // Errors are reported below or by the commands that hit them; an unhandled one would crash.
  redis.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)),
        CONNECT_TIMEOUT_MS,
      );
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
      redis.once('error', (error: Error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } catch (error) {
    redis.disconnect();
    const why = (error as Error).message || (error as Error).name;
    throw new CliError(`cannot reach ${where}: ${why}`, EXIT.unavailable, 'redis_unavailable');
  }
  return redis;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
