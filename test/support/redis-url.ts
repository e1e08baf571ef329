// Where a test finds its Redis, and how it keeps its keys apart from every other test file.
import { randomUUID } from 'node:crypto';

/** The Redis that jest's global setup provisioned for this run. */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) {
    throw new Error(
      'TEST_REDIS_URL is not set: run the tests through jest (npx jest or npm test), whose ' +
        'global setup provides a Redis, or set REDIS_URL to a Redis the tests may use',
    );
  }
  return url;
}

/** Where uniqueQueueName() lists the queues a test file made; the environment reads it. */
export const QUEUES_MADE = Symbol.for('jobqueue.test.queuesMade');

/**
 * A queue name no other test uses, so each file can share one Redis without interference. When
 * that Redis is the caller's REDIS_URL, the file's teardown deletes these queues' keys.
 */
export function uniqueQueueName(prefix = 'test'): string {
  const name = `${prefix}-${randomUUID()}`;
  const global = globalThis as { [QUEUES_MADE]?: string[] };
  (global[QUEUES_MADE] ??= []).push(name);
  return name;
}
