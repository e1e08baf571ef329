// The events stream: every transition a script makes, with seed 003's log line as `message`.

import type { RedisClient } from './redis';
import { microsToIso } from './time';

export interface QueueEvent {
  /** The stream entry id; clients resume after it (SSE Last-Event-ID). */
  id: string;
  type: string;
  job_id: string;
  message: string;
  attempt: number | null;
  worker_id: string | null;
  error: string | null;
  time: string | null;
}

type StreamEntry = [id: string, fields: string[]];

export function decodeEvent([id, fields]: StreamEntry): QueueEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return {
    id,
    type: f.type ?? 'unknown',
    job_id: f.job_id ?? '',
    message: f.message ?? '',
    attempt: f.attempt ? Number(f.attempt) : null,
    worker_id: f.worker_id ?? null,
    error: f.error ?? null,
    time: microsToIso(f.time),
  };
}

const STREAM_ID = /^\d+(-\d+)?$/;
export const isStreamId = (id: string) => STREAM_ID.test(id);

/** Events after `afterId` (exclusive; '0' for the oldest kept), oldest first. */
export async function readEventsAfter(
  redis: RedisClient,
  streamKey: string,
  afterId: string,
  count: number,
): Promise<QueueEvent[]> {
  const entries = (await redis.xrange(
    streamKey,
    `(${afterId}`,
    '+',
    'COUNT',
    count,
  )) as StreamEntry[];
  return entries.map(decodeEvent);
}

/** The newest `count` events, oldest first. */
export async function readLatestEvents(
  redis: RedisClient,
  streamKey: string,
  count: number,
): Promise<QueueEvent[]> {
  const entries = (await redis.xrevrange(streamKey, '+', '-', 'COUNT', count)) as StreamEntry[];
  return entries.reverse().map(decodeEvent);
}

/**
 * Waits up to `blockMs` for events after `afterId` ('$' = only new ones) on a connection that may
 * block. Returns [] on timeout.
 */
export async function waitForEvents(
  blockingRedis: RedisClient,
  streamKey: string,
  afterId: string,
  blockMs: number,
  count = 500,
): Promise<QueueEvent[]> {
  const reply = (await blockingRedis.xread(
    'COUNT',
    count,
    'BLOCK',
    blockMs,
    'STREAMS',
    streamKey,
    afterId,
  )) as [string, StreamEntry[]][] | null;
  return reply?.[0]?.[1].map(decodeEvent) ?? [];
}
