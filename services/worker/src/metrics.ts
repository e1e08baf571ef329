// This worker's Prometheus metrics: what it claimed, how its attempts ended, how long jobs ran
// and waited, jobs it recovered from lost workers, and failed Redis round trips. Fed by the
// Worker's hooks; queue-wide counts and depths are the API's /metrics.

import { Counter, Gauge, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';
import type { AttemptOutcome, WorkerHooks } from '@jobqueue/shared';
import { JobHistogram } from './job-histogram';

/** How an attempt's outcome is counted in jobqueue_worker_jobs_total{event}. */
const OUTCOME_EVENT: Record<AttemptOutcome, string> = {
  completed: 'completed',
  retrying: 'retried',
  failed: 'failed',
  lease_lost: 'lease_lost',
  stopped: 'stopped',
  cancelled: 'cancelled',
};

/** What the metrics read from the running worker. */
export interface ObservedWorker {
  id: string;
  activeJobs: number;
}

export interface WorkerMetrics {
  registry: Registry;
  /** For WorkerOptions.hooks. */
  hooks: WorkerHooks;
  /** Labels every metric with the worker's id and reports its running jobs. */
  observe(worker: ObservedWorker): void;
  /** Counts a failed Redis round trip outside the Worker (the connection's own errors). */
  redisError(during: string): void;
}

export function createWorkerMetrics(queue: string): WorkerMetrics {
  const registry = new Registry();
  let observed: ObservedWorker | undefined;
  registry.setDefaultLabels({ queue });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  // A job's events are counted here and added to the counter when it is read: prom-client
  // hashes the label set on every increment, which a busy worker would pay per job.
  const uncounted = new Map<string, number>();
  const jobs = new Counter({
    name: 'jobqueue_worker_jobs_total',
    help: 'Jobs this worker claimed, completed, retried (failed with attempts left), failed for good, recovered from lost workers, lost the lease on, or stopped at shutdown',
    labelNames: ['event'],
    registers,
    collect() {
      for (const [event, count] of uncounted) this.inc({ event }, count);
      uncounted.clear();
    },
  });
  const runSeconds = new JobHistogram({
    name: 'jobqueue_worker_job_run_seconds',
    help: "How long this worker's job handlers ran, per job type and outcome",
    labelNames: ['job_type', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  });
  const waitSeconds = new JobHistogram({
    name: 'jobqueue_worker_job_wait_seconds',
    help: 'How long jobs waited before this worker claimed them: since due (run_at or retry time), else since submitted',
    labelNames: ['job_type'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800],
    registers,
  });
  const redisErrors = new Counter({
    name: 'jobqueue_worker_redis_errors_total',
    help: 'Redis round trips of this worker that failed, by what it was doing',
    labelNames: ['during'],
    registers,
  });
  new Gauge({
    name: 'jobqueue_worker_running_jobs',
    help: 'Jobs this worker is running now',
    registers,
    collect() {
      this.set(observed?.activeJobs ?? 0);
    },
  });
  // Every event starts at 0, so rate() works from the first scrape.
  for (const event of ['claimed', 'recovered', ...Object.values(OUTCOME_EVENT)])
    jobs.inc({ event }, 0);

  const countRedisError = (during: string) => redisErrors.inc({ during } as LabelValues<'during'>);
  // A job's timings reuse the series made for its labels the first time.
  const countEvent = (event: string) => uncounted.set(event, (uncounted.get(event) ?? 0) + 1);
  const waitFor = seriesFor((jobType: string) => waitSeconds.labels({ job_type: jobType }));
  const runFor = seriesFor((key: string) => {
    const [jobType, outcome] = key.split('\n') as [string, string];
    return runSeconds.labels({ job_type: jobType, outcome });
  });
  return {
    registry,
    redisError: countRedisError,
    observe(worker) {
      observed = worker;
      registry.setDefaultLabels({ queue, worker_id: worker.id });
    },
    hooks: {
      jobClaimed(job) {
        countEvent('claimed');
        waitFor(job.jobType).observe(job.waitedMs / 1000);
      },
      attemptEnded(job, outcome, runMs) {
        countEvent(OUTCOME_EVENT[outcome]);
        runFor(`${job.jobType}\n${outcome}`).observe(runMs / 1000);
      },
      jobsRecovered(requeued, failed) {
        jobs.inc({ event: 'recovered' }, requeued);
        jobs.inc({ event: 'failed' }, failed);
      },
      redisError(_error, during) {
        countRedisError(during);
      },
    },
  };
}

/** `make` once per key, the same series after. */
function seriesFor<Series>(make: (key: string) => Series): (key: string) => Series {
  const made = new Map<string, Series>();
  return (key) => {
    let series = made.get(key);
    if (series === undefined) made.set(key, (series = make(key)));
    return series;
  };
}
