// `npm run bench`: this queue side by side with BullMQ on one redis-server started for the run,
// each system in turn within every round: drain, latency at idle, HTTP submission (the API
// against a bare Koa endpoint) and Redis cost. Prints one table and one JSON line on stdout;
// progress goes to stderr. Options: see USAGE in options.ts.

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { drain } from './drain';
import {
  emptyFairnessRounds,
  emptyHttpRounds,
  emptySystemRounds,
  figures,
  type HttpRounds,
} from './figures';
import { handoffFloor, type HandoffResult } from './handoff';
import { API_SCRIPT, BARE_KOA_SCRIPT, bulkBody, postLoad, startHttpServer } from './http';
import { NOOP_TYPE, README_BODY } from './jobs';
import { idleLatency } from './latency';
import { parseBenchOptions, USAGE, type BenchOptions } from './options';
import { BenchRedis } from './redis-server';
import { jsonLine, table, type Figure } from './report';
import { median } from './stats';
import { BullmqQueue } from './systems/bullmq';
import { OurQueue } from './systems/ours';
import { drainOverHttp } from './http-worker-drain';
import { AGING_MS, lowUnderFlood, noisyQuiet, type FairSystem } from './fairness';
import {
  DEPLOYED_SYSTEMS,
  deployedDrain,
  type DeployedResult,
  type DeployedSystem,
} from './deployed';
import { queueKeys } from '@jobqueue/shared';
import type { QueueSystem } from './systems/system';

const BULK_JOBS = 1000;
/** Hand-offs measured per round for the floor under the idle latencies. */
const HANDOFFS = 300;
const progress = (message: string) => console.error(`[bench] ${message}`);

async function main(options: BenchOptions): Promise<void> {
  const loadBefore = loadavg();
  const redis = await BenchRedis.start();
  const logDir = mkdtempSync(join(tmpdir(), 'jobqueue-bench-'));
  const redisVersion = (await redis.info('server')).redis_version;
  progress(`redis-server ${redisVersion} on port ${redis.port}; logs in ${logDir}`);
  const systems = [
    {
      key: 'ours',
      make: (queue: string): QueueSystem => new OurQueue(redis.url, queue),
      rounds: emptySystemRounds(),
    },
    {
      key: 'bullmq',
      make: (queue: string): QueueSystem => new BullmqQueue(redis.url, queue),
      rounds: emptySystemRounds(),
    },
  ];
  const servers = [
    { key: 'api', script: API_SCRIPT, rounds: emptyHttpRounds() },
    { key: 'bare', script: BARE_KOA_SCRIPT, rounds: emptyHttpRounds() },
  ];
  const run = (part: string) => options.only.includes(part as BenchOptions['only'][number]);
  /** Our drain of the bench's no-op jobs, `prepare` run on the empty Redis first; jobs/s. */
  const ourDrain = async (prepare?: () => Promise<unknown>, groups = 0): Promise<number> => {
    let rate = 0;
    await using(new OurQueue(redis.url, 'bench', {}, NOOP_TYPE, groups), async (queue) => {
      const result = await drain(redis, queue, {
        n: options.n,
        concurrency: options.concurrency,
        queueName: 'bench',
        logFile: join(logDir, 'ours-worker.log'),
        prepare,
      });
      rate = result.jobsPerSecond;
    });
    return rate;
  };
  const handoffs: HandoffResult[] = [];
  const overHttp: { http: number[]; node: number[] } = { http: [], node: [] };
  const underLimits: { limited: number[]; plain: number[] } = { limited: [], plain: [] };
  const fairness = emptyFairnessRounds();
  const deployed: Record<DeployedSystem, DeployedResult[]> = {
    jobqueue: [],
    BullMQ: [],
    'bee-queue': [],
  };

  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const system of systems) {
        const logFile = join(logDir, `${system.key}-worker.log`);
        if (run('drain')) {
          await using(system.make('bench'), async (queue) => {
            progress(`round ${round}: ${queue.label} drain of ${options.n} jobs`);
            const result = await drain(redis, queue, {
              n: options.n,
              concurrency: options.concurrency,
              queueName: 'bench',
              logFile,
            });
            progress(
              `  ${result.jobsPerSecond.toFixed(0)} jobs/s; Redis CPU ${result.redisCpuPer1000.toFixed(4)} s and worker CPU ${result.workerCpuPer1000.toFixed(4)} s per 1,000 jobs; the worker sent ${JSON.stringify(result.workerCommands)}`,
            );
            system.rounds.drain.push(result);
          });
        }
        if (run('latency')) {
          await using(system.make('bench-latency'), async (queue) => {
            progress(`round ${round}: ${queue.label} latency at idle, ${options.latencyJobs} jobs`);
            const result = await idleLatency(redis, queue, {
              jobs: options.latencyJobs,
              gapMs: options.latencyGapMs,
              concurrency: options.concurrency,
              queueName: 'bench-latency',
              logFile,
            });
            progress(
              `  picked p50 ${result.pickedP50Ms.toFixed(2)} ms, p99 ${result.pickedP99Ms.toFixed(2)} ms`,
            );
            system.rounds.latency.push(result);
          });
        }
      }
      if (run('latency')) {
        const result = await handoffFloor(redis, {
          times: Math.min(HANDOFFS, options.latencyJobs),
          gapMs: options.latencyGapMs,
          logFile: join(logDir, 'handoff-worker.log'),
        });
        progress(
          `round ${round}: hand-off floor p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`,
        );
        handoffs.push(result);
      }
      if (run('http-worker')) {
        // Beside this round's Node drain of the same jobs (the drain part's, or one of its own).
        const node = run('drain')
          ? systems[0]!.rounds.drain.at(-1)!.jobsPerSecond
          : await ourDrain();
        progress(`round ${round}: drain of ${options.n} jobs by a worker over HTTP`);
        const http = await drainOverHttp(redis, {
          n: options.n,
          concurrency: options.concurrency,
          logDir,
        });
        progress(`  ${http.toFixed(0)} jobs/s over HTTP; ${node!.toFixed(0)} by the Node worker`);
        overHttp.http.push(http);
        overHttp.node.push(node!);
      }
      if (run('limits')) {
        // The drain again, with a concurrency limit and a rate limit on its type that never bind;
        // the two go first in turn, round by round.
        for (const limited of round % 2 ? [false, true] : [true, false]) {
          const rate = await ourDrain(
            limited
              ? () =>
                  redis.client.hset(
                    queueKeys('bench').limits,
                    `${NOOP_TYPE}:override`,
                    JSON.stringify({
                      max_concurrency: 1_000_000,
                      rate_limit: { max: 1_000_000, per_ms: 1000 },
                    }),
                  )
              : undefined,
          );
          (limited ? underLimits.limited : underLimits.plain).push(rate);
          progress(
            `round ${round}: drain ${limited ? 'with limits that do not bind' : 'plain'} ${rate.toFixed(0)} jobs/s`,
          );
        }
      }
      if (run('fairness')) {
        // Each system goes first in turn; the noisy backlog is the drain's N.
        const order: FairSystem[] = round % 2 ? ['jobqueue', 'BullMQ'] : ['BullMQ', 'jobqueue'];
        for (const system of order) {
          const result = await noisyQuiet(redis, system, {
            noisy: options.n,
            quiet: Math.min(100, options.latencyJobs),
            gapMs: options.latencyGapMs,
            concurrency: options.concurrency,
            logFile: join(logDir, `fair-${system}.log`),
          });
          fairness.noisyQuiet[system].push(result);
          progress(
            `round ${round}: ${system} quiet group beside a noisy backlog: wait p50 ${result.quietP50Ms.toFixed(1)} ms, p99 ${result.quietP99Ms.toFixed(1)} ms, Jain ${result.jain.toFixed(3)}`,
          );
        }
        for (const groups of round % 2 ? [1, 1000] : [1000, 1]) {
          const rate = await ourDrain(undefined, groups);
          (groups === 1 ? fairness.oneGroup : fairness.manyGroups).push(rate);
          progress(`round ${round}: drain over ${groups} group(s) ${rate.toFixed(0)} jobs/s`);
        }
        const flood = {
          floodMs: Math.min(2000, Math.max(200, options.n / 25)),
          ratePerSecond: 10_000,
          lowAfterMs: 100,
        };
        for (const [key, system, agingMs] of [
          ['agingOn', 'jobqueue', AGING_MS],
          ['agingOff', 'jobqueue', 0],
          ['bullmq', 'BullMQ', 0],
        ] as const) {
          const wait = await lowUnderFlood(redis, system, {
            ...flood,
            agingMs,
            logFile: join(logDir, `flood-${key}.log`),
          });
          fairness.lowWait[key].push(wait);
          progress(
            `round ${round}: low job under a flood of high ones (${key}) waited ${wait.toFixed(0)} ms`,
          );
        }
      }
      if (run('deployed')) {
        // Each round starts with the next system, so none always runs first.
        const first = (round - 1) % DEPLOYED_SYSTEMS.length;
        const order = [...DEPLOYED_SYSTEMS.slice(first), ...DEPLOYED_SYSTEMS.slice(0, first)];
        for (const system of order) {
          const result = await deployedDrain(redis, system, {
            n: options.n,
            concurrency: options.concurrency,
            logDir,
          });
          deployed[system].push(result);
          progress(
            `round ${round}: ${system} deployed worker (send_email) ${result.jobsPerSecond.toFixed(0)} jobs/s; Redis CPU ${result.redisCpuPer1000.toFixed(4)} s and worker CPU ${result.workerCpuPer1000.toFixed(4)} s per 1,000 jobs`,
          );
        }
      }
      if (run('http')) {
        for (const server of servers) {
          await httpRound(
            redis,
            server.key,
            server.script,
            join(logDir, `${server.key}.log`),
            options,
            server.rounds,
          );
          progress(
            `round ${round}: ${server.key} ${server.rounds.single.at(-1)!.toFixed(0)} req/s, bulk ${server.rounds.bulkJobs.at(-1)!.toFixed(0)} jobs/s`,
          );
        }
      }
    }
  } finally {
    await redis.stop();
    rmSync(logDir, { recursive: true, force: true });
  }

  const meta = {
    benchmark: 'jobqueue-vs-bullmq',
    date: new Date().toISOString(),
    host: {
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      redis: redisVersion,
    },
    load_average: { before: loadBefore.map(round2), after: loadavg().map(round2) },
    options,
  };
  const all = figures(
    systems[0]!.rounds,
    systems[1]!.rounds,
    servers[0]!.rounds,
    servers[1]!.rounds,
    overHttp,
    underLimits,
    deployed,
    fairness,
  );
  const floor = handoffs.length > 0 ? handoffFigures(handoffs, all) : null;
  console.log(table(all));
  console.log(
    floor
      ? `hand-off floor under submit->picked (bare commands, no queue): p50 ${floor.p50_ms.toFixed(2)} ms, p99 ${floor.p99_ms.toFixed(2)} ms; idle pick p50 ${floor.picked_p50_over_floor.jobqueue.toFixed(2)}x it for jobqueue, ${floor.picked_p50_over_floor.other.toFixed(2)}x for BullMQ`
      : 'hand-off floor: not measured (latency part not run)',
  );
  // Context for the idle latencies: the two messages of any pick, as bare commands, no queue.
  console.log(jsonLine({ ...meta, handoff_floor: floor }, all));
}

/**
 * The floor's medians, and each system's idle pick p50 as a multiple of the floor's: the floor
 * moves with the machine (0.58 ms on one VM, 0.78 on another), the multiple much less.
 */
function handoffFigures(handoffs: HandoffResult[], all: Figure[]) {
  const p50 = median(handoffs.map((h) => h.p50Ms));
  const picked = all.find((figure) => figure.key === 'idle_picked_p50_ms')!;
  return {
    p50_ms: p50,
    p99_ms: median(handoffs.map((h) => h.p99Ms)),
    picked_p50_over_floor: { jobqueue: picked.ours / p50, other: picked.other / p50 },
  };
}

async function using(
  queue: QueueSystem,
  body: (queue: QueueSystem) => Promise<void>,
): Promise<void> {
  try {
    await body(queue);
  } finally {
    await queue.close();
  }
}

/** One server: POST /submit-job with the README's body, then POST /jobs/bulk, each on an empty Redis. */
async function httpRound(
  redis: BenchRedis,
  name: string,
  script: string,
  logFile: string,
  options: BenchOptions,
  rounds: HttpRounds,
): Promise<void> {
  await redis.flush();
  const server = await startHttpServer(name, script, redis.url, logFile);
  try {
    progress(
      `${name}: POST /submit-job for ${options.httpSeconds} s at ${options.connections} connections`,
    );
    const single = await postLoad(
      `${server.url}/submit-job`,
      README_BODY,
      options.connections,
      options.httpSeconds,
    );
    rounds.single.push(single.requestsPerSecond);
    rounds.singleP99Ms.push(single.p99Ms);
    await redis.flush();
    progress(
      `${name}: POST /jobs/bulk (${BULK_JOBS} jobs) for ${options.httpSeconds} s at ${options.bulkConnections} connections`,
    );
    const bulk = await postLoad(
      `${server.url}/jobs/bulk`,
      bulkBody(BULK_JOBS),
      options.bulkConnections,
      options.httpSeconds,
    );
    rounds.bulkJobs.push(bulk.requestsPerSecond * BULK_JOBS);
  } finally {
    await server.stop();
  }
}

function round2(value: number): number {
  return Number(value.toFixed(2));
}

let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
// Exit at once when done: client connections of the systems under test may still wind down.
main(options).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
