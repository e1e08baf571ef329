// Runs job types in this process: declares them in the queue's registry, claims their jobs from
// Redis and runs up to `concurrency` at once, with the guarantees of the queue's own worker (a job
// whose worker dies runs again elsewhere; a late result after a lost lease is refused).

import {
  createLogger,
  createRedis,
  isClaimAheadPerSlot,
  loadConfig,
  MAX_CLAIM_AHEAD_PER_SLOT,
  productTypeTaken,
  RedisOutageLog,
  Worker,
  workerSettings,
  type JobType,
  type Logger,
} from './core';

/**
 * The worker service's variables a worker started here reads too, for what its options leave
 * out: one configured like the stack's worker (a container beside it) finds the same Redis and
 * queue. Only these: the rest of the process's environment is the application's own.
 */
const WORKER_VARIABLES = [
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'QUEUE_NAME',
  'WORKER_CONCURRENCY',
  'WORKER_CLAIM_AHEAD',
  'WORKER_ID',
  'JOB_LEASE_MS',
  'BACKOFF_BASE_MS',
  'SHUTDOWN_TIMEOUT_MS',
  'JOB_TTL_SECONDS',
  'FAILED_JOB_TTL_SECONDS',
  'EVENTS_MAX_LEN',
  'LOG_LEVEL',
];

/** Each option left out comes from the worker service's variable, else its default. */
export interface StartWorkerOptions {
  /** REDIS_URL; default redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** host:port of Redis Cluster nodes, instead of redisUrl; REDIS_CLUSTER_NODES. */
  clusterNodes?: string[];
  /** The queue's name: QUEUE_NAME, as the stack's; default "jobs". */
  queue?: string;
  // Any job type; its payload type is the handler's business.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  jobTypes: JobType<any>[];
  /** Jobs run at once: WORKER_CONCURRENCY; default 10. */
  concurrency?: number;
  /**
   * Jobs per slot claimed ahead of the free slots while handlers are short: WORKER_CLAIM_AHEAD;
   * default 2, 0 for none, at most 4.
   */
  claimAhead?: number;
  /** How long a job is leased before another worker may take it over: JOB_LEASE_MS; 30 s. */
  leaseMs?: number;
  /** How long stop() lets running jobs finish: SHUTDOWN_TIMEOUT_MS; default 10 s. */
  shutdownTimeoutMs?: number;
  /** WORKER_ID; default made from the host name and process id. */
  workerId?: string;
  /** Default: a pino logger of JSON lines at `logLevel` (LOG_LEVEL; info) on stdout. */
  logger?: Logger;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Stop gracefully on SIGTERM and SIGINT (running jobs finish, then the process exits 0), as
   * the queue's worker service does. Default true.
   */
  handleSignals?: boolean;
}

export interface RunningWorker {
  readonly id: string;
  /** Jobs running or being recorded now. */
  readonly activeJobs: number;
  /** Stops claiming, lets running jobs finish (at most shutdownTimeoutMs), then disconnects. */
  stop(): Promise<void>;
}

export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  if (options.jobTypes.length === 0) throw new Error('startWorker: give at least one job type');
  // The stack's own worker runs these; a type of the same name here would take their jobs.
  for (const type of options.jobTypes) {
    const taken = productTypeTaken(type.name);
    if (taken) throw new Error(`startWorker: ${taken}`);
  }
  const { claimAhead } = options;
  if (claimAhead !== undefined && !isClaimAheadPerSlot(claimAhead)) {
    throw new Error(
      `startWorker: claimAhead must be a whole number from 0 to ${MAX_CLAIM_AHEAD_PER_SLOT} (got ${claimAhead})`,
    );
  }
  // The stack's settings, so a worker started here behaves as the worker service does.
  const config = loadConfig(
    Object.fromEntries(WORKER_VARIABLES.map((name) => [name, process.env[name]])),
  );
  const defaults = workerSettings(config);
  const logger = options.logger ?? createLogger('worker', options.logLevel ?? config.logLevel);
  const redis = createRedis({
    redisUrl: options.redisUrl ?? config.redisUrl,
    clusterNodes: options.clusterNodes ?? config.redisClusterNodes,
    connectionName: 'jobqueue-sdk-worker',
  });
  const redisOutage = new RedisOutageLog(logger).watch(redis);
  const worker = new Worker({
    ...defaults,
    queueName: options.queue ?? defaults.queueName,
    concurrency: options.concurrency ?? defaults.concurrency,
    claimAheadPerSlot: options.claimAhead ?? defaults.claimAheadPerSlot,
    leaseMs: options.leaseMs ?? defaults.leaseMs,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? defaults.shutdownTimeoutMs,
    workerId: options.workerId ?? defaults.workerId,
    redis,
    jobTypes: new Map(options.jobTypes.map((type) => [type.name, type as JobType])),
    logger,
    redisOutage,
  });
  try {
    await worker.start();
  } catch (error) {
    redis.disconnect();
    throw error;
  }

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= worker.stop().finally(() => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      redis.disconnect();
    }));
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info(`${signal} received; finishing running jobs`);
    void stop().then(() => process.exit(0));
  };
  if (options.handleSignals ?? true) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return {
    id: worker.id,
    get activeJobs() {
      return worker.activeJobs;
    },
    stop,
  };
}
