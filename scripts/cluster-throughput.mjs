// Throughput of the queue on a Redis Cluster, per shard. Starts a local 3-master cluster (the
// testkit's RedisCluster, durable as production is advised to be: append-only file fsynced every
// second, noeviction), then:
//   1. one queue on one shard: submit N jobs in bulk, then one worker process drains them;
//   2. three queues, one per shard: N jobs each, one worker process per queue, all at once.
// Jobs are the README's send_email with the mock's delay and failures off, so the figures are the
// queue's own cost (claim, complete, events), not a handler's. Workers log at warn: no per-job lines.
// Usage (after `npm run build`): node scripts/cluster-throughput.mjs [--jobs 30000] [--concurrency 50]
// Prints one line per phase on stdout; progress goes to stderr.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import { repoRoot } from './lib/commands.mjs';

// The queue core and the testkit are CommonJS; their built dist/ is what runs.
const require = createRequire(import.meta.url);
const { JobQueue, createJobTypes, createRedis, queueKeys } = require('@jobqueue/shared');
const { RedisCluster } = require('@jobqueue/testkit');

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '30000' },
    concurrency: { type: 'string', default: '50' },
  },
});
const JOBS = Number(values.jobs);
const CONCURRENCY = Number(values.concurrency);
const BATCH = 1000;
const README_BODY = {
  job_type: 'send_email',
  priority: 'high',
  payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
};
const progress = (message) => console.error(`[cluster-throughput] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

progress(`${cpus().length} cores (${cpus()[0]?.model}), load average ${loadavg()[0].toFixed(2)}`);
// prettier-ignore
const cluster = await new RedisCluster({
  appendonly: true,
  args: [
    '--appendfsync', 'everysec',
    '--maxmemory-policy', 'noeviction',
    '--loglevel', 'warning',
  ],
}).start(3);
const client = createRedis({ redisUrl: 'redis://unused', clusterNodes: cluster.nodes });
const workers = [];
const warnings = new Map();
try {
  progress(`cluster of 3 masters: ${cluster.nodes.join(',')}`);
  const queueNames = await oneQueuePerMaster('throughput');

  const [first] = queueNames;
  const one = await drainTogether([first]);
  console.log(
    `one shard:    ${JOBS} jobs, submit ${one.submitRate} jobs/s, drain ${one.total} jobs/s ` +
      `(1 worker process x concurrency ${CONCURRENCY}); Redis CPU ${one.shards[0].cpuPer1000} s per 1,000 jobs`,
  );

  const three = await drainTogether(await oneQueuePerMaster('throughput-3'));
  console.log(
    `three shards: ${JOBS} jobs per queue, drain ${three.total} jobs/s in all ` +
      `(${three.shards.map((s) => `${s.master} ${s.rate}`).join(', ')} jobs/s); ` +
      `Redis CPU ${three.shards.map((s) => s.cpuPer1000).join(', ')} s per 1,000 jobs`,
  );
} finally {
  for (const worker of workers) worker.kill('SIGKILL');
  client.disconnect();
  await cluster.dispose();
}

/** Three queue names, `<prefix>-<n>`, whose hash tags land on three different masters. */
async function oneQueuePerMaster(prefix) {
  const byMaster = new Map();
  for (let n = 1; byMaster.size < 3; n++) {
    const name = `${prefix}-${n}`;
    const master = await cluster.nodeServing(queueKeys(name).queued);
    if (!byMaster.has(master)) byMaster.set(master, name);
  }
  return [...byMaster.values()];
}

/**
 * Submits JOBS jobs to each queue, then starts one worker per queue at once and measures each
 * queue's drain from its first completed job to its last, and its master's CPU meanwhile.
 */
async function drainTogether(names) {
  const queues = [];
  let submitSeconds = 0;
  for (const name of names) {
    const queue = new JobQueue({
      redis: client,
      queueName: name,
      jobTypes: createJobTypes({ mockEmail: { delayMs: 0, failureRate: 0 } }),
      maxAttempts: 3,
      jobTtlSeconds: 3600,
      failedJobTtlSeconds: 3600,
      idempotencyTtlSeconds: 3600,
      eventsMaxLen: 10_000,
    });
    const started = performance.now();
    for (let done = 0; done < JOBS; done += BATCH) {
      await queue.submitMany(
        Array.from({ length: Math.min(BATCH, JOBS - done) }, () => README_BODY),
      );
    }
    submitSeconds += (performance.now() - started) / 1000;
    const master = await cluster.nodeServing(queueKeys(name).queued);
    queues.push({ name, queue, master, cpuBefore: await redisCpu(master) });
  }
  progress(`submitted ${JOBS} jobs to each of ${names.join(', ')}`);

  warnings.clear();
  const running = names.map((name) => startWorker(name));
  const drains = await Promise.all(queues.map(({ queue }) => watchDrain(queue)));
  await Promise.all(running.map(stopWorker));
  for (const [msg, count] of warnings) progress(`worker log, ${count} x: ${msg}`);
  for (const { name, queue } of queues) {
    const { totals } = await queue.stats();
    progress(`${name}: totals ${JSON.stringify(totals)}`);
  }

  const shards = [];
  for (const [i, { master, cpuBefore }] of queues.entries()) {
    const cpu = (await redisCpu(master)) - cpuBefore;
    const { first, last } = drains[i];
    shards.push({
      master,
      rate: rate(last.completed - first.completed, first.at, last.at),
      cpuPer1000: ((cpu * 1000) / JOBS).toFixed(3),
    });
  }
  return {
    submitRate: Math.round((JOBS * names.length) / submitSeconds),
    // All queues together: every job completed after the first completion seen on any of them,
    // over the time from that first completion to the last one.
    total: rate(
      drains.reduce((sum, { first, last }) => sum + last.completed - first.completed, 0),
      Math.min(...drains.map(({ first }) => first.at)),
      Math.max(...drains.map(({ last }) => last.at)),
    ),
    shards,
  };
}

/** Polls the queue's counts until all JOBS completed: when the first and the last completion were seen. */
async function watchDrain(queue) {
  let first;
  for (;;) {
    const completed = (await queue.stats()).counts.completed;
    const at = performance.now();
    if (completed > 0 && !first) first = { completed, at };
    if (completed >= JOBS) return { first, last: { completed, at } };
    await sleep(100);
  }
}

/** Jobs per second over a drain window. */
function rate(jobs, fromMs, toMs) {
  return Math.round((jobs * 1000) / (toMs - fromMs));
}

function startWorker(queueName) {
  const child = spawn(process.execPath, ['services/worker/dist/main.js'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
      QUEUE_NAME: queueName,
      WORKER_CONCURRENCY: String(CONCURRENCY),
      MOCK_EMAIL_DELAY_MS: '0',
      MOCK_EMAIL_FAILURE_RATE: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // At warn level a worker logs only what needs attention: count it by message, show it once.
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = String(parseJson(line)?.msg ?? line).replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>');
    warnings.set(msg, (warnings.get(msg) ?? 0) + 1);
  });
  workers.push(child);
  return child;
}

async function stopWorker(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function parseJson(line) {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) the Redis at host:port has used since it started. */
async function redisCpu(address) {
  const [host, port] = address.split(':');
  const redis = new Redis(Number(port), host);
  try {
    const info = await redis.info('cpu');
    const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)[1]);
    return field('used_cpu_user') + field('used_cpu_sys');
  } finally {
    redis.disconnect();
  }
}
