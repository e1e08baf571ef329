// What a queue recorded in its Redis events stream (jq:{queue}:events), read straight with XRANGE,
// and the worker log messages of a service process, for tests that compare the two.
import Redis from 'ioredis';
import { decodeEvents, queueKeys, type QueueEvent } from '@jobqueue/shared';
import type { ServiceProcess } from './service-process';

type StreamEntry = [id: string, fields: string[]];

/** Every event the queue's stream holds, oldest first. */
export async function readQueueEvents(redisUrl: string, queueName: string): Promise<QueueEvent[]> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    const entries = (await redis.xrange(queueKeys(queueName).events, '-', '+')) as StreamEntry[];
    return entries.flatMap(decodeEvents);
  } finally {
    redis.disconnect();
  }
}

/** The `msg` of every JSON log line the process wrote, in order. */
export function logMessages(service: ServiceProcess): string[] {
  return service.logs.map((log) => log.msg).filter((msg): msg is string => typeof msg === 'string');
}

/** Index of the first message that starts with `prefix`, or -1. */
export function indexOfMessage(messages: string[], prefix: string): number {
  return messages.findIndex((msg) => msg.startsWith(prefix));
}
