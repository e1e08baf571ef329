// Prometheus metrics for GET /metrics: the queue's depth per status and its lifetime job counts
// (all processes, read from Redis at scrape time), jobs this API accepted, Redis round trips that
// failed, and request counts and latency.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { JOB_STATUSES, UnavailableError, type JobQueue } from '@jobqueue/shared';

const QUEUE_TOTALS = ['submitted', 'completed', 'failed', 'retried', 'recovered'] as const;
/** Groups with a label of their own: the busiest; the rest are summed in a series of their own. */
const GROUPS_LABELLED = 10;
/** Groups read per scrape (the most recently active): the label set stays bounded whatever. */
const GROUPS_READ = 500;

export interface Metrics {
  registry: Registry;
  jobsSubmitted: Counter;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  redisErrors: Counter;
  /** Reports `count()` as the number of open live-log streams at each scrape. */
  watchEventStreams(count: () => number): void;
  /** Reads the queue's counts from Redis into the gauges; call before each scrape. */
  refreshQueueStats(): Promise<void>;
}

export function createMetrics(queue: JobQueue): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const redisErrors = new Counter({
    name: 'jobqueue_redis_errors_total',
    help: 'Redis round trips of this API process that failed because Redis was unavailable',
    registers,
  });
  const depth = new Gauge({
    name: 'jobqueue_jobs',
    help: 'Jobs in the queue per status (finished ones while retained)',
    labelNames: ['status'],
    registers,
  });
  // Counters kept in Redis by the scripts; a scrape copies them, so every API replica reports the
  // same queue-wide values.
  const queueTotals = new Counter({
    name: 'jobqueue_queue_jobs_total',
    help: 'Jobs submitted, completed, failed, retried and recovered on the queue since it was created (all processes)',
    labelNames: ['event'],
    registers,
  });
  const workers = new Gauge({
    name: 'jobqueue_workers',
    help: 'Workers with a recent heartbeat',
    registers,
  });
  const groupJobs = new Gauge({
    name: 'jobqueue_group_jobs',
    help: `Jobs queued and running per group: the ${GROUPS_LABELLED} busiest of the ${GROUPS_READ} most recently active groups (the rest: jobqueue_group_jobs_others)`,
    labelNames: ['group', 'state'],
    registers,
  });
  const otherGroupJobs = new Gauge({
    name: 'jobqueue_group_jobs_others',
    help: 'Jobs queued and running in the groups jobqueue_group_jobs does not name, summed',
    labelNames: ['state'],
    registers,
  });
  const groupOldestWait = new Gauge({
    name: 'jobqueue_group_oldest_wait_seconds',
    help: 'How long the oldest ready job of each of the busiest groups has waited',
    labelNames: ['group'],
    registers,
  });

  async function refreshGroups(): Promise<void> {
    const { groups } = await queue.groups({ limit: GROUPS_READ });
    const busiest = [...groups].sort((a, b) => b.queued + b.running - (a.queued + a.running));
    groupJobs.reset();
    groupOldestWait.reset();
    otherGroupJobs.reset();
    const other = { queued: 0, running: 0 };
    busiest.forEach((group, rank) => {
      if (rank < GROUPS_LABELLED) {
        groupJobs.set({ group: group.group, state: 'queued' }, group.queued);
        groupJobs.set({ group: group.group, state: 'running' }, group.running);
        if (group.oldest_wait_ms !== null)
          groupOldestWait.set({ group: group.group }, group.oldest_wait_ms / 1000);
      } else {
        other.queued += group.queued;
        other.running += group.running;
      }
    });
    otherGroupJobs.set({ state: 'queued' }, other.queued);
    otherGroupJobs.set({ state: 'running' }, other.running);
  }

  return {
    registry,
    redisErrors,
    jobsSubmitted: new Counter({
      name: 'jobqueue_api_jobs_submitted_total',
      help: 'Jobs this API process accepted',
      registers,
    }),
    httpRequests: new Counter({
      name: 'jobqueue_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'jobqueue_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    watchEventStreams(count) {
      new Gauge({
        name: 'jobqueue_api_event_streams',
        help: 'Live-log streams (GET /events) this API process has open',
        registers,
        collect() {
          this.set(count());
        },
      });
    },
    async refreshQueueStats() {
      let stats;
      try {
        stats = await queue.stats();
      } catch (error) {
        if (!(error instanceof UnavailableError)) throw error;
        // The scrape still answers with this process's metrics; the queue's stay as last read.
        redisErrors.inc();
        return;
      }
      for (const status of JOB_STATUSES) depth.set({ status }, stats.counts[status]);
      queueTotals.reset();
      for (const event of QUEUE_TOTALS) queueTotals.inc({ event }, stats.totals[event]);
      workers.set(stats.workers);
      await refreshGroups();
    },
  };
}
