// What the configuration says about a JobQueue and a Worker, in the shape their constructors
// take. Every process that builds one from the environment (api, worker, queuectl, chaos, bench)
// maps the fields here, so a new setting is wired in one place.

import type { Config } from './config';
import type { JobQueueOptions } from './queue';
import type { WorkerOptions } from './worker';

export function queueSettings(config: Config): Omit<JobQueueOptions, 'redis' | 'jobTypes'> {
  return {
    queueName: config.queueName,
    maxAttempts: config.maxAttempts,
    jobTtlSeconds: config.jobTtlSeconds,
    failedJobTtlSeconds: config.failedJobTtlSeconds,
    idempotencyTtlSeconds: config.idempotencyTtlSeconds,
    eventsMaxLen: config.eventsMaxLen,
  };
}

export function workerSettings(
  config: Config,
): Omit<WorkerOptions, 'redis' | 'jobTypes' | 'logger' | 'hooks' | 'blockTimeoutMs'> {
  return {
    queueName: config.queueName,
    concurrency: config.workerConcurrency,
    claimAheadPerSlot: config.workerClaimAhead,
    leaseMs: config.jobLeaseMs,
    backoffBaseMs: config.backoffBaseMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    jobTtlSeconds: config.jobTtlSeconds,
    failedJobTtlSeconds: config.failedJobTtlSeconds,
    eventsMaxLen: config.eventsMaxLen,
    workerId: config.workerId,
  };
}
