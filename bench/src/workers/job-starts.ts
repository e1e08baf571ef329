// When a worker process starts each job: the moment the job is picked, as the process that runs
// it sees it. Recorded only when the bench asks (BENCH_RECORD_STARTS=1, the idle latency part),
// so a drain of 50,000 jobs keeps no map of them.

import { nowMs } from '../child';

export interface JobStarts {
  /** Called by the job's handler as it begins. */
  started(jobId: string): void;
  /** Job id -> start time (ms, comparable between processes). */
  all(): Record<string, number>;
}

export function jobStarts(): JobStarts {
  const starts: Record<string, number> = {};
  const recording = process.env.BENCH_RECORD_STARTS === '1';
  return {
    started: recording ? (jobId) => (starts[jobId] = nowMs()) : () => undefined,
    all: () => starts,
  };
}
