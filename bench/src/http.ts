// HTTP submission: autocannon against the API process and against the bare Koa baseline, each a
// process of its own on the bench's Redis.

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { freePort } from '@jobqueue/testkit';
import { BenchChild } from './child';
import { README_BODY } from './jobs';

export const API_SCRIPT = join(__dirname, '..', '..', 'services', 'api', 'dist', 'main.js');
export const BARE_KOA_SCRIPT = join(__dirname, 'servers', 'bare-koa.js');

export interface HttpServer {
  url: string;
  stop(): Promise<void>;
}

export async function startHttpServer(
  name: string,
  script: string,
  redisUrl: string,
  logFile: string,
): Promise<HttpServer> {
  const port = await freePort();
  const child = BenchChild.start(
    name,
    script,
    {
      REDIS_URL: redisUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      QUEUE_NAME: 'bench-http',
      // The API's per-client rate limit would cap one load generator; it is measured off.
      SUBMIT_RATE_LIMIT: '0',
      LOG_LEVEL: 'info',
    },
    logFile,
  );
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 50) {
    // Any answer means it listens (the bare endpoint has no /health).
    const answered = await fetch(`${url}/health`).then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (waited > 20_000) {
      await child.stop();
      throw new Error(`${name} did not answer HTTP within 20 s`);
    }
    await sleep(50);
  }
  return { url, stop: () => child.stop() };
}

export interface LoadResult {
  requestsPerSecond: number;
  p99Ms: number;
}

/** POSTs `body` for `seconds` over `connections` connections; counts 2xx answers only. */
export async function postLoad(
  url: string,
  body: unknown,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    connections,
    duration: seconds,
  });
  const ok = result['2xx'];
  if (ok === 0 || result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `${url}: ${ok} answers 2xx, ${result.non2xx} other, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return { requestsPerSecond: ok / (result.duration || seconds), p99Ms: result.latency.p99 };
}

export function bulkBody(jobs: number): { jobs: unknown[] } {
  return { jobs: Array.from({ length: jobs }, () => README_BODY) };
}
