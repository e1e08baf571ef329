// Real Redis for whatever needs one of its own: the tests, the benchmark, the chaos runs and the
// scripts. Every redis-server here runs on loopback, on a port nobody else uses (never 6379
// unless asked), and is registered so that its owner can stop everything it started.
export { delay, withinMs } from './timing';
export { freePort, onFreePort } from './free-port';
export { pingRedis } from './redis-ping';
export {
  killAllNow,
  stopAll,
  track,
  trackedProcesses,
  untrack,
  TRACKED_PROCESSES,
  type TrackedProcess,
} from './tracked-processes';
export { RedisServerProcess, type ProcessExit, type RedisServerOptions } from './redis-server';
export { RedisCluster, type RedisClusterOptions } from './redis-cluster';
