// Groups (a customer, a tenant): jobs submitted with `group` take turns with other groups' jobs
// of their priority (claim.lua). A group's settings (weight, max_concurrency) are stored with the
// queue; GET /groups reads what each group has queued, running and completed.

import { z } from 'zod';
import type { QueueKeys } from './keys';
import type { RedisClient } from './redis';
import { execPipeline } from './redis';
import { groupNameSchema, pageLimit, parseOrThrow } from './schemas';
import { runScript } from './scripts';
import type { GroupListing, GroupPage, GroupSettingsInForce } from './wire';

const EPOCH_MS = Date.UTC(2026, 0, 1); // seqs count microseconds from here (prelude.lua)

/** A change of a group's settings: the fields given; null puts one back to its default. */
export const groupSettingsSchema = z.strictObject({
  /** Turns it takes for one of a group of weight 1; default 1. */
  weight: z
    .number()
    .min(0.01, 'must be at least 0.01')
    .max(1000, 'must be at most 1000')
    .nullable()
    .optional(),
  /** Most of its jobs running at once over every worker; null removes the limit. */
  max_concurrency: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1_000_000)
    .nullable()
    .optional(),
});
export type GroupSettings = z.output<typeof groupSettingsSchema>;
export type { GroupListing, GroupPage, GroupSettingsInForce };

export const listGroupsSchema = z.strictObject({
  limit: pageLimit,
  /**
   * Where the last page stopped: `<when last active, ms>:<group>`. Empty is the first page, as
   * on GET /jobs (a client that sends `cursor=` for a null next_cursor starts over).
   */
  cursor: z.preprocess(
    (cursor) => (cursor === '' ? undefined : cursor),
    z
      .string()
      .regex(/^\d{1,15}:[\x21-\x7e]{1,128}$/, 'must be the next_cursor of a page')
      .optional(),
  ),
});

/**
 * Changes a group's settings: the fields given (null: back to the default), the others kept, as
 * a flag given to queuectl changes that setting alone. Resolves with the settings in force.
 */
export async function setGroup(
  redis: RedisClient,
  keys: QueueKeys,
  name: unknown,
  input: unknown,
): Promise<GroupSettingsInForce> {
  const group = parseOrThrow(groupNameSchema, name, 'invalid group', ['group']);
  const change = parseOrThrow(groupSettingsSchema, input, 'invalid group settings');
  const text = await runScript<string>(redis, 'set_group', keys, [
    keys.prefix,
    group,
    JSON.stringify(change),
  ]);
  const stored = (text ? JSON.parse(text) : {}) as GroupSettings;
  return { weight: stored.weight ?? 1, max_concurrency: stored.max_concurrency ?? null };
}

/**
 * The groups with jobs submitted lately (the most recent first), a page at a time: for each,
 * its jobs queued (ready, over `jobTypes`), running and completed, and its oldest ready job's
 * wait.
 */
export async function listGroups(
  redis: RedisClient,
  keys: QueueKeys,
  jobTypes: string[],
  { limit, cursor }: z.output<typeof listGroupsSchema>,
): Promise<GroupPage> {
  const seen = await pageOfSeen(redis, keys, limit + 1, cursor);
  const more = seen.length > limit;
  const page = seen.slice(0, limit).map(([group]) => group);
  if (page.length === 0) return { groups: [], next_cursor: null };
  const last = seen[limit - 1];

  const reads = redis.pipeline();
  reads.hmget(keys.groups, ...page);
  for (const group of page) reads.hmget(keys.groupCounts(group), 'started', 'done', 'ended');
  for (const group of page) {
    for (const type of jobTypes) {
      reads.zcard(keys.groupLane(type, group));
      reads.zrange(keys.groupLane(type, group), 0, 0);
    }
  }
  const replies = await execPipeline(reads);
  const settings = replies[0] as (string | null)[];
  const counts = replies.slice(1, 1 + page.length) as (string | null)[][];
  const lanesAt = 1 + page.length;
  const heads: string[][] = [];
  const listed = page.map((group, g) => {
    let queued = 0;
    const groupHeads: string[] = [];
    jobTypes.forEach((_, t) => {
      const at = lanesAt + (g * jobTypes.length + t) * 2;
      queued += Number(replies[at]);
      const head = (replies[at + 1] as string[])[0];
      if (head) groupHeads.push(head);
    });
    heads.push(groupHeads);
    const stored = settings[g] ? (JSON.parse(settings[g]!) as GroupSettings) : {};
    const [started, done, ended] = counts[g]!.map(Number);
    return {
      group,
      queued,
      running: Math.max(0, started! - done! - ended!),
      completed: done!,
      oldest_wait_ms: null as number | null,
      weight: stored.weight ?? 1,
      max_concurrency: stored.max_concurrency ?? null,
    };
  });
  // Each group's oldest wait: the earliest ready time (seq) among its lanes' heads (its next
  // jobs; reading a whole lane for its oldest job would cost a read per job).
  const seqs = redis.pipeline();
  for (const groupHeads of heads) for (const id of groupHeads) seqs.hget(keys.job(id), 'seq');
  const readyAt = (await execPipeline(seqs)) as (string | null)[];
  const now = Date.now();
  let at = 0;
  heads.forEach((groupHeads, g) => {
    for (let i = 0; i < groupHeads.length; i++, at++) {
      const seq = Number(readyAt[at]);
      if (!Number.isFinite(seq) || readyAt[at] === null) continue;
      const waited = Math.max(0, Math.round(now - (EPOCH_MS + seq / 1000)));
      const listing = listed[g]!;
      listing.oldest_wait_ms = Math.max(listing.oldest_wait_ms ?? 0, waited);
    }
  });
  return { groups: listed, next_cursor: more && last ? `${last[1]}:${last[0]}` : null };
}

/**
 * Up to `count` groups of `gseen`, the most recently active first, after the cursor's place:
 * by score and then member, as Redis orders them, so a group never comes twice (one active
 * again since the first page moved above it, and shows on a new first page).
 */
async function pageOfSeen(
  redis: RedisClient,
  keys: QueueKeys,
  count: number,
  cursor: string | undefined,
): Promise<[string, number][]> {
  const pairs = (flat: string[]) => {
    const out: [string, number][] = [];
    for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, Number(flat[i + 1])]);
    return out;
  };
  if (!cursor) {
    return pairs(
      await redis.zrevrangebyscore(
        keys.groupsSeen,
        '+inf',
        '-inf',
        'WITHSCORES',
        'LIMIT',
        0,
        count,
      ),
    );
  }
  const at = cursor.indexOf(':');
  const score = cursor.slice(0, at);
  const after = cursor.slice(at + 1);
  // The rest of the cursor's own score (members come in reverse order within one score), then
  // lower scores.
  const sameScore = pairs(
    await redis.zrevrangebyscore(keys.groupsSeen, score, score, 'WITHSCORES'),
  ).filter(([group]) => group < after);
  const page = sameScore.slice(0, count);
  if (page.length < count) {
    page.push(
      ...pairs(
        await redis.zrevrangebyscore(
          keys.groupsSeen,
          `(${score}`,
          '-inf',
          'WITHSCORES',
          'LIMIT',
          0,
          count - page.length,
        ),
      ),
    );
  }
  return page;
}
