// Scenario 6: a zombie worker. Worker A is frozen (SIGSTOP) mid-job for longer than its lease;
// recovery hands its jobs to worker B, which completes them. Then A thaws (SIGCONT) and finishes
// the same jobs late: the lease token fences it, so its completions are refused and every job's
// record shows the one completion B made.

import { setTimeout as sleep } from 'node:timers/promises';
import { decodeEvents } from '@jobqueue/shared';
import { audit, readStates } from '../audit';
import { Lab } from '../lab';
import { readLedger } from '../ledger';
import { resultRow, type ScenarioResult } from '../result';
import { acknowledgedIds, chaosJobBody, submitJobs, tenantOf } from '../submit';

export interface ZombieParams {
  jobs: number;
  handlerMs: number;
  leaseMs: number;
  timeoutMs: number;
}

export const ZOMBIE_WORKER: ZombieParams = {
  jobs: 20,
  handlerMs: 3000,
  leaseMs: 1000,
  timeoutMs: 60_000,
};

const REFUSED = /finished but its lease was lost/;

export async function zombieWorker(params: ZombieParams): Promise<ScenarioResult> {
  const lab = await Lab.start({ name: 'zombie', env: { JOB_LEASE_MS: String(params.leaseMs) } });
  try {
    const concurrency = { WORKER_CONCURRENCY: String(params.jobs) };
    const zombie = await lab.startWorker(concurrency);
    const submissions = await submitJobs(lab.apiUrl, {
      count: params.jobs,
      body: (i) => chaosJobBody(params.handlerMs, tenantOf(i)),
      concurrency: 8,
    });
    const submitted = Date.now();
    const ids = acknowledgedIds(submissions);
    const ledgerCount = (event: 'start' | 'done', worker: string) =>
      readLedger(lab.ledgerDir).filter((e) => e.event === event && e.workerId === worker).length;
    await until(() => ledgerCount('start', zombie.name) === ids.length, params.timeoutMs);

    lab.signalWorker(zombie, 'SIGSTOP');
    const heir = await lab.startWorker(concurrency);
    await until(async () => {
      const states = await readStates(lab.inspector, lab.keys, ids);
      return [...states.values()].every((s) => s.status === 'completed');
    }, params.timeoutMs);
    const drainMs = Date.now() - submitted;

    let refusals = 0;
    zombie.onLine((line) => {
      if (REFUSED.test(line)) refusals++;
    });
    lab.signalWorker(zombie, 'SIGCONT');
    await until(() => refusals >= ids.length, params.timeoutMs).catch(() => undefined);

    const found = await audit(lab.inspector, lab.keys, ids, lab.ledgerDir);
    const row = resultRow('zombie worker', submissions, found, drainMs);
    const events = (
      (await lab.inspector.xrange(lab.keys.events, '-', '+')) as [string, string[]][]
    ).flatMap(decodeEvents);
    const completions = events.filter((e) => e.type === 'completed' && ids.includes(e.job_id));
    const totalCompleted = Number(await lab.inspector.hget(lab.keys.totals, 'completed'));
    const lateRuns = ledgerCount('done', zombie.name);
    const heirRuns = ledgerCount('done', heir.name);
    row.facts = { lateRuns, refusals, completions: completions.length, totalCompleted };
    row.notes.push(
      `${lateRuns} late execution(s) by the thawed worker, ${refusals} late completion(s) refused by the lease token; ` +
        `${completions.length} completion(s) recorded for ${ids.length} job(s), after ${heirRuns} run(s) by the worker that took over`,
    );
    row.notes.push(
      `${found.duplicates} duplicate(s): the frozen worker's late executions, fenced off`,
    );
    if (refusals !== ids.length)
      row.problems.push(`${refusals} late completion(s) refused, expected ${ids.length}`);
    if (completions.length !== ids.length || totalCompleted !== ids.length)
      row.problems.push(
        `${completions.length} completed event(s) and totals.completed ${totalCompleted} for ${ids.length} job(s)`,
      );
    const wrongAttempts = [...found.records.values()].filter((r) => r.attempts !== 2);
    if (wrongAttempts.length > 0)
      row.problems.push(`${wrongAttempts.length} job(s) without exactly 2 attempts`);
    return row;
  } finally {
    await lab.dispose();
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(25);
  }
}
