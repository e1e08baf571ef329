// Scenario 8: sustained load. Submissions at a fixed rate (open loop) for a fixed time while
// workers run them. No submission may fail; the submit latency percentiles are reported; Redis
// runs with a memory cap and noeviction, so unbounded growth would show up as refused writes, and
// its peak memory is reported. Finished jobs are kept JOB_TTL_SECONDS, which bounds what stays.

import { setTimeout as sleep } from 'node:timers/promises';
import { audit, EndWatcher, waitForDrain } from '../audit';
import { Lab } from '../lab';
import { resultRow, type ScenarioResult } from '../result';
import { acknowledgedIds, chaosJobBody, maxOf, percentile, submitJobs } from '../submit';

export interface LoadParams {
  submitPerSecond: number;
  durationMs: number;
  handlerMs: number;
  workers: number;
  workerConcurrency: number;
  jobTtlSeconds: number;
  redisMaxMemory: string;
  drainTimeoutMs: number;
}

export const LOAD: LoadParams = {
  submitPerSecond: 2000,
  durationMs: 120_000,
  handlerMs: 5,
  workers: 4,
  workerConcurrency: 50,
  jobTtlSeconds: 60,
  redisMaxMemory: '512mb',
  drainTimeoutMs: 300_000,
};

/** Well within jobTtlSeconds, so no finished job expires unseen. */
const WATCH_EVERY_MS = 5000;

export async function load(params: LoadParams): Promise<ScenarioResult> {
  const lab = await Lab.start({
    name: 'load',
    redisArgs: ['--maxmemory', params.redisMaxMemory, '--maxmemory-policy', 'noeviction'],
    env: {
      WORKER_CONCURRENCY: String(params.workerConcurrency),
      JOB_TTL_SECONDS: String(params.jobTtlSeconds),
    },
  });
  try {
    await lab.startWorkers(params.workers);
    const memory: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const info = await lab.inspector.info('memory');
        memory.push(Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0));
        await sleep(1000);
      }
    })();
    // Finished jobs expire after jobTtlSeconds, before the run ends: note each end while seen.
    const watcher = new EndWatcher(lab.inspector, lab.keys);
    let watching = true;
    const watch = (async () => {
      while (watching) {
        await sleep(WATCH_EVERY_MS);
        await watcher.sweep();
      }
    })();
    const count = Math.round((params.submitPerSecond * params.durationMs) / 1000);
    const t0 = performance.now();
    const submissions = await submitJobs(lab.apiUrl, {
      count,
      body: () => chaosJobBody(params.handlerMs),
      concurrency: 256,
      ratePerSecond: params.submitPerSecond,
      onReply: (s) => {
        if (s.status >= 200 && s.status < 300 && s.jobId) watcher.add(s.jobId);
      },
    });
    const submitMs = performance.now() - t0;
    const drainMs = await waitForDrain(lab.inspector, lab.keys, params.drainTimeoutMs);
    sampling = false;
    watching = false;
    await Promise.all([sampler, watch]);
    await watcher.sweep();
    const found = await audit(
      lab.inspector,
      lab.keys,
      acknowledgedIds(submissions),
      lab.ledgerDir,
      [],
      watcher.ended,
    );
    const row = resultRow('load', submissions, found, drainMs);

    const latencies = submissions.map((s) => s.latencyMs);
    const errors = submissions.filter((s) => s.status !== 202);
    const achieved = (count / submitMs) * 1000;
    const peak = maxOf(memory);
    row.facts = {
      achievedPerSecond: achieved,
      p99Ms: percentile(latencies, 99),
      peakRedisBytes: peak,
      errors: errors.length,
    };
    // Once finished jobs start expiring (after jobTtlSeconds), memory should level off.
    const quarters = [1, 2, 3, 4].map((q) => memory[Math.ceil((memory.length * q) / 4) - 1] ?? 0);
    row.notes.push(
      `asked ${params.submitPerSecond}/s for ${params.durationMs / 1000} s, achieved ${Math.round(achieved)}/s; ` +
        `submit latency p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, ` +
        `max ${ms(maxOf(latencies))}`,
      `Redis used_memory at each quarter of the run ${quarters.map(mbText).join(', ')}; ` +
        `peak ${mbText(peak)} (cap ${params.redisMaxMemory}, noeviction); finished jobs kept ${params.jobTtlSeconds} s`,
    );
    if (peak > 0.9 * megabytes(params.redisMaxMemory))
      row.problems.push(
        `Redis memory reached ${mbText(peak)}, near its ${params.redisMaxMemory} cap`,
      );
    if (errors.length > 0)
      row.problems.push(
        `${errors.length} submission(s) not accepted, e.g. ${JSON.stringify(errors[0])}`,
      );
    row.problems.push(...lab.unexpectedExits());
    return row;
  } finally {
    await lab.dispose();
  }
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

function megabytes(setting: string): number {
  return Number.parseInt(setting, 10) * 1024 * 1024;
}

function mbText(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
