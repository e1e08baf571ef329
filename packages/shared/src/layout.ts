// The key layout a queue's keys are in (the `layout` key; the version is in prelude.lua).
// Version 2 added each type's lane (`ready:<type>`), version 3 seqs in microseconds: a worker
// puts a backlog queued by an earlier release in place before it claims, so an upgrade finds
// every queued job, and the API does the same when PRIORITY_AGING_MS changes (relane.lua).
// Groups' counts and clocks an earlier release kept in `grunning`, `gdone` and `gclock:<type>`
// move the same way (move_group_counts.lua).

import type { QueueKeys } from './keys';
import type { RedisClient } from './redis';
import { runScript } from './scripts';

const SLICE = 1000;

/** Puts every queued job in its place for this layout and band; at once when done before. */
export async function upgradeLayout(redis: RedisClient, keys: QueueKeys): Promise<void> {
  let cursor = '0';
  for (;;) {
    const [state, last] = await runScript<[string, string?]>(redis, 'relane', keys, [
      keys.prefix,
      cursor,
      SLICE,
    ]);
    if (state === 'done') break;
    cursor = last!;
  }
  while ((await runScript<number>(redis, 'move_group_counts', keys, [keys.prefix, SLICE])) !== 1);
}
