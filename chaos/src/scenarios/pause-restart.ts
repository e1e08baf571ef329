// Scenario 13: the queue is paused, jobs are submitted, and Redis is killed -9 and started again
// on its data. The pause must survive the restart (no job starts while paused, before or after),
// and once resumed every acknowledged job completes.

import { setTimeout as sleep } from 'node:timers/promises';
import { audit, waitForDrain } from '../audit';
import { Lab } from '../lab';
import { readLedger } from '../ledger';
import { resultRow, type ScenarioResult } from '../result';
import { acknowledgedIds, chaosJobBody, submitJobs } from '../submit';

export interface PauseRestartParams {
  jobs: number;
  workers: number;
  /** How long the paused queue is watched after Redis is back, for jobs that should not start. */
  watchMs: number;
  drainTimeoutMs: number;
}

export const PAUSE_RESTART: PauseRestartParams = {
  jobs: 2000,
  workers: 3,
  watchMs: 3000,
  drainTimeoutMs: 120_000,
};

export async function pauseRestart(params: PauseRestartParams): Promise<ScenarioResult> {
  const lab = await Lab.start({
    name: 'pause-restart',
    redisArgs: ['--appendonly', 'yes', '--appendfsync', 'always'],
  });
  try {
    await lab.startWorkers(params.workers);
    const paused = await fetch(`${lab.apiUrl}/queue/pause`, { method: 'POST' });
    if (paused.status !== 200) throw new Error(`POST /queue/pause answered ${paused.status}`);
    const submissions = await submitJobs(lab.apiUrl, {
      count: params.jobs,
      body: () => chaosJobBody(5),
      concurrency: 16,
    });

    await lab.redis.kill();
    await sleep(500);
    await lab.redis.start();
    // Back: the api answers again, and the queue is still paused.
    let stats: { paused: { queue: boolean } } | undefined;
    const deadline = Date.now() + 30_000;
    while (!stats && Date.now() < deadline) {
      const reply = await fetch(`${lab.apiUrl}/stats`).catch(() => undefined);
      if (reply?.status === 200) stats = (await reply.json()) as typeof stats;
      else await sleep(100);
    }
    await sleep(params.watchMs);
    const startedWhilePaused = readLedger(lab.ledgerDir).filter((e) => e.event === 'start').length;

    const resumed = await fetch(`${lab.apiUrl}/queue/resume`, { method: 'POST' });
    const drainMs = await waitForDrain(lab.inspector, lab.keys, params.drainTimeoutMs);
    const found = await audit(lab.inspector, lab.keys, acknowledgedIds(submissions), lab.ledgerDir);
    const row = resultRow('pause across a Redis restart', submissions, found, drainMs);
    row.facts = {
      pausedAfterRestart: stats?.paused.queue ? 1 : 0,
      startedWhilePaused,
      resumed: resumed.status,
    };
    row.notes.push(
      `paused after the restart: ${stats?.paused.queue ?? 'no answer'}; ${startedWhilePaused} job(s) started while paused`,
    );
    if (!stats?.paused.queue) row.problems.push('the pause did not survive the Redis restart');
    if (startedWhilePaused > 0)
      row.problems.push(`${startedWhilePaused} job(s) started while the queue was paused`);
    if (resumed.status !== 200) row.problems.push(`POST /queue/resume answered ${resumed.status}`);
    if (row.acknowledged < row.submitted)
      row.problems.push(`${row.submitted - row.acknowledged} submission(s) refused`);
    const crashes = lab.unexpectedExits();
    if (crashes.length > 0) row.problems.push(...crashes);
    return row;
  } finally {
    await lab.dispose();
  }
}
