// `npm run bench:soak`: bounded memory. One worker process runs jobs submitted at a steady rate
// for a while, with finished jobs kept a short JOB_TTL_SECONDS; Redis's used_memory is sampled
// throughout. After the first TTL window the records, the indexes of finished jobs and the
// events stream all stay the same size, so memory stays flat. Prints the samples on one line, a
// verdict, the index lengths at the end, and a JSON line. Options: see SOAK_USAGE.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import { decodeEvents, queueKeys, type StreamEntry } from '@jobqueue/shared';
import { BenchChild, nowMs } from './child';
import { BenchRedis } from './redis-server';
import { parseSoakOptions, SOAK_USAGE, type SoakOptions } from './soak-options';
import { OurQueue } from './systems/ours';

const QUEUE = 'soak';
/** A sample within this much of the smallest one after the first TTL window counts as flat. */
const FLAT_WITHIN = 0.1;
const progress = (message: string) => console.error(`[soak] ${message}`);

interface Sample {
  seconds: number;
  usedMemory: number;
}

async function main(options: SoakOptions): Promise<void> {
  const redis = await BenchRedis.start();
  const logDir = mkdtempSync(join(tmpdir(), 'jobqueue-soak-'));
  const ttlEnv = {
    JOB_TTL_SECONDS: String(options.ttl),
    FAILED_JOB_TTL_SECONDS: String(options.ttl),
  };
  const queue = new OurQueue(redis.url, QUEUE, ttlEnv);
  const worker = BenchChild.start(
    'jobqueue worker',
    queue.workerScript,
    {
      REDIS_URL: redis.url,
      QUEUE_NAME: QUEUE,
      WORKER_CONCURRENCY: String(options.concurrency),
      ...ttlEnv,
    },
    join(logDir, 'worker.log'),
  );
  const samples: Sample[] = [];
  let submitted = 0;
  try {
    await worker.next('started');
    progress(
      `${options.rate} jobs/s for ${options.duration} s, JOB_TTL_SECONDS=${options.ttl}, redis-server on port ${redis.port}`,
    );
    const started = nowMs();
    const sample = async () => {
      const seconds = Math.round((nowMs() - started) / 1000);
      samples.push({ seconds, usedMemory: Number((await redis.info('memory')).used_memory) });
    };
    await sample();
    const sampler = setInterval(() => void sample(), options.sampleSeconds * 1000);
    try {
      // Drift-free: each step submits what the schedule says is due by now.
      for (;;) {
        const elapsed = (nowMs() - started) / 1000;
        if (elapsed >= options.duration) break;
        const due = Math.floor(options.rate * elapsed);
        while (submitted < due) {
          const count = Math.min(1000, due - submitted);
          await queue.submitBatch(submitted, count);
          submitted += count;
        }
        await sleep(10);
      }
    } finally {
      clearInterval(sampler);
    }
    if (nowMs() - started - samples.at(-1)!.seconds * 1000 > 1000) await sample();
    const deadline = Date.now() + 30_000;
    while ((await queue.completed()) < submitted && Date.now() < deadline) await sleep(50);
  } finally {
    await worker.stop();
  }

  const keys = queueKeys(QUEUE);
  const client = redis.client;
  const lengths = {
    created_index_ids: await idsInIndex(client, keys.created),
    completed_index_ids: await idsInIndex(client, keys.completed),
    // Counted in events (an entry holds the events of one script call), as EVENTS_MAX_LEN is.
    events: ((await client.xrange(keys.events, '-', '+')) as StreamEntry[]).flatMap(decodeEvents)
      .length,
    keys: await client.dbsize(),
  };
  const completed = await queue.completed();
  await queue.close();
  await redis.stop();
  rmSync(logDir, { recursive: true, force: true });

  const after = samples.filter((s) => s.seconds >= options.ttl + options.sampleSeconds);
  const sizes = after.map((s) => s.usedMemory);
  const min = Math.min(...sizes);
  const max = Math.max(...sizes);
  const flat = after.length >= 2 && max <= min * (1 + FLAT_WITHIN);
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  console.log(
    `Redis used_memory (MB) every ${options.sampleSeconds} s; ${options.rate} jobs/s, JOB_TTL_SECONDS=${options.ttl}:`,
  );
  console.log(samples.map((s) => `${s.seconds}s ${mb(s.usedMemory)}`).join(' | '));
  console.log(
    after.length >= 2
      ? `after the first TTL window (from ${after[0]!.seconds} s): ${mb(min)} to ${mb(max)} MB, ` +
          `spread ${(((max - min) / min) * 100).toFixed(1)} % -> ${flat ? 'flat' : 'NOT flat'}`
      : `too short to judge: run longer than --ttl plus two samples`,
  );
  console.log(
    `at the end: job ids in the created index ${lengths.created_index_ids}, in the completed index ` +
      `${lengths.completed_index_ids}, job records and other keys ${lengths.keys} ` +
      `(each about rate x ttl = ${options.rate * options.ttl}), events ${lengths.events}; ` +
      `${completed} of ${submitted} jobs completed`,
  );
  console.log(
    JSON.stringify({
      benchmark: 'jobqueue-soak',
      date: new Date().toISOString(),
      options,
      samples: samples.map((s) => ({ seconds: s.seconds, used_memory: s.usedMemory })),
      after_ttl: after.length >= 2 ? { from_seconds: after[0]!.seconds, min, max } : null,
      flat,
      submitted,
      completed,
      at_end: lengths,
    }),
  );
}

let options: SoakOptions;
try {
  options = parseSoakOptions(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n${SOAK_USAGE}`);
  process.exit(2);
}
main(options).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('soak failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);

/** How many job ids an index stream holds: each entry lists the ids of one call, 16 bytes each. */
async function idsInIndex(client: Redis, key: string): Promise<number> {
  let ids = 0;
  for (const [, fields] of await client.xrangeBuffer(key, '-', '+')) {
    ids += (fields[1]?.length ?? 0) / 16;
  }
  return ids;
}
