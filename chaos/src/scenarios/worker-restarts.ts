// Scenarios 1 and 2: workers die while the queue is busy. Every `killEveryMs` one random worker
// gets `signal` and a new one starts. SIGKILL (a crash): nothing may be lost; a job may run twice
// when its worker died after the work and before the completion reached Redis. SIGTERM (a
// deploy): the worker finishes and records what it runs, so nothing runs twice and nothing is
// left in `processing`.

import { setTimeout as sleep } from 'node:timers/promises';
import { audit, waitForDrain } from '../audit';
import { Lab } from '../lab';
import { resultRow, type ScenarioResult } from '../result';
import { acknowledgedIds, chaosJobBody, submitJobs, tenantOf } from '../submit';

export interface WorkerRestartParams {
  jobs: number;
  handlerMs: number;
  workers: number;
  killEveryMs: number;
  leaseMs: number;
  signal: 'SIGKILL' | 'SIGTERM';
  drainTimeoutMs: number;
  /** Workers over HTTP (no Redis connection; the api recovers their jobs) instead of Node ones. */
  overHttp?: boolean;
  /** A max_concurrency on the chaos type: checked never exceeded while workers die. */
  maxConcurrency?: number;
  /** Cancel one unfinished job this often (ms) through the API, queued or running. */
  cancelEveryMs?: number;
}

export const WORKER_KILLS: WorkerRestartParams = {
  jobs: 10_000,
  handlerMs: 20,
  workers: 4,
  killEveryMs: 2000,
  leaseMs: 2000,
  signal: 'SIGKILL',
  drainTimeoutMs: 180_000,
};

export const GRACEFUL_RESTARTS: WorkerRestartParams = { ...WORKER_KILLS, signal: 'SIGTERM' };

export const LIMIT_KILLS: WorkerRestartParams = {
  ...WORKER_KILLS,
  jobs: 3000,
  maxConcurrency: 8,
};

export const CANCEL_KILLS: WorkerRestartParams = {
  ...WORKER_KILLS,
  jobs: 3000,
  handlerMs: 100,
  cancelEveryMs: 20,
};

export const HTTP_WORKER_KILLS: WorkerRestartParams = {
  ...WORKER_KILLS,
  jobs: 5000,
  overHttp: true,
};

export async function workerRestarts(params: WorkerRestartParams): Promise<ScenarioResult> {
  const name = params.cancelEveryMs
    ? 'cancels under kills'
    : params.maxConcurrency
      ? 'limits under kills'
      : params.overHttp
        ? 'HTTP worker kills'
        : params.signal === 'SIGKILL'
          ? 'worker kills'
          : 'graceful restarts';
  const lab = await Lab.start({
    name: params.cancelEveryMs
      ? 'cancel-kills'
      : params.maxConcurrency
        ? 'limit-kills'
        : params.overHttp
          ? 'http-kills'
          : params.signal === 'SIGKILL'
            ? 'kills'
            : 'restarts',
    env: { JOB_LEASE_MS: String(params.leaseMs), WORKER_CONCURRENCY: '10' },
  });
  const startWorker = () => (params.overHttp ? lab.startHttpWorker() : lab.startWorker());
  // The limit is set before any job: the claim counts every start against it.
  let mostRunning = 0;
  let sampling = false;
  if (params.maxConcurrency) {
    await lab.inspector.hset(
      lab.keys.limits,
      'chaos:override',
      JSON.stringify({ max_concurrency: params.maxConcurrency }),
    );
    sampling = true;
    void (async () => {
      while (sampling) {
        const now = Number(
          (await lab.inspector.hget(lab.keys.running, 'chaos').catch(() => 0)) ?? 0,
        );
        mostRunning = Math.max(mostRunning, now);
        await sleep(5);
      }
    })();
  }
  try {
    // Only workers that are fetching are stopped: one still starting has nothing to lose yet.
    const fetching = new Set(
      await Promise.all(Array.from({ length: params.workers }, () => startWorker())),
    );
    let restarts = 0;
    let chaosOn = true;
    // Replacements start beside the loop, not in it: a slow start must not space out the kills.
    const replacements: Promise<unknown>[] = [];
    const chaos = (async () => {
      while (chaosOn) {
        await sleep(params.killEveryMs);
        if (!chaosOn) break;
        const alive = [...fetching].filter((worker) => worker.alive);
        const victim = alive[Math.floor(Math.random() * alive.length)];
        if (!victim) continue;
        fetching.delete(victim);
        lab.signalWorker(victim, params.signal);
        restarts++;
        replacements.push(startWorker().then((worker) => fetching.add(worker)));
      }
    })();

    // Cancels land while jobs are queued, scheduled for a retry, or running on a worker that
    // may be killed next; each one the API answered 200 must end cancelled, never completed.
    const cancelled = new Set<string>();
    let cancelling = Boolean(params.cancelEveryMs);
    const cancels = (async () => {
      while (cancelling) {
        await sleep(params.cancelEveryMs!);
        const ids = await lab.inspector.zrange(lab.keys.active, 0, 20).catch(() => []);
        const queued = await lab.inspector.zrange(lab.keys.queued, 0, 20).catch(() => []);
        const pick = [...ids, ...queued][Math.floor(Math.random() * (ids.length + queued.length))];
        if (!pick) continue;
        const reply = await fetch(`${lab.apiUrl}/jobs/${pick}`, { method: 'DELETE' }).catch(
          () => undefined,
        );
        if (reply?.status === 200) cancelled.add(pick);
      }
    })();
    const submissions = await submitJobs(lab.apiUrl, {
      count: params.jobs,
      body: (i) => chaosJobBody(params.handlerMs, tenantOf(i)),
      concurrency: 16,
    });
    const drainMs = await waitForDrain(lab.inspector, lab.keys, params.drainTimeoutMs);
    cancelling = false;
    await cancels;
    chaosOn = false;
    await chaos;
    await Promise.all(replacements);
    sampling = false;
    const found = await audit(
      lab.inspector,
      lab.keys,
      acknowledgedIds(submissions),
      lab.ledgerDir,
      [],
      new Map(),
      cancelled,
    );
    const row = resultRow(name, submissions, found, drainMs);
    const recovered = Number(await lab.inspector.hget(lab.keys.totals, 'recovered'));
    row.facts = { restarts, recovered };
    row.notes.push(
      `${restarts} worker(s) got ${params.signal} and were replaced; ${recovered} attempt(s) recovered from expired leases`,
    );

    if (params.cancelEveryMs) {
      const wrong = [...cancelled].filter((id) => found.records.get(id)?.status !== 'cancelled');
      row.facts = { ...row.facts, cancelled: cancelled.size, cancelledEnded: found.cancelled };
      row.notes.push(`${cancelled.size} job(s) cancelled while workers died; all ended cancelled`);
      if (wrong.length > 0)
        row.problems.push(
          `${wrong.length} cancelled job(s) did not end cancelled, e.g. ${wrong[0]}`,
        );
    }
    if (params.maxConcurrency) {
      const left = Number((await lab.inspector.hget(lab.keys.running, 'chaos')) ?? 0);
      row.facts = { ...row.facts, mostRunning, runningAfter: left };
      row.notes.push(
        `at most ${mostRunning} chaos job(s) counted running at once (limit ${params.maxConcurrency}); ${left} after the drain`,
      );
      if (mostRunning > params.maxConcurrency)
        row.problems.push(
          `${mostRunning} jobs ran at once, over the limit ${params.maxConcurrency}`,
        );
      if (left !== 0) row.problems.push(`the running count ended at ${left}, not 0`);
    }
    const processing = [...found.records.values()].filter((r) => r.status === 'processing');
    if (processing.length > 0) row.problems.push(`${processing.length} job(s) left in processing`);
    if (params.signal === 'SIGTERM' && found.duplicates > 0)
      row.problems.push(`${found.duplicates} duplicate execution(s) after graceful stops`);
    if (params.signal === 'SIGKILL' && found.duplicates > 0)
      row.notes.push(
        `${found.duplicates} duplicate(s): the killed worker had run the job but its completion had not reached Redis`,
      );
    if (row.acknowledged < row.submitted)
      row.problems.push(`${row.submitted - row.acknowledged} submission(s) refused`);
    const crashes = lab.unexpectedExits();
    if (crashes.length > 0) row.problems.push(...crashes);
    return row;
  } finally {
    await lab.dispose();
  }
}
