// Redis connections: a single server from REDIS_URL, or a Redis Cluster from REDIS_CLUSTER_NODES.
// They reconnect by themselves; callers see errors while Redis is away instead of hanging.

import Redis, { Cluster, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisConnectionOptions {
  redisUrl: string;
  clusterNodes?: string[];
  /** Fail a command after this long instead of waiting on a frozen server. Unset: wait. */
  commandTimeoutMs?: number;
  /** Queue commands while disconnected (the worker) or fail them at once (the API). */
  queueWhileOffline?: boolean;
  connectionName?: string;
}

export function createRedis(options: RedisConnectionOptions): RedisClient {
  const common: RedisOptions = {
    connectionName: options.connectionName,
    commandTimeout: options.commandTimeoutMs,
    enableOfflineQueue: options.queueWhileOffline ?? true,
    maxRetriesPerRequest: options.queueWhileOffline === false ? 0 : 3,
    // Reconnect forever, backing off to one attempt every 500 ms: a refused connect costs little,
    // and a restarted Redis is back in service within half a second.
    retryStrategy: (times) => Math.min(times * 50, 500),
  };
  if (options.clusterNodes && options.clusterNodes.length > 0) {
    const url = new URL(options.redisUrl);
    const nodes = options.clusterNodes.map((node) => {
      const [host, port] = node.split(':');
      return { host: host ?? '127.0.0.1', port: Number(port ?? 6379) };
    });
    return new Cluster(nodes, {
      enableOfflineQueue: common.enableOfflineQueue,
      clusterRetryStrategy: (times) => Math.min(times * 50, 500),
      redisOptions: {
        ...common,
        password: url.password ? decodeURIComponent(url.password) : undefined,
        username: url.username ? decodeURIComponent(url.username) : undefined,
        tls: url.protocol === 'rediss:' ? {} : undefined,
      },
    });
  }
  return new Redis(options.redisUrl, common);
}

/** A second connection for blocking commands (BZPOPMIN, XREAD BLOCK), which hold their socket. */
export function duplicateForBlocking(redis: RedisClient): RedisClient {
  // A blocking command outlasts any command timeout, and its new connection is not ready yet
  // when the first one is sent: no timeout, and queue commands until it is.
  const blocking = { commandTimeout: undefined, enableOfflineQueue: true };
  const connection =
    redis instanceof Cluster
      ? redis.duplicate(undefined, {
          enableOfflineQueue: true,
          redisOptions: { ...redis.options.redisOptions, ...blocking },
        })
      : redis.duplicate(blocking);
  // While Redis is away the commands sent on it fail, and their callers say so; the connection
  // reconnects by itself. Without a listener ioredis would print every failed reconnect to stderr.
  connection.on('error', () => undefined);
  return connection;
}

/** A pipeline's replies; a command that failed (Redis went away mid-way) fails the whole call. */
export async function execPipeline(
  pipeline: ReturnType<RedisClient['pipeline']>,
): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
