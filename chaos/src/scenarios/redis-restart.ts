// Scenario 4: Redis itself crashes. It runs with appendonly yes and appendfsync always, so a reply
// is only sent for a write already on disk; it gets kill -9 several times during a stream of
// submissions and starts again on the same data. Every submission that got a 2xx must complete.
// While Redis is down, submissions must get a clear 503 quickly (never a hang past 5 s), and the
// api and workers must carry on by themselves once it is back.

import { setTimeout as sleep } from 'node:timers/promises';
import { audit, waitForDrain } from '../audit';
import { Lab } from '../lab';
import { resultRow, type ScenarioResult } from '../result';
import {
  acknowledgedIds,
  chaosJobBody,
  maxOf,
  percentile,
  submitJobs,
  type Submission,
  tenantOf,
} from '../submit';

export interface RedisRestartParams {
  jobs: number;
  submitPerSecond: number;
  handlerMs: number;
  workers: number;
  leaseMs: number;
  kills: number;
  /** How long Redis stays dead each time before it is started again. */
  outageMs: number;
  drainTimeoutMs: number;
}

export const REDIS_RESTART: RedisRestartParams = {
  jobs: 5000,
  submitPerSecond: 250,
  handlerMs: 20,
  workers: 4,
  leaseMs: 2000,
  kills: 3,
  outageMs: 2000,
  drainTimeoutMs: 120_000,
};

/** A reply slower than this is a hang: the api's Redis command timeout is 4 s. */
const REPLY_LIMIT_MS = 10_000;

export async function redisRestart(params: RedisRestartParams): Promise<ScenarioResult> {
  const lab = await Lab.start({
    name: 'redis-restart',
    redisArgs: ['--appendonly', 'yes', '--appendfsync', 'always'],
    env: { JOB_LEASE_MS: String(params.leaseMs) },
  });
  try {
    await lab.startWorkers(params.workers);
    const runMs = (params.jobs / params.submitPerSecond) * 1000;
    const outages: { fromMs: number; toMs: number }[] = [];
    const t0 = performance.now();
    const crashes = (async () => {
      // Spread the kills over the run, leaving its start and end undisturbed.
      for (let k = 1; k <= params.kills; k++) {
        const at = (runMs * k) / (params.kills + 1);
        const wait = at - (performance.now() - t0);
        if (wait > 0) await sleep(wait);
        const fromMs = performance.now() - t0;
        await lab.redis.kill();
        await sleep(params.outageMs);
        await lab.redis.start();
        outages.push({ fromMs, toMs: performance.now() - t0 });
      }
    })();
    const submissions = await submitJobs(lab.apiUrl, {
      count: params.jobs,
      body: (i) => chaosJobBody(params.handlerMs, tenantOf(i)),
      concurrency: 16,
      ratePerSecond: params.submitPerSecond,
      timeoutMs: 15_000,
    });
    await crashes;
    // However the run's timing fell, the api must accept again once Redis is back: a machine slow
    // enough may have sent every submission before the last restart.
    const late: Submission[] = [];
    const lateDeadline = performance.now() + 30_000;
    while (!late.some((s) => s.status === 202) && performance.now() < lateDeadline) {
      const [reply] = await submitJobs(lab.apiUrl, {
        count: 1,
        body: (i) => chaosJobBody(params.handlerMs, tenantOf(i)),
        concurrency: 1,
        timeoutMs: 15_000,
      });
      late.push(reply!);
      if (reply!.status !== 202) await sleep(100);
    }
    const all = [...submissions, ...late];
    const drainMs = await waitForDrain(lab.inspector, lab.keys, params.drainTimeoutMs);
    const found = await audit(lab.inspector, lab.keys, acknowledgedIds(all), lab.ledgerDir);
    const row = resultRow('redis restart', all, found, drainMs);

    const refused = submissions.filter((s) => s.status < 200 || s.status >= 300);
    const unclear = refused.filter((s) => s.status !== 503 || s.error !== 'redis_unavailable');
    const slow = submissions.filter((s) => s.latencyMs > REPLY_LIMIT_MS);
    const slowest = maxOf(refused.map((s) => s.latencyMs));
    // How long after each restart the api accepted again: the first 2xx sent after it.
    const resumeMs = outages.map(({ toMs }) => {
      const first = submissions.find((s) => s.status === 202 && s.sentMs >= toMs);
      return first ? Math.round(first.sentMs + first.latencyMs - toMs) : -1;
    });
    const lastRestart = outages.at(-1)?.toMs ?? 0;
    const ackedAfter = [
      ...submissions.filter((s) => s.status === 202 && s.sentMs > lastRestart),
      ...late.filter((s) => s.status === 202),
    ];
    row.facts = {
      kills: outages.length,
      refused: refused.length,
      slowestRefusalMs: slowest,
      acceptedAfterLastRestart: ackedAfter.length,
    };
    row.notes.push(
      `Redis killed ${outages.length} time(s) for ${params.outageMs} ms; ${refused.length} submission(s) answered 503 ` +
        `(slowest ${Math.round(slowest)} ms, p99 of all replies ${Math.round(
          percentile(
            submissions.map((s) => s.latencyMs),
            99,
          ),
        )} ms); ` +
        `api accepting again ${resumeMs.join(', ')} ms after each restart`,
    );
    if (unclear.length > 0)
      row.problems.push(
        `${unclear.length} refusal(s) not a 503 redis_unavailable, e.g. ${JSON.stringify(unclear[0])}`,
      );
    if (slow.length > 0)
      row.problems.push(`${slow.length} repl(ies) slower than ${REPLY_LIMIT_MS} ms (a hang)`);
    if (ackedAfter.length === 0)
      row.problems.push('the api did not accept submissions again after Redis came back');
    row.problems.push(...lab.unexpectedExits());
    if (found.duplicates > 0)
      row.notes.push(
        `${found.duplicates} duplicate(s): leases ran out while Redis was down and no worker could renew them, ` +
          `so recovery ran those jobs again and the first run's late completion was refused`,
      );
    return row;
  } finally {
    await lab.dispose();
  }
}
