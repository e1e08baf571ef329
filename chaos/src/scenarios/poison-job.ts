// Scenario 3: a poison job, whose handler kills its own worker process every time it runs. Dead
// workers are replaced, as a process manager would. The poison job must run exactly max_attempts
// times and then be `failed` with a last_error saying its worker was lost, while the other jobs
// all complete.

import { audit, waitForDrain } from '../audit';
import { Lab } from '../lab';
import { resultRow, type ScenarioResult } from '../result';
import { acknowledgedIds, chaosJobBody, maxOf, submitJobs } from '../submit';

export interface PoisonParams {
  jobs: number;
  handlerMs: number;
  workers: number;
  leaseMs: number;
  maxAttempts: number;
  drainTimeoutMs: number;
}

export const POISON_JOB: PoisonParams = {
  jobs: 1000,
  handlerMs: 20,
  workers: 4,
  leaseMs: 2000,
  maxAttempts: 3,
  drainTimeoutMs: 120_000,
};

export async function poisonJob(params: PoisonParams): Promise<ScenarioResult> {
  const lab = await Lab.start({
    name: 'poison',
    env: { JOB_LEASE_MS: String(params.leaseMs), MAX_ATTEMPTS: String(params.maxAttempts) },
  });
  try {
    await lab.startWorkers(params.workers);
    lab.superviseWorkers();
    const poisonAt = Math.floor(params.jobs / 10);
    const submissions = await submitJobs(lab.apiUrl, {
      count: params.jobs + 1,
      body: (i) =>
        i === poisonAt
          ? { job_type: 'chaos', payload: { duration_ms: 0, poison: true } }
          : chaosJobBody(params.handlerMs),
      concurrency: 16,
    });
    const drainMs = await waitForDrain(lab.inspector, lab.keys, params.drainTimeoutMs);
    const ids = acknowledgedIds(submissions);
    const poisonId = submissions[poisonAt]?.jobId;
    const found = await audit(lab.inspector, lab.keys, ids, lab.ledgerDir);
    const row = resultRow('poison job', submissions, found, drainMs);

    const poison = poisonId ? found.records.get(poisonId) : undefined;
    const runs = poisonId ? (found.executions.get(poisonId)?.started ?? 0) : 0;
    // The other jobs the poisoned workers took down with them: each lost an attempt.
    const others = [...found.records].filter(([id]) => id !== poisonId).map(([, r]) => r);
    const collateral = others.filter((r) => r.attempts > 1);
    const mostAttempts = maxOf(collateral.map((r) => r.attempts));
    row.facts = { poisonRuns: runs, collateral: collateral.length, mostAttempts };
    row.notes.push(
      `poison job ran ${runs} time(s), killed ${runs} worker(s); status ${poison?.status}, ` +
        `attempts ${poison?.attempts}, last_error "${poison?.lastError}"`,
      `${collateral.length} other job(s) were running on a poisoned worker and ran again` +
        (collateral.length > 0 ? ` (at most ${mostAttempts} attempts each)` : ''),
    );
    if (runs !== params.maxAttempts)
      row.problems.push(
        `the poison job ran ${runs} times, not max_attempts (${params.maxAttempts})`,
      );
    if (poison?.status !== 'failed' || !/was lost/.test(poison.lastError ?? ''))
      row.problems.push('the poison job did not end failed with a last_error saying why');
    if (row.completed !== params.jobs)
      row.problems.push(`${row.completed} of the ${params.jobs} other jobs completed`);
    if (found.duplicates > 0)
      row.notes.push(
        `${found.duplicates} duplicate(s): jobs the poisoned worker had finished but not yet recorded`,
      );
    return row;
  } finally {
    await lab.dispose();
  }
}
