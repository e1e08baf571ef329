// Scenario 5: Redis freezes (SIGSTOP) for a while with connections open, then thaws (SIGCONT).
// Nothing may crash or be lost. Recovery is measured from SIGCONT until a job submitted after it
// has completed: the api answers again and workers fetch and record work again.

import { setTimeout as sleep } from 'node:timers/promises';
import { audit, waitForDrain } from '../audit';
import { Lab } from '../lab';
import { resultRow, type ScenarioResult } from '../result';
import { acknowledgedIds, chaosJobBody, maxOf, submitJobs, type Submission } from '../submit';

export interface RedisPauseParams {
  jobs: number;
  submitPerSecond: number;
  handlerMs: number;
  workers: number;
  leaseMs: number;
  pauseMs: number;
  drainTimeoutMs: number;
}

export const REDIS_PAUSE: RedisPauseParams = {
  jobs: 3000,
  submitPerSecond: 150,
  handlerMs: 20,
  workers: 4,
  leaseMs: 2000,
  pauseMs: 10_000,
  drainTimeoutMs: 120_000,
};

export async function redisPause(params: RedisPauseParams): Promise<ScenarioResult> {
  const lab = await Lab.start({
    name: 'redis-pause',
    env: { JOB_LEASE_MS: String(params.leaseMs) },
  });
  try {
    await lab.startWorkers(params.workers);
    const runMs = (params.jobs / params.submitPerSecond) * 1000;
    const freeze = (async () => {
      // Freeze once the queue is busy, thaw well before the submissions end.
      await sleep(Math.max(0, (runMs - params.pauseMs) / 3));
      lab.redis.pause();
      await sleep(params.pauseMs);
      lab.redis.resume();
      return measureRecovery(lab);
    })();
    const submissions = await submitJobs(lab.apiUrl, {
      count: params.jobs,
      body: () => chaosJobBody(params.handlerMs),
      concurrency: 16,
      ratePerSecond: params.submitPerSecond,
      timeoutMs: 15_000,
    });
    const recovery = await freeze;
    const drainMs = await waitForDrain(lab.inspector, lab.keys, params.drainTimeoutMs);
    const found = await audit(
      lab.inspector,
      lab.keys,
      acknowledgedIds(submissions),
      lab.ledgerDir,
      recovery.probe.jobId ? [recovery.probe.jobId] : [],
    );
    const row = resultRow('redis pause', submissions, found, drainMs);
    const refused = submissions.filter((s) => s.status !== 202);
    const slowestReplyMs = Math.round(maxOf(submissions.map((s) => s.latencyMs)));
    row.facts = {
      refused: refused.length,
      slowestReplyMs,
      acceptMs: recovery.acceptMs,
      recoveryMs: recovery.completeMs,
    };
    row.notes.push(
      `Redis frozen ${params.pauseMs / 1000} s: ` +
        (refused.length === 0
          ? 'every submission got its 202'
          : `${refused.length} submission(s) answered ${describeStatuses(refused)}`) +
        ` (slowest reply ${slowestReplyMs} ms); recovery after SIGCONT: ` +
        `api accepting in ${recovery.acceptMs} ms, a new job completed in ${recovery.completeMs} ms`,
    );
    const unclear = refused.filter((s) => s.status !== 503);
    if (unclear.length > 0)
      row.problems.push(
        `${unclear.length} refusal(s) other than 503, e.g. ${JSON.stringify(unclear[0])}`,
      );
    if (recovery.completeMs < 0) row.problems.push('no job completed within 60 s of SIGCONT');
    row.problems.push(...lab.unexpectedExits());
    if (found.duplicates > 0)
      row.notes.push(
        `${found.duplicates} duplicate(s): leases expired during the freeze and were recovered while their workers still ran them`,
      );
    return row;
  } finally {
    await lab.dispose();
  }
}

interface Recovery {
  acceptMs: number;
  completeMs: number;
  probe: Submission;
}

/** From now: how long until a submission is accepted, and until that job has completed. */
async function measureRecovery(lab: Lab, timeoutMs = 60_000): Promise<Recovery> {
  const t0 = performance.now();
  let probe: Submission = { status: 0, sentMs: 0, latencyMs: 0 };
  while (performance.now() - t0 < timeoutMs) {
    const [reply] = await submitJobs(lab.apiUrl, {
      count: 1,
      body: () => chaosJobBody(0),
      concurrency: 1,
    });
    if (reply) probe = reply;
    if (probe.status === 202) break;
    await sleep(20);
  }
  const acceptMs = Math.round(performance.now() - t0);
  while (probe.jobId && performance.now() - t0 < timeoutMs) {
    if ((await lab.inspector.hget(lab.keys.job(probe.jobId), 'status')) === 'completed')
      return { acceptMs, completeMs: Math.round(performance.now() - t0), probe };
    await sleep(10);
  }
  return { acceptMs, completeMs: -1, probe };
}

function describeStatuses(submissions: Submission[]): string {
  const counts = new Map<number, number>();
  for (const s of submissions) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${status} x${n}`).join(', ');
}
