// The hand-off floor: what the messages of an idle pick cost on this machine with no queue in
// them. A worker that claims once it is woken (BullMQ's) needs four one-way messages between
// three processes: the submitter to Redis, Redis waking the blocked worker, the worker's claim to
// Redis, and Redis waking the reader of the events. Here each step is a bare command (ZADD,
// BZPOPMIN, a one-line script, XREAD), so the time is the floor under such a worker's
// submit->picked. This queue's worker sends its claim with its wait, which skips the third
// message; the line still shows what the machine's wake-ups cost.

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
  const reader = redis.client.duplicate();
  try {
    await worker.next('started');
    await sleep(200);
    const times: number[] = [];
    let last = '$';
    for (let i = 0; i < options.times; i++) {
      const seen = reader.xread('BLOCK', 0, 'STREAMS', 'handoff:events', last);
      // The reader's XREAD is on its way before the clock starts.
      await sleep(1);
      const at = nowMs();
      await submitter.zadd('handoff:marker', 0, '0');
      const reply = await seen;
      times.push(nowMs() - at);
      last = reply![0]![1].at(-1)![0];
      await sleep(options.gapMs);
    }
    return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
  } finally {
    submitter.disconnect();
    reader.disconnect();
    await worker.stop();
  }
}
