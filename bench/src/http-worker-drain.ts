// Drain by a worker over HTTP: the same N jobs as the drain part, run by a worker that claims
// many jobs per call through the API (workers/http-worker.ts) instead of the Node worker; the
// clock runs from the worker's start to the last completion, as in drain.ts.

import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { BenchChild, nowMs } from './child';
import { API_SCRIPT, startHttpServer } from './http';
import type { BenchRedis } from './redis-server';
import { OurQueue } from './systems/ours';

const WORKER = join(__dirname, 'workers', 'http-worker.js');
/** The queue the API serves in the bench (see startHttpServer). */
const QUEUE = 'bench-http';

export async function drainOverHttp(
  redis: BenchRedis,
  options: { n: number; concurrency: number; logDir: string },
): Promise<number> {
  await redis.flush();
  const queue = new OurQueue(redis.url, QUEUE);
  const api = await startHttpServer('api', API_SCRIPT, redis.url, join(options.logDir, 'api.log'));
  let worker: BenchChild | undefined;
  try {
    await queue.submitMixed(options.n);
    worker = BenchChild.start(
      'http worker',
      WORKER,
      { API_URL: api.url, WORKER_CONCURRENCY: String(options.concurrency) },
      join(options.logDir, 'http-worker.log'),
    );
    const started = Number((await worker.next('started')).at);
    const deadline = Date.now() + 30_000 + options.n * 5;
    let done = 0;
    while ((done = await queue.completed()) < options.n) {
      if (Date.now() > deadline) throw new Error(`http worker: ${done} of ${options.n} completed`);
      await sleep(10);
    }
    return options.n / ((nowMs() - started) / 1000);
  } finally {
    await worker?.stop();
    await api.stop();
    await queue.close();
  }
}
