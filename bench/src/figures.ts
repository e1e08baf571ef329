// The figures of the table: each system's rounds, summarized into medians and ratios with the
// issue's targets.

import type { DeployedResult, DeployedSystem } from './deployed';
import type { DrainResult } from './drain';
import type { FairSystem, NoisyQuietResult } from './fairness';
import type { LatencyResult } from './latency';
import { summarize, type Figure, type FigureSpec } from './report';

export interface SystemRounds {
  drain: DrainResult[];
  latency: LatencyResult[];
}

export interface HttpRounds {
  /** POST /submit-job requests per second. */
  single: number[];
  singleP99Ms: number[];
  /** POST /jobs/bulk jobs per second. */
  bulkJobs: number[];
}

export interface FairnessRounds {
  noisyQuiet: Record<FairSystem, NoisyQuietResult[]>;
  /** Drains of the same jobs in one group, and spread over 1,000, jobs/s. */
  oneGroup: number[];
  manyGroups: number[];
  /** The low job's wait under a flood of high jobs, ms. */
  lowWait: { agingOn: number[]; agingOff: number[]; bullmq: number[] };
}

export function emptyFairnessRounds(): FairnessRounds {
  return {
    noisyQuiet: { jobqueue: [], BullMQ: [] },
    oneGroup: [],
    manyGroups: [],
    lowWait: { agingOn: [], agingOff: [], bullmq: [] },
  };
}

export function emptySystemRounds(): SystemRounds {
  return { drain: [], latency: [] };
}

export function emptyHttpRounds(): HttpRounds {
  return { single: [], singleP99Ms: [], bulkJobs: [] };
}

type Target = FigureSpec['target'];

const rate = (results: DeployedResult[]) => results.map((r) => r.jobsPerSecond);

export function figures(
  ours: SystemRounds,
  bull: SystemRounds,
  api: HttpRounds,
  bare: HttpRounds,
  overHttp: { http: number[]; node: number[] },
  underLimits: { limited: number[]; plain: number[] },
  deployed: Record<DeployedSystem, DeployedResult[]>,
  fairness: FairnessRounds,
): Figure[] {
  const quiet = (read: (r: NoisyQuietResult) => number) => (system: FairSystem) =>
    fairness.noisyQuiet[system].map(read);
  const beside = (
    key: string,
    label: string,
    digits: number,
    read: (system: FairSystem) => number[],
    target?: Target,
  ) =>
    summarize({ key, label, versus: 'BullMQ', digits, target }, read('jobqueue'), read('BullMQ'));
  const both = (
    key: string,
    label: string,
    digits: number,
    read: (system: SystemRounds) => number[],
    target?: Target,
  ) => summarize({ key, label, versus: 'BullMQ', digits, target }, read(ours), read(bull));
  const http = (
    key: string,
    label: string,
    digits: number,
    read: (rounds: HttpRounds) => number[],
    target?: Target,
  ) => summarize({ key, label, versus: 'bare Koa', digits, target }, read(api), read(bare));
  const drain = (read: (r: DrainResult) => number) => (s: SystemRounds) => s.drain.map(read);
  const latency = (read: (r: LatencyResult) => number) => (s: SystemRounds) => s.latency.map(read);

  return [
    both(
      'drain_jobs_per_s',
      'drain, jobs/s (priorities)',
      0,
      drain((r) => r.jobsPerSecond),
      {
        of: 'ratio',
        op: '>=',
        value: 2,
      },
    ),
    http('http_submit_req_per_s', 'POST /submit-job, req/s', 0, (r) => r.single, {
      of: 'ratio',
      op: '>=',
      value: 0.9,
    }),
    http('http_submit_p99_ms', 'POST /submit-job, p99 ms', 1, (r) => r.singleP99Ms),
    http('http_bulk_jobs_per_s', 'POST /jobs/bulk, jobs/s', 0, (r) => r.bulkJobs),
    both(
      'idle_picked_p50_ms',
      'idle submit->picked p50 ms',
      2,
      latency((r) => r.pickedP50Ms),
      {
        of: 'ours',
        op: '<=',
        value: 1,
      },
    ),
    both(
      'idle_picked_p99_ms',
      'idle submit->picked p99 ms',
      2,
      latency((r) => r.pickedP99Ms),
      {
        of: 'ours',
        op: '<=',
        value: 5,
      },
    ),
    both(
      'idle_pick_seen_p50_ms',
      'idle submit->pick seen by watcher p50',
      2,
      latency((r) => r.watcherPickedP50Ms),
    ),
    both(
      'idle_pick_seen_p99_ms',
      'idle submit->pick seen by watcher p99',
      2,
      latency((r) => r.watcherPickedP99Ms),
    ),
    both(
      'idle_completed_p50_ms',
      'idle submit->completed p50 ms',
      2,
      latency((r) => r.completedP50Ms),
    ),
    both(
      'idle_completed_p99_ms',
      'idle submit->completed p99 ms',
      2,
      latency((r) => r.completedP99Ms),
    ),
    both(
      'redis_cpu_s_per_1000_jobs',
      'Redis CPU s per 1,000 jobs',
      4,
      drain((r) => r.redisCpuPer1000),
      {
        of: 'ratio',
        op: '<=',
        value: 0.6,
      },
    ),
    both(
      'worker_cpu_s_per_1000_jobs',
      'worker process CPU s per 1,000 jobs',
      4,
      drain((r) => r.workerCpuPer1000),
    ),
    both(
      'client_calls_per_job',
      'client calls per job',
      3,
      drain((r) => r.clientCallsPerJob),
    ),
    both(
      'redis_commands_per_job',
      'Redis commands per job (in scripts too)',
      2,
      drain((r) => r.redisCommandsPerJob),
    ),
    both(
      'memory_bytes_per_job',
      'Redis memory per finished job, bytes',
      0,
      drain((r) => r.memoryBytesPerJob),
      {
        of: 'ratio',
        op: '<=',
        value: 1,
      },
    ),
    summarize(
      {
        key: 'http_worker_drain_jobs_per_s',
        label: 'drain by a worker over HTTP, jobs/s',
        versus: 'Node worker',
        digits: 0,
      },
      overHttp.http,
      overHttp.node,
    ),
    summarize(
      {
        key: 'limits_drain_jobs_per_s',
        label: 'drain, limits that do not bind, jobs/s',
        versus: 'plain drain',
        digits: 0,
        target: { of: 'ratio', op: '>=', value: 0.9 },
      },
      underLimits.limited,
      underLimits.plain,
    ),
    summarize(
      {
        key: 'deployed_drain_jobs_per_s',
        label: 'drain, deployed worker (send_email 0 ms)',
        versus: 'BullMQ',
        digits: 0,
        target: { of: 'ratio', op: '>=', value: 2 },
      },
      rate(deployed.jobqueue),
      rate(deployed.BullMQ),
    ),
    summarize(
      {
        key: 'deployed_vs_bee_queue_jobs_per_s',
        label: 'drain, deployed worker (send_email 0 ms)',
        versus: 'bee-queue',
        digits: 0,
        target: { of: 'ratio', op: '>=', value: 1.5 },
      },
      rate(deployed.jobqueue),
      rate(deployed['bee-queue']),
    ),
    beside(
      'fair_quiet_wait_p50_ms',
      'quiet group beside a noisy backlog, wait p50 ms',
      1,
      quiet((r) => r.quietP50Ms),
    ),
    beside(
      'fair_quiet_wait_p99_ms',
      'quiet group beside a noisy backlog, wait p99 ms',
      1,
      quiet((r) => r.quietP99Ms),
      { of: 'ours', op: '<=', value: 50 },
    ),
    beside(
      'fair_jain_index',
      "Jain's index, noisy and quiet groups, 1 s windows",
      3,
      quiet((r) => r.jain),
    ),
    summarize(
      {
        key: 'groups_drain_jobs_per_s',
        label: 'drain over 1,000 groups, jobs/s',
        versus: 'one group',
        digits: 0,
        target: { of: 'ratio', op: '>=', value: 0.8 },
      },
      fairness.manyGroups,
      fairness.oneGroup,
    ),
    summarize(
      {
        key: 'aging_low_wait_ms',
        label: 'low job under a flood of high, wait ms (aging)',
        versus: 'aging off',
        digits: 0,
      },
      fairness.lowWait.agingOn,
      fairness.lowWait.agingOff,
    ),
    summarize(
      {
        key: 'aging_low_wait_vs_bullmq_ms',
        label: 'low job under a flood of high, wait ms (aging)',
        versus: 'BullMQ',
        digits: 0,
      },
      fairness.lowWait.agingOn,
      fairness.lowWait.bullmq,
    ),
    summarize(
      {
        key: 'deployed_redis_cpu_s_per_1000_jobs',
        label: 'Redis CPU s per 1,000 jobs, deployed',
        versus: 'BullMQ',
        digits: 4,
        target: { of: 'ratio', op: '<=', value: 0.6 },
      },
      deployed.jobqueue.map((r) => r.redisCpuPer1000),
      deployed.BullMQ.map((r) => r.redisCpuPer1000),
    ),
  ];
}
