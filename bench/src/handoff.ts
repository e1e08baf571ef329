// The hand-off floor: what the messages of an idle pick cost on this machine with no queue in
// them. The least an idle pick can take is two one-way messages through Redis: the submitter's
// to Redis, and Redis's waking the blocked worker. Here each is a bare command (ZADD, BZPOPMIN),
// so the time is the floor under any queue's submit->picked. This queue's worker sends its claim
// with its wait, so its pick takes these two messages too; a worker that claims only once woken
// (BullMQ's) adds two more: its claim, and Redis's answer.

import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { BenchChild, nowMs } from './child';
import type { BenchRedis } from './redis-server';
import { percentile } from './stats';

export interface HandoffResult {
  p50Ms: number;
  p99Ms: number;
}

const SCRIPT = join(__dirname, 'workers', 'handoff-worker.js');

export async function handoffFloor(
  redis: BenchRedis,
  options: { times: number; gapMs: number; logFile: string },
): Promise<HandoffResult> {
  await redis.flush();
  const worker = BenchChild.start(
    'hand-off worker',
    SCRIPT,
    { REDIS_URL: redis.url },
    options.logFile,
  );
  const submitter = redis.client.duplicate();
  try {
    await worker.next('started');
    await sleep(200);
    const submitted: number[] = [];
    for (let i = 0; i < options.times; i++) {
      submitted.push(nowMs());
      await submitter.zadd('handoff:marker', 0, '0');
      await sleep(options.gapMs);
    }
    worker.send({ type: 'report' });
    const woken = (await worker.next('report')).woken as number[];
    if (woken.length !== submitted.length) {
      throw new Error(
        `hand-off worker woke ${woken.length} times for ${submitted.length} hand-offs`,
      );
    }
    const times = submitted.map((at, i) => woken[i]! - at);
    return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
  } finally {
    submitter.disconnect();
    await worker.stop();
  }
}
