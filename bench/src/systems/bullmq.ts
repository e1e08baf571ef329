// BullMQ, driven through its Queue and read through QueueEvents, as its documentation shows.

import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import Redis from 'ioredis';
import { ATTEMPTS, bullmqPriority, NOOP_TYPE, priorityOf, README_BODY } from '../jobs';
import type { QueueSystem } from './system';

const BATCH = 1000;

export class BullmqQueue implements QueueSystem {
  readonly label = 'BullMQ';
  readonly workerScript = join(__dirname, '..', 'workers', 'bullmq-worker.js');
  private readonly redis: Redis;
  private readonly queue: Queue;
  private events: QueueEvents | undefined;

  constructor(
    redisUrl: string,
    private readonly queueName: string,
  ) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.queue = new Queue(queueName, { connection: this.redis });
  }

  async submitMixed(n: number): Promise<void> {
    for (let start = 0; start < n; start += BATCH) {
      const jobs = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) {
        jobs.push({ name: NOOP_TYPE, data: README_BODY.payload, opts: options(priorityOf(i)) });
      }
      await this.queue.addBulk(jobs);
    }
  }

  /** Submits `count` jobs of one priority in batches (BullMQ has no groups); their ids. */
  async submitToGroup(_group: string, count: number, priority = 5): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < count; start += BATCH) {
      const jobs = Array.from({ length: Math.min(BATCH, count - start) }, () => ({
        name: NOOP_TYPE,
        data: README_BODY.payload,
        opts: options(priority),
      }));
      ids.push(...(await this.queue.addBulk(jobs)).map((added) => added.id!));
    }
    return ids;
  }

  async completed(): Promise<number> {
    return this.redis.zcard(`bull:${this.queueName}:completed`);
  }

  async submitOne(priority: number): Promise<string> {
    const job = await this.queue.add(NOOP_TYPE, README_BODY.payload, options(priority));
    return job.id!;
  }

  async watch(onPicked: (id: string) => void, onCompleted: (id: string) => void): Promise<void> {
    const events = new QueueEvents(this.queueName, {
      connection: new Redis(this.redis.options.port!, this.redis.options.host!, {
        maxRetriesPerRequest: null,
      }),
    });
    this.events = events;
    events.on('active', ({ jobId }) => onPicked(jobId));
    events.on('completed', ({ jobId }) => onCompleted(jobId));
    await events.waitUntilReady();
  }

  async close(): Promise<void> {
    await this.events?.close();
    await this.queue.close();
    this.redis.disconnect();
  }
}

function options(priority: number) {
  return { priority: bullmqPriority(priority), attempts: ATTEMPTS };
}
