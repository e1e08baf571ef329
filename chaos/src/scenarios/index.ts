// The scenarios in the order `npm run chaos` runs them, each at its full size (the issue's
// figures) and at a small size that takes seconds (the tests in test/chaos use the small ones).

import type { ScenarioResult } from '../result';
import { BAD_INPUT, badInput, type BadInputParams } from './bad-input';
import { HOSTILE_CLIENTS, hostileClients, type HostileClientsParams } from './hostile-clients';
import { LOAD, load, type LoadParams } from './load';
import { PAUSE_RESTART, pauseRestart, type PauseRestartParams } from './pause-restart';
import { POISON_JOB, poisonJob, type PoisonParams } from './poison-job';
import { REDIS_PAUSE, redisPause, type RedisPauseParams } from './redis-pause';
import { REDIS_RESTART, redisRestart, type RedisRestartParams } from './redis-restart';
import {
  GRACEFUL_RESTARTS,
  CANCEL_KILLS,
  HTTP_WORKER_KILLS,
  LIMIT_KILLS,
  WORKER_KILLS,
  workerRestarts,
  type WorkerRestartParams,
} from './worker-restarts';
import { ZOMBIE_WORKER, zombieWorker, type ZombieParams } from './zombie-worker';

export type Size = 'full' | 'small';

export interface Scenario {
  number: number;
  title: string;
  run(size: Size): Promise<ScenarioResult>;
}

// Small: a few hundred jobs, longer handlers and shorter leases, so every kill lands mid-job.
export const SMALL: {
  workerKills: WorkerRestartParams;
  gracefulRestarts: WorkerRestartParams;
  poisonJob: PoisonParams;
  redisRestart: RedisRestartParams;
  redisPause: RedisPauseParams;
  zombieWorker: ZombieParams;
  badInput: BadInputParams;
  load: LoadParams;
  hostileClients: HostileClientsParams;
  httpWorkerKills: WorkerRestartParams;
  limitKills: WorkerRestartParams;
  cancelKills: WorkerRestartParams;
  pauseRestart: PauseRestartParams;
} = {
  workerKills: {
    ...WORKER_KILLS,
    jobs: 400,
    handlerMs: 150,
    killEveryMs: 500,
    leaseMs: 1000,
    drainTimeoutMs: 30_000,
  },
  gracefulRestarts: {
    ...GRACEFUL_RESTARTS,
    jobs: 400,
    handlerMs: 150,
    killEveryMs: 500,
    leaseMs: 1000,
    drainTimeoutMs: 30_000,
  },
  poisonJob: { ...POISON_JOB, jobs: 200, workers: 2, leaseMs: 500, drainTimeoutMs: 30_000 },
  redisRestart: {
    ...REDIS_RESTART,
    jobs: 300,
    submitPerSecond: 100,
    workers: 2,
    leaseMs: 1000,
    kills: 2,
    outageMs: 500,
    drainTimeoutMs: 30_000,
  },
  redisPause: {
    ...REDIS_PAUSE,
    jobs: 300,
    submitPerSecond: 60,
    workers: 2,
    leaseMs: 1000,
    pauseMs: 2000,
    drainTimeoutMs: 30_000,
  },
  zombieWorker: { ...ZOMBIE_WORKER, jobs: 3, handlerMs: 1500, leaseMs: 500, timeoutMs: 20_000 },
  badInput: { ...BAD_INPUT, requests: 600 },
  load: { ...LOAD, submitPerSecond: 200, durationMs: 5000, drainTimeoutMs: 30_000 },
  hostileClients: {
    ...HOSTILE_CLIENTS,
    storedJobs: 3000,
    listClients: 5,
    timedSubmits: 100,
    stalledClients: 5,
    replayClients: 10,
    floodJobs: 3000,
  },
  pauseRestart: { ...PAUSE_RESTART, jobs: 200, workers: 2, watchMs: 1000, drainTimeoutMs: 30_000 },
  cancelKills: {
    ...CANCEL_KILLS,
    jobs: 300,
    handlerMs: 100,
    killEveryMs: 500,
    leaseMs: 1000,
    drainTimeoutMs: 60_000,
    cancelEveryMs: 30,
  },
  limitKills: {
    ...LIMIT_KILLS,
    jobs: 150,
    handlerMs: 50,
    killEveryMs: 500,
    leaseMs: 1000,
    drainTimeoutMs: 60_000,
    maxConcurrency: 3,
  },
  httpWorkerKills: {
    ...HTTP_WORKER_KILLS,
    jobs: 400,
    handlerMs: 150,
    killEveryMs: 500,
    leaseMs: 1000,
    drainTimeoutMs: 30_000,
  },
};

const FULL = {
  workerKills: WORKER_KILLS,
  gracefulRestarts: GRACEFUL_RESTARTS,
  poisonJob: POISON_JOB,
  redisRestart: REDIS_RESTART,
  redisPause: REDIS_PAUSE,
  zombieWorker: ZOMBIE_WORKER,
  badInput: BAD_INPUT,
  load: LOAD,
  hostileClients: HOSTILE_CLIENTS,
  httpWorkerKills: HTTP_WORKER_KILLS,
  limitKills: LIMIT_KILLS,
  cancelKills: CANCEL_KILLS,
  pauseRestart: PAUSE_RESTART,
};

const sized = (size: Size) => (size === 'full' ? FULL : SMALL);

export const SCENARIOS: Scenario[] = [
  { number: 1, title: 'worker kills', run: (s) => workerRestarts(sized(s).workerKills) },
  { number: 2, title: 'graceful restarts', run: (s) => workerRestarts(sized(s).gracefulRestarts) },
  { number: 3, title: 'poison job', run: (s) => poisonJob(sized(s).poisonJob) },
  { number: 4, title: 'redis restart', run: (s) => redisRestart(sized(s).redisRestart) },
  { number: 5, title: 'redis pause', run: (s) => redisPause(sized(s).redisPause) },
  { number: 6, title: 'zombie worker', run: (s) => zombieWorker(sized(s).zombieWorker) },
  { number: 7, title: 'bad input', run: (s) => badInput(sized(s).badInput) },
  { number: 8, title: 'load', run: (s) => load(sized(s).load) },
  { number: 9, title: 'hostile clients', run: (s) => hostileClients(sized(s).hostileClients) },
  {
    number: 10,
    title: 'HTTP worker kills',
    run: (s) => workerRestarts(sized(s).httpWorkerKills),
  },
  {
    number: 11,
    title: 'limits under kills',
    run: (s) => workerRestarts(sized(s).limitKills),
  },
  {
    number: 12,
    title: 'cancels under kills',
    run: (s) => workerRestarts(sized(s).cancelKills),
  },
  {
    number: 13,
    title: 'pause across a Redis restart',
    run: (s) => pauseRestart(sized(s).pauseRestart),
  },
];
