// PRIORITY_AGING_MS is stored with the queue (`settings`), because every process that puts a job
// in line must place it alike: the scripts read it there (priorityBand in prelude.lua). The API
// stores its setting at start; when that changes the band, the jobs already queued are placed
// again under it (relane.lua), so old and new places compare.

import type { QueueKeys } from './keys';
import { upgradeLayout } from './layout';
import type { RedisClient } from './redis';

/**
 * Stores `agingMs` with the queue and re-places queued jobs if needed; the value it replaced
 * (null: none was stored, so the queue had strict priority).
 */
export async function storePriorityAging(
  redis: RedisClient,
  keys: QueueKeys,
  agingMs: number,
): Promise<number | null> {
  const text = await redis.hget(keys.settings, 'priority_aging_ms');
  const stored = text === null ? null : Number(text);
  if (stored !== agingMs) await redis.hset(keys.settings, 'priority_aging_ms', agingMs);
  await upgradeLayout(redis, keys);
  return stored;
}
