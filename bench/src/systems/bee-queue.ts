// bee-queue 2, driven through its Queue as its documentation shows. It has no priorities (FIFO
// only), so its jobs carry none; they get the same payload and attempts as the others'.

import { join } from 'node:path';
import BeeQueue from 'bee-queue';
import Redis from 'ioredis';
import { ATTEMPTS, README_BODY } from '../jobs';
import type { DrainedSystem } from './system';

const BATCH = 1000;

export class BeeQueueSystem implements DrainedSystem {
  readonly label = 'bee-queue';
  readonly workerScript = join(__dirname, '..', 'workers', 'bee-queue-worker.js');
  private readonly queue: BeeQueue;
  /** Reads the count with one command, as the other systems' counts are read. */
  private readonly redis: Redis;

  constructor(
    redisUrl: string,
    private readonly queueName: string,
  ) {
    this.queue = new BeeQueue(queueName, {
      redis: { url: redisUrl },
      isWorker: false,
      getEvents: false,
    });
    this.redis = new Redis(redisUrl);
  }

  async submitMixed(n: number): Promise<void> {
    await this.queue.ready();
    for (let start = 0; start < n; start += BATCH) {
      const jobs = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) {
        jobs.push(this.queue.createJob(README_BODY.payload).retries(ATTEMPTS - 1));
      }
      const errors = await this.queue.saveAll(jobs);
      if (errors.size > 0) throw [...errors.values()][0]!;
    }
  }

  async completed(): Promise<number> {
    return this.redis.scard(`bq:${this.queueName}:succeeded`);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}
